/**
 * Fault injection for the adversarial tree tests: the engine run directly in the
 * synthesized stack dir, in its own process group (so a kill reaches the engine, its
 * provider plugins and every script they started), with a time bound on every wait;
 * and "shims": wrappers placed first on PATH for a command the scripts run (mkdir,
 * install, rmdir, ...) that stop at an exact call, so a kill lands at an exact point
 * of create, repair or destroy.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { recordKey, resolveLayout } from "../../constructs";
import { RunResult, TempHost, clean, engineInfo, expectSuccess, planCounts, snapshot } from "./harness";

/** Longest any single engine run may take before the test fails (it never hangs CI). */
export const RUN_LIMIT_MS = 120_000;

export interface Bounded extends RunResult {
  /** The run was still going after its time limit and was killed (with its whole process group). */
  readonly timedOut: boolean;
}

/** A command in a process group of its own; `kill()` ends the whole group. */
export interface Started {
  readonly pid: number;
  readonly done: Promise<Bounded>;
  kill(): void;
}

/** Starts `command` detached (its own process group), killed with its group after `limitMs`. */
export function start(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; limitMs?: number }): Started {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let stdout = "";
  let stderr = "";
  let timedOut = false;
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  const pid = child.pid!;
  const kill = () => {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // already gone
    }
  };
  const timer = setTimeout(() => {
    timedOut = true;
    kill();
  }, options.limitMs ?? RUN_LIMIT_MS);
  const done = new Promise<Bounded>((resolve) =>
    child.on("close", (code) => {
      clearTimeout(timer);
      // Whatever the group still holds (a script left behind) goes with it.
      kill();
      resolve({ code, stdout, stderr, output: clean(stdout + "\n" + stderr), timedOut });
    }),
  );
  return { pid, done, kill };
}

/** Runs `command` to its end, bounded in time; a hang becomes `timedOut`, never a stuck test. */
export function bounded(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; limitMs?: number }): Promise<Bounded> {
  return start(command, args, options).done;
}

