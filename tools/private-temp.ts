/**
 * Private temporary directories for the operator commands: 0700, named after the
 * process that made them (`cutter-<what>-p<pid>-XXXXXX`), removed on every exit a
 * process can see (return, throw, process.exit, SIGINT/SIGTERM/SIGHUP), and swept by
 * the next command that makes one when a SIGKILL left one behind.
 *
 * Signals: the engine runs through spawnSync, so a handler here only runs once the
 * engine has finished (an engine is never left half-way because cutter died); the
 * directory is removed on the way out and the exit code says which signal it was.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const live = new Set<string>();
const HANDLED_SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
let installed = false;

function removeAll(): void {
  for (const dir of live) fs.rmSync(dir, { recursive: true, force: true });
  live.clear();
}

function installCleanup(): void {
  if (installed) return;
  installed = true;
  process.on("exit", removeAll);
  for (const signal of HANDLED_SIGNALS) {
    // Someone else (the CLI) handles this signal already: it exits through process.exit, which runs "exit".
    if (process.listenerCount(signal) > 0) continue;
    process.on(signal, () => {
      removeAll();
      process.exit(128 + (os.constants.signals[signal] ?? 0));
    });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** `cutter-<what>-p<pid>-XXXXXX`: the names made here. */
const NAME = /^cutter-[a-z]+-p(\d+)-[A-Za-z0-9]{6}$/;

/**
 * Removes `cutter-<what>-p<pid>-*` directories whose process is gone (a SIGKILL leaves
 * them). Only directories owned by this user, mode 0700, are touched.
 */
export function sweepStaleTempDirs(tmp = os.tmpdir()): void {
  let names: string[];
  try {
    names = fs.readdirSync(tmp);
  } catch {
    return;
  }
  for (const name of names) {
    const m = NAME.exec(name);
    if (!m || Number(m[1]) === process.pid || isAlive(Number(m[1]))) continue;
    const dir = path.join(tmp, name);
    try {
      const st = fs.lstatSync(dir);
      if (st.isDirectory() && st.uid === process.getuid?.() && (st.mode & 0o777) === 0o700) fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      // Gone already, or not ours to remove.
    }
  }
}

/** A new 0700 directory `cutter-<what>-p<pid>-XXXXXX` below the system temp dir, removed on every exit of this process. */
export function makePrivateTempDir(what: string): string {
  if (!/^[a-z]+$/.test(what)) throw new Error(`temporary directory kind ${JSON.stringify(what)} must be [a-z]+`);
  sweepStaleTempDirs();
  installCleanup();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `cutter-${what}-p${process.pid}-`));
  fs.chmodSync(dir, 0o700);
  live.add(dir);
  return dir;
}

export function removePrivateTempDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
  live.delete(dir);
}
