/**
 * Helpers for the adversarial state and input tests: the operator CLI run in the
 * background in its own process group (to kill it at an exact moment), the recovery
 * command a refusal prints, file modes, a filesystem filled to the last byte.
 */
import assert from "node:assert/strict";
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { RunResult, TempHost, clean, run } from "./harness";
import { CUTTER_JS } from "./operator";

export interface BackgroundCli {
  child: ChildProcess;
  done: Promise<RunResult>;
  /** Signals the whole process group (node, engine, provider plugins, provisioner shells). */
  kill(signal: NodeJS.Signals): void;
}

/** `node dist/cli/cutter.js ARGS --output <host's out dir>` in a new process group, not waited for. */
export function startCli(host: TempHost, args: string[], extraEnv: Record<string, string> = {}): BackgroundCli {
  const child = spawn(process.execPath, [CUTTER_JS, ...args, "--output", host.outDir], {
    env: host.env(extraEnv),
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  const done = new Promise<RunResult>((resolve) =>
    child.on("close", (code, signal) => resolve({ code: code ?? (signal ? -1 : null), stdout, stderr, output: clean(stdout + "\n" + stderr) })),
  );
  return {
    child,
    done,
    kill: (signal) => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // already gone
      }
    },
  };
}

/** The `install -m 600 FROM TO` line a refusal prints, as [from, to]; fails if there is none. */
export function printedRestore(output: string): [string, string] {
  const m = /^\s*install -m 600 (\S+) (\S+)\s*$/m.exec(output);
  assert.ok(m, `a restore command in:\n${output.slice(-3000)}`);
  return [m[1], m[2]];
}

/** Runs the printed restore command exactly as an operator would paste it. */
export function runPrintedRestore(output: string): void {
  const [from, to] = printedRestore(output);
  const result = run("install", ["-m", "600", from, to], { env: process.env });
  assert.equal(result.code, 0, result.output);
}

/** Permission bits of a path as four octal digits. */
export function modeOf(p: string): string {
  return (fs.lstatSync(p).mode & 0o7777).toString(8).padStart(4, "0");
}

/** Fills the filesystem holding `dir` to the last byte with a file `dir/filler`; returns its path. */
export function fillFilesystem(dir: string): string {
  const filler = path.join(dir, "filler");
  const fd = fs.openSync(filler, "w");
  try {
    for (;;) fs.writeSync(fd, Buffer.alloc(4096, 1));
  } catch (error) {
    assert.equal((error as NodeJS.ErrnoException).code, "ENOSPC");
  } finally {
    fs.closeSync(fd);
  }
  // Small writes may still fit into the last partial block.
  const fd2 = fs.openSync(filler, "a");
  try {
    for (;;) fs.writeSync(fd2, Buffer.alloc(1, 1));
  } catch (error) {
    assert.equal((error as NodeJS.ErrnoException).code, "ENOSPC");
  } finally {
    fs.closeSync(fd2);
  }
  return filler;
}

/** The output has no JavaScript stack trace and its error is on the first line of stderr. */
export function assertOneLineError(result: RunResult, pattern: RegExp): void {
  assert.notEqual(result.code, 0, result.output);
  assert.doesNotMatch(result.output, /^\s+at .+:\d+:\d+\)?$/m, `no stack trace:\n${result.output}`);
  assert.doesNotMatch(result.output, /Maximum call stack|ENAMETOOLONG|TypeError|ReferenceError/, result.output);
  const first = result.stderr.split("\n").find((l) => l.trim() !== "") ?? "";
  assert.match(first, pattern, `the first line of stderr says what is wrong:\n${result.stderr}`);
}
