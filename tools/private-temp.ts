/**
 * Private temporary directories for the operator commands: 0700, named after the
 * process that made them (`<prefix><pid>-XXXXXX`), removed on every exit a process
 * can see (return, throw, process.exit, SIGINT/SIGTERM/SIGHUP), and swept by the
 * next run when a SIGKILL left one behind.
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

/**
 * Removes `<prefix><pid>-*` directories of ours whose process is gone (a SIGKILL leaves
 * them). Only directories owned by this user, mode 0700, are touched.
 */
export function sweepStaleTempDirs(prefix: string, tmp = os.tmpdir()): void {
  const pattern = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(\\d+)-[A-Za-z0-9]{6}$`);
  let names: string[];
  try {
    names = fs.readdirSync(tmp);
  } catch {
    return;
  }
  for (const name of names) {
    const m = pattern.exec(name);
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

/** A new 0700 directory below the system temp dir, removed on every exit of this process. */
export function makePrivateTempDir(prefix: string): string {
  sweepStaleTempDirs(prefix);
  installCleanup();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}${process.pid}-`));
  fs.chmodSync(dir, 0o700);
  live.add(dir);
  return dir;
}

export function removePrivateTempDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
  live.delete(dir);
}
