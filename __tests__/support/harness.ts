/**
 * Test support: real engine runs under temporary roots.
 *
 * Every TempHost lives in its own directory below the system temp dir, with its
 * own runtime root, state file and cdktf output dir, and is removed by `dispose`.
 * Nothing here ever touches /var/lib/cutter.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { TERRAIN_DIR, cdkFlavourOf } from "../../constructs/cdk-flavour";
import { runCaptured } from "../../cli/engine";
import { OfflineEngine, offlineEngineEnv, readOfflineEngine } from "../../cli/offline-engine";

export const REPO = path.resolve(__dirname, "..", "..", "..");
/** The offline engine environment written by `npm run setup` (cli/offline-engine.ts). */
export function engineInfo(): OfflineEngine {
  return readOfflineEngine();
}

/** The engine's environment for a test run; CUTTER_CDK passes on: it is the CDK this run of the suite is on (docs/cdk-terrain.md). */
export function engineEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return offlineEngineEnv(engineInfo(), extra, { passOn: ["CUTTER_CDK"] });
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr, with cdktf's terminal redraw codes removed. */
  output: string;
}

export function clean(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "").replace(/\r/g, "\n");
}

/** A command (the engine, the CLI, npm) in the engine's environment, through the project's one runner (cli/engine.ts runCaptured). */
export function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}): RunResult {
  const result = runCaptured(command, args, {
    cwd: options.cwd ?? REPO,
    env: options.env ?? engineEnv(),
    input: options.input,
    timeoutMs: options.timeoutMs ?? 300_000,
  });
  return { code: result.code, stdout: result.stdout, stderr: result.stderr, output: clean(result.stdout + "\n" + result.stderr) };
}

/**
 * The CDK CLI of the CDK the suite runs on: cdktf, or CDK Terrain's cdktn with CUTTER_CDK=cdktn
 * (its Node 22 is first on PATH then: cli/with-engine.sh puts it there).
 */
export const CDK_CLI =
  cdkFlavourOf(process.env) === "cdktn" ? path.join(TERRAIN_DIR, "node_modules", ".bin", "cdktn") : path.join(REPO, "node_modules", ".bin", "cdktf");
export const STACK = "cutter-runtime";

/** A temporary host: its own root, state and output dir. */
export class TempHost {
  public readonly dir: string;
  public readonly root: string;
  public readonly statePath: string;
  public readonly outDir: string;
  public inputs: Record<string, string>;

  constructor(inputs: Record<string, string> = {}) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "cutter-e2e-"));
    fs.chmodSync(this.dir, 0o755);
    this.root = path.join(this.dir, "cutter");
    this.statePath = path.join(this.dir, "state", "cutter-runtime.tfstate");
    this.outDir = path.join(this.dir, "cdktf.out");
    // CUTTER_HOSTS_DIR=none: the single stack from these variables even if the project has a hosts/ dir.
    this.inputs = { CUTTER_HOSTS_DIR: "none", CUTTER_RUNTIME_ROOT: this.root, CUTTER_STATE_PATH: this.statePath, ...inputs };
  }

  public env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return engineEnv({ ...this.inputs, ...extra });
  }

  /** `cdktf <verb>` (or `cdktn <verb>`: CDK_CLI) as an operator runs it (with the compiled app, no TS loader). */
  public cdktf(verb: "synth" | "plan" | "deploy" | "destroy", extraArgs: string[] = [], extraEnv: Record<string, string> = {}): RunResult {
    const args = [verb, "--app", "node dist/main.js", "--output", this.outDir];
    if (verb === "deploy" || verb === "destroy") args.push("--auto-approve");
    if (verb !== "synth") args.push("--skip-provider-lock");
    return run(CDK_CLI, [...args, ...extraArgs], { env: this.env(extraEnv) });
  }

  /** Synthesizes with `node dist/main.js` directly (fast; no CLI). */
  public synth(extraEnv: Record<string, string> = {}): RunResult {
    return run("node", [path.join(REPO, "dist", "main.js")], { env: this.env({ CDKTF_OUTDIR: this.outDir, ...extraEnv }) });
  }

  public get stackDir(): string {
    return path.join(this.outDir, "stacks", STACK);
  }

  public get synthesized(): any {
    return JSON.parse(fs.readFileSync(path.join(this.stackDir, "cdk.tf.json"), "utf8"));
  }

  /** Runs the engine directly in the synthesized stack dir. */
  public engine(args: string[], extraEnv: Record<string, string> = {}): RunResult {
    return run(engineInfo().engine.path, args, { cwd: this.stackDir, env: this.env(extraEnv) });
  }

  public dispose(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export function expectSuccess(result: RunResult, what: string): RunResult {
  if (result.code !== 0) throw new Error(`${what} failed (exit ${result.code}):\n${result.output.slice(-6000)}`);
  return result;
}

/** The counts in an engine plan summary line; 0/0/0 for "No changes". */
export function planCounts(output: string): { add: number; change: number; destroy: number } {
  if (/No changes\./.test(output)) return { add: 0, change: 0, destroy: 0 };
  const m = /Plan: (\d+) to add, (\d+) to change, (\d+) to destroy/.exec(output);
  if (!m) throw new Error(`no plan summary in output:\n${output.slice(-4000)}`);
  return { add: +m[1], change: +m[2], destroy: +m[3] };
}

export interface Entry {
  path: string;
  type: "directory" | "file" | "symlink" | "other";
  uid: number;
  gid: number;
  mode: string;
  sha256?: string;
}

/** Everything below (and including) `top`, sorted, with owner, mode and file hashes. */
export function snapshot(top: string): Entry[] {
  const entries: Entry[] = [];
  const visit = (p: string) => {
    const st = fs.lstatSync(p);
    const type = st.isDirectory() ? "directory" : st.isFile() ? "file" : st.isSymbolicLink() ? "symlink" : "other";
    const entry: Entry = { path: p, type, uid: st.uid, gid: st.gid, mode: (st.mode & 0o7777).toString(8).padStart(4, "0") };
    if (type === "file") entry.sha256 = createHash("sha256").update(fs.readFileSync(p)).digest("hex");
    entries.push(entry);
    if (type === "directory") for (const name of fs.readdirSync(p).sort()) visit(path.join(p, name));
  };
  if (fs.existsSync(top) || isLink(top)) visit(top);
  return entries;
}

function isLink(p: string): boolean {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Numeric id of a user or group name on this host. */
export function idOf(kind: "user" | "group", name: string): number {
  const r = run("id", kind === "user" ? ["-u", name] : ["-g", name], { env: process.env });
  if (kind === "group") {
    const g = run("getent", ["group", name], { env: process.env });
    if (g.code !== 0) throw new Error(`no group ${name}`);
    return Number(g.stdout.split(":")[2]);
  }
  if (r.code !== 0) throw new Error(`no user ${name}`);
  return Number(r.stdout.trim());
}