/** Waits (polling every 5 ms) until `condition` holds; fails after `limitMs`. */
export async function until(condition: () => boolean, limitMs: number, what: string): Promise<void> {
  const end = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out after ${limitMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * Waits until `file` has not changed (size, mtime) for `quietMs`, bounded by `limitMs`:
 * used before a kill, so the kill lands at the stopped script and not in the middle of
 * the engine rewriting its state (that fault is issue 10 items 1-2, tested on its own).
 */
export async function settled(file: string, quietMs: number, limitMs: number): Promise<void> {
  const stamp = () => {
    const st = fs.statSync(file, { throwIfNoEntry: false });
    return st ? `${st.size}:${st.mtimeMs}` : "none";
  };
  const end = Date.now() + limitMs;
  let last = stamp();
  let since = Date.now();
  while (Date.now() - since < quietMs) {
    if (Date.now() > end) throw new Error(`${file} kept changing for ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
    const now = stamp();
    if (now !== last) {
      last = now;
      since = Date.now();
    }
  }
}

/** Commands the shims can stop at. */
export type ShimmedCommand = "mkdir" | "install" | "rmdir" | "rm" | "mv" | "chown" | "chmod" | "setfacl" | "dd";

/**
 * A directory of wrappers, first on PATH: each runs the real command unless the fault
 * set with `arm` matches (command name, a substring of its arguments, the n-th such
 * call): then it marks `reached` and sleeps, to be killed with the engine's group.
 */
export class Shims {
  public readonly dir: string;
  private readonly state: string;

  constructor(commands: readonly ShimmedCommand[] = ["mkdir", "install", "rmdir", "rm", "mv", "chown", "chmod", "setfacl", "dd"]) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "cutter-shims-"));
    this.state = path.join(this.dir, ".state");
    fs.mkdirSync(this.state);
    for (const name of commands) {
      const real = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).stdout.trim();
      assert.ok(real.startsWith("/"), `${name} is installed`);
      const script = [
        "#!/bin/sh",
        `# test shim for ${name}: see __tests__/support/tree-faults.ts`,
        `if [ "\${CUTTER_FAULT_CMD:-}" = ${name} ]; then`,
        '  case " $* " in',
        '    *"$CUTTER_FAULT_ARGS"*)',
        '      n=$(( $(cat "$CUTTER_FAULT_STATE/count" 2>/dev/null || echo 0) + 1 ))',
        '      echo "$n" > "$CUTTER_FAULT_STATE/count"',
        '      if [ "$n" -eq "${CUTTER_FAULT_NTH:-1}" ]; then echo "$PWD $*" > "$CUTTER_FAULT_STATE/reached"; exec sleep 600; fi ;;',
        "  esac",
        "fi",
        `exec ${real} "$@"`,
        "",
      ].join("\n");
      fs.writeFileSync(path.join(this.dir, name), script, { mode: 0o755 });
    }
  }

  /** Environment for the engine: these shims first on PATH, stopping at the `nth` call of `command` whose arguments contain `args`. */
  public arm(base: NodeJS.ProcessEnv, command: ShimmedCommand, args: string, nth = 1): NodeJS.ProcessEnv {
    fs.rmSync(this.state, { recursive: true, force: true });
    fs.mkdirSync(this.state);
    return {
      ...base,
      PATH: `${this.dir}:${base.PATH}`,
      CUTTER_FAULT_CMD: command,
      CUTTER_FAULT_ARGS: args,
      CUTTER_FAULT_NTH: String(nth),
      CUTTER_FAULT_STATE: this.state,
    };
  }

  /** What the stopped call was (`PWD ARGS`), once reached. */
  public get reached(): string | undefined {
    const file = path.join(this.state, "reached");
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8").trim() : undefined;
  }

  public dispose(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A temporary host whose stack is synthesized once; the engine then runs directly, bounded. */
export class EngineHost extends TempHost {
  /** The managed paths at the current CUTTER_RUNTIME_ROOT. */
  public get layout(): ReturnType<typeof resolveLayout> {
    return resolveLayout(this.inputs.CUTTER_RUNTIME_ROOT);
  }

  /** Synthesizes with the current inputs and runs init once. */
  public prepare(extraEnv: Record<string, string> = {}): this {
    expectSuccess(this.synth(extraEnv), "synth");
    if (!fs.existsSync(path.join(this.stackDir, ".terraform"))) expectSuccess(this.engine(["init", "-input=false", "-no-color"], extraEnv), "init");
    return this;
  }

  public get ownershipDir(): string {
    return this.inputs.CUTTER_OWNERSHIP_DIR ?? `${this.statePath}.ownership`;
  }

  /** Starts `terraform VERB` (apply/destroy: auto-approved) in its own process group. */
  public start(verb: "apply" | "destroy" | "plan", options: { env?: NodeJS.ProcessEnv; args?: string[]; limitMs?: number } = {}): Started {
    const args = [verb, "-input=false", "-no-color", ...(verb === "plan" ? [] : ["-auto-approve"]), ...(options.args ?? [])];
    return start(engineInfo().engine.path, args, { cwd: this.stackDir, env: options.env ?? this.env(), limitMs: options.limitMs });
  }

  public run(verb: "apply" | "destroy" | "plan", options: { env?: NodeJS.ProcessEnv; args?: string[]; limitMs?: number } = {}): Promise<Bounded> {
    return this.start(verb, options).done;
  }

  /** Runs `verb` and fails the test unless it exits 0 within the limit. */
  public async ok(verb: "apply" | "destroy" | "plan", options: { env?: NodeJS.ProcessEnv; args?: string[] } = {}): Promise<Bounded> {
    const r = await this.run(verb, options);
    assert.equal(r.timedOut, false, `${verb} finished in time`);
    if (r.code !== 0) throw new Error(`${verb} failed (exit ${r.code}):\n${r.output.slice(-5000)}`);
    return r;
  }

  /** The plan's counts (0/0/0 for no changes), with the run's output. */
  public async planCounts(): Promise<{ add: number; change: number; destroy: number; output: string }> {
    const r = await this.ok("plan");
    return { ...planCounts(r.output), output: r.output };
  }

  /** The ownership records of this host's paths: path => line. */
  public records(): Map<string, string> {
    const found = new Map<string, string>();
    const dir = this.ownershipDir;
    if (!fs.existsSync(dir)) return found;
    const managed = [this.layout.root, ...this.layout.directories.map((d) => d.path), this.layout.configPath, this.layout.readmePath];
    for (const p of managed) {
      const file = path.join(dir, recordKey(p));
      if (fs.existsSync(file)) found.set(p, fs.readFileSync(file, "utf8").trim());
    }
    return found;
  }

  /** Every managed path and record is gone; the root's parent (and anything beside the root) is left as it was. */
  public assertTreeGone(what: string): void {
    const left = () =>
      snapshot(this.layout.root)
        .map((e) => `${e.type} ${e.path}`)
        .join("\n");
    assert.equal(fs.existsSync(this.layout.root), false, `${what}: the root is removed; left:\n${left()}`);
    assert.deepEqual([...this.records().keys()], [], `${what}: no ownership record is left`);
    const records = fs.existsSync(this.ownershipDir) ? fs.readdirSync(this.ownershipDir) : [];
    assert.deepEqual(records, [], `${what}: nothing left in the record directory`);
  }
}

/** Output with the engine's line wrapping undone: one line. */
export function oneLine(output: string): string {
  return output.replace(/\s+/g, " ");
}
