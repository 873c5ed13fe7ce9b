/**
 * Runs the scripts of constructs/scripts directly, as the engine does (no engine):
 * `/bin/sh -c LIBRARY+SCRIPT cutter-NAME [ARG...]` with the values in the
 * environment (provisioners) or as arguments (the `local_command` read), against
 * fixtures in a temporary directory. See __tests__/scripts-*.test.ts.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { SHELL, ScriptName, fromTerraformLiteral, scriptCommand, scriptText, terraformLiteral } from "../../constructs/shell";

export interface ScriptRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Long enough for any script on a busy machine; a script that blocks (on a FIFO) fails the test instead of hanging it. */
const SCRIPT_LIMIT_MS = 20_000;

/**
 * A provisioner's run: the interpreter's text as the engine hands it on (terraformLiteral
 * undone), `cutter-NAME` as $0, only PATH and `env` in the environment.
 */
export function runScript(name: ScriptName, env: Record<string, string>): ScriptRun {
  return spawn([SHELL, "-c", fromTerraformLiteral(terraformLiteral(scriptText(name))), `cutter-${name}`], env);
}

/** A `local_command` read: scriptCommand's command and arguments, as the engine passes them (exec, no shell). */
export function runScriptCommand(name: ScriptName, args: readonly string[]): ScriptRun {
  const { command, arguments: argv } = scriptCommand(name, args);
  return spawn([command, ...argv.map(fromTerraformLiteral)], {});
}

function spawn(argv: string[], env: Record<string, string>): ScriptRun {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: "utf8", env: { PATH: process.env.PATH!, ...env }, timeout: SCRIPT_LIMIT_MS, killSignal: "SIGKILL" });
  assert.equal(r.error, undefined, `${argv[3] ?? argv[0]} did not finish within ${SCRIPT_LIMIT_MS} ms (blocked?): ${r.error?.message}`);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Names validation would refuse in a managed path, but which data in the tree may carry. */
export const HOSTILE_NAMES: readonly string[] = [
  "with space",
  "new\nline",
  "-leading-dash",
  "glob*?[x]",
  `quo'te"s`,
  "nön-ascii-ü",
  "$(touch pwned)",
  "back\\slash",
  ".hidden",
];

export function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** A temporary directory for one test file's fixtures, removed by `remove()`. */
export class Fixtures {
  public readonly dir: string;
  constructor(prefix: string) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `cutter-${prefix}-`));
  }
  /** A fresh empty directory under the fixtures (its path holds no space: validated paths never do). */
  public fresh(name: string): string {
    const d = path.join(this.dir, name);
    fs.rmSync(d, { recursive: true, force: true });
    fs.mkdirSync(d, { recursive: true });
    return d;
  }
  public remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export function mkfifo(p: string): void {
  assert.equal(spawnSync("mkfifo", [p]).status, 0, `mkfifo ${p}`);
}

/** A UNIX socket file left at `p` (bound, never listened on, the process gone). */
export function mksocket(p: string): void {
  const r = spawnSync("python3", ["-c", "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", p], { encoding: "utf8" });
  assert.equal(r.status, 0, `socket ${p}: ${r.stderr}`);
  assert.ok(fs.lstatSync(p).isSocket());
}

/**
 * Everything under `dir` (links not followed): one line per entry with its type, owner,
 * mode and content (file) or target (link), so a test can assert that nothing changed.
 */
export function treeOf(dir: string): string[] {
  const lines: string[] = [];
  const walk = (d: string): void => {
    for (const name of fs.readdirSync(d).sort()) {
      const p = path.join(d, name);
      const st = fs.lstatSync(p);
      const rel = JSON.stringify(path.relative(dir, p));
      const who = `${st.uid}:${st.gid} ${(st.mode & 0o7777).toString(8)}`;
      if (st.isSymbolicLink()) lines.push(`${rel} link -> ${fs.readlinkSync(p)}`);
      else if (st.isDirectory()) {
        lines.push(`${rel} dir ${who}`);
        walk(p);
      } else if (st.isFile()) lines.push(`${rel} file ${who} links=${st.nlink} ${JSON.stringify(fs.readFileSync(p, "utf8"))}`);
      else lines.push(`${rel} ${st.isFIFO() ? "fifo" : st.isSocket() ? "socket" : "special"} ${who}`);
    }
  };
  walk(dir);
  return lines;
}

/** Owner (names, as `stat %U:%G` prints them) and four-digit mode of `p`, not following a link. */
export function ownerMode(p: string): string {
  return spawnSync("stat", ["-c", "%U:%G %a", "--", p], { encoding: "utf8" }).stdout.trim();
}

/** A file outside the fixtures that a link may point at: /etc/hostname, with its owner and mode before the test. */
export const ETC_FILE = "/etc/hostname";
