/**
 * Temporary directories of the operator commands (a plan file before it is archived,
 * an extracted saved plan): private (0700, mkdtemp), removed on every exit, including
 * SIGINT, SIGTERM and SIGHUP. A SIGKILL cannot be caught, so each name carries the pid
 * (`cutter-<what>-p<pid>-XXXXXX` in the temp directory): the next command removes the
 * directories of processes that are gone.
 *
 * The commands run the engine synchronously: a signal that reaches only this process
 * (not the engine in the same process group, as Ctrl-C does) is handled once the
 * running engine step returns.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const live = new Set<string>();
const NAME = /^cutter-[a-z]+-p(\d+)-[A-Za-z0-9]{6}$/;
let installed = false;

function removeLive(): void {
  for (const dir of live) fs.rmSync(dir, { recursive: true, force: true });
  live.clear();
}

/** Removes the work directories on exit and on SIGINT/SIGTERM/SIGHUP (then exits 128+signal). */
export function removeWorkDirectoriesOnExit(): void {
  if (installed) return;
  installed = true;
  process.on("exit", removeLive);
  for (const [signal, number] of [
    ["SIGINT", 2],
    ["SIGTERM", 15],
    ["SIGHUP", 1],
  ] as const) {
    process.on(signal, () => {
      removeLive();
      process.stderr.write(`cutter: stopped by ${signal}; temporary files removed\n`);
      process.exit(128 + number);
    });
  }
}

/** A new private work directory `cutter-<what>-p<pid>-XXXXXX`, removed on exit. */
export function makeWorkDirectory(what: string): string {
  removeWorkDirectoriesOnExit();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `cutter-${what}-p${process.pid}-`));
  live.add(dir);
  return dir;
}

export function removeWorkDirectory(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
  live.delete(dir);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Removes work directories (ours: same owner) left by commands that were killed. */
export function removeStaleWorkDirectories(): void {
  const tmp = os.tmpdir();
  let names: string[];
  try {
    names = fs.readdirSync(tmp);
  } catch {
    return;
  }
  const uid = process.getuid?.() ?? 0;
  for (const name of names) {
    const m = NAME.exec(name);
    if (!m || Number(m[1]) === process.pid || alive(Number(m[1]))) continue;
    const dir = path.join(tmp, name);
    const st = fs.lstatSync(dir, { throwIfNoEntry: false });
    if (st && st.isDirectory() && st.uid === uid) fs.rmSync(dir, { recursive: true, force: true });
  }
}
