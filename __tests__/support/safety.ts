/**
 * Helpers for the safety tests: the exact expected tree, the engine run in the
 * background (to kill it or race it), victims outside the temp root, mounts.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CUTTER_LAYOUT, buildOrchestratorConfig, renderOrchestratorConfig, resolveLayout } from "../../constructs";
import { Started, start } from "./tree-faults";
import { Entry, RunResult, TempHost, engineInfo, expectSuccess, idOf, planCounts, run, snapshot } from "./harness";

/** Asserts host.root is exactly the layout, owned by owner:group with the layout's modes, config byte for byte. */
export function assertExactTree(host: TempHost, owner = "root", group = "root", extra: string[] = []): void {
  const uid = idOf("user", owner);
  const gid = idOf("group", group);
  const root = host.inputs.CUTTER_RUNTIME_ROOT ?? host.root;
  const layout = resolveLayout(root);
  const files = [layout.configPath, layout.readmePath];
  const expected = [root, ...layout.directories.map((d) => d.path), ...files, ...extra].sort();
  const entries = snapshot(root);
  assert.deepEqual(entries.map((e) => e.path).sort(), expected, "exactly the managed paths");
  for (const e of entries.filter((e) => !extra.some((x) => e.path === x || e.path.startsWith(x + "/")))) {
    const isFile = files.includes(e.path);
    assert.equal(e.type, isFile ? "file" : "directory", e.path);
    assert.equal(e.uid, uid, `${e.path} owner`);
    assert.equal(e.gid, gid, `${e.path} group`);
    assert.equal(e.mode, isFile ? CUTTER_LAYOUT.fileMode : CUTTER_LAYOUT.directoryMode, `${e.path} mode`);
  }
  const envFile = host.inputs.CUTTER_ENV_FILE ?? "/opt/incomex/docker/.env";
  assert.equal(fs.readFileSync(layout.configPath, "utf8"), renderOrchestratorConfig(buildOrchestratorConfig(layout, envFile)));
}

/** `cdktf plan` through the CLI reports 0 changes. */
export function assertNoChanges(host: TempHost): void {
  const plan = expectSuccess(host.cdktf("plan"), "plan");
  assert.deepEqual(planCounts(plan.output), { add: 0, change: 0, destroy: 0 }, plan.output.slice(-3000));
}

/** Resource addresses in the state file (empty if there is none). */
export function stateAddresses(host: TempHost): string[] {
  if (!fs.existsSync(host.statePath)) return [];
  const state = JSON.parse(fs.readFileSync(host.statePath, "utf8"));
  return (state.resources ?? [])
    .filter((r: any) => r.mode === "managed")
    .flatMap((r: any) => r.instances.map(() => `${r.type}.${r.name}`))
    .sort();
}

/** Addresses of the managed resources the synthesized stack declares (what a complete state holds). */
export function synthesizedAddresses(host: TempHost): string[] {
  const resources: Record<string, Record<string, unknown>> = host.synthesized.resource ?? {};
  return Object.entries(resources)
    .flatMap(([type, byName]) => Object.keys(byName).map((name) => `${type}.${name}`))
    .sort();
}

/** Synthesizes through the CLI and runs `init` in the stack dir, so the engine can be run directly. */
export function prepareEngine(host: TempHost, extraEnv: Record<string, string> = {}): void {
  expectSuccess(host.cdktf("synth", [], extraEnv), "synth");
  expectSuccess(host.engine(["init", "-input=false", "-no-color"], extraEnv), "init");
}

/**
 * Starts the engine in the stack dir without waiting for it: tree-faults' `start`, so it runs in a
 * process group of its own, bounded in time, and what is left of the group when it exits (provider
 * plugins outlive a SIGKILLed engine) is killed with it.
 */
export function startEngine(host: TempHost, args: string[], extraEnv: Record<string, string> = {}): Started {
  return start(engineInfo().engine.path, args, { cwd: host.stackDir, env: host.env(extraEnv) });
}

/** Waits until `condition` holds (polling), or fails after `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A file and a directory outside the temp root, owned by daemon:daemon, to point links at. */
export class Victims {
  public readonly dir: string;
  public readonly file: string;
  public readonly directory: string;
  private readonly before: Entry[];

  constructor() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "cutter-victim-"));
    fs.chmodSync(this.dir, 0o755);
    this.file = path.join(this.dir, "victim.txt");
    this.directory = path.join(this.dir, "victim-dir");
    fs.writeFileSync(this.file, "victim content\n", { mode: 0o644 });
    fs.mkdirSync(this.directory, { mode: 0o755 });
    fs.writeFileSync(path.join(this.directory, "inside.txt"), "inside\n", { mode: 0o644 });
    for (const p of [this.file, this.directory, path.join(this.directory, "inside.txt")]) fs.chownSync(p, idOf("user", "daemon"), idOf("group", "daemon"));
    fs.chmodSync(this.file, 0o644);
    fs.chmodSync(this.directory, 0o755);
    this.before = snapshot(this.dir);
  }

  /** Owner, mode and content of every victim are exactly as created. */
  public assertUntouched(): void {
    assert.deepEqual(snapshot(this.dir), this.before, "link targets untouched (owner, mode, content)");
  }

  public dispose(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Replaces `at` with a symbolic link to `target`, keeping what was there aside (returned). */
export function swapForLink(at: string, target: string): string {
  const aside = `${at}.aside-${process.pid}`;
  fs.renameSync(at, aside);
  fs.symlinkSync(target, at);
  return aside;
}

export function restoreFromLink(at: string, aside: string): void {
  fs.unlinkSync(at);
  fs.renameSync(aside, at);
}

/** `mount` as root; throws with the output if it fails. */
export function mount(args: string[]): void {
  expectSuccess(run("mount", args, { env: process.env }), `mount ${args.join(" ")}`);
}

export function umount(target: string): void {
  run("umount", [target], { env: process.env });
}

/**
 * Synthesizes (the app, as the CLI runs it) and runs the engine itself for
 * `verb`: used where a test asserts on the engine's error text, which the cdktf
 * CLI sometimes cuts off when the engine fails.
 */
export function engineRun(host: TempHost, verb: "apply" | "destroy" | "plan", extraEnv: Record<string, string> = {}, extraArgs: string[] = []): RunResult {
  expectSuccess(host.synth(extraEnv), "synth");
  if (!fs.existsSync(path.join(host.stackDir, ".terraform"))) expectSuccess(host.engine(["init", "-input=false", "-no-color"], extraEnv), "init");
  const args = [verb, "-input=false", "-no-color", ...(verb === "plan" ? [] : ["-auto-approve"]), ...extraArgs];
  return host.engine(args, extraEnv);
}

/** Output with every run of whitespace made one space: the engine wraps long diagnostics. */
export function flat(output: string): string {
  return output.replace(/\s+/g, " ");
}
