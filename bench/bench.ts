/**
 * npm run bench: what the stack costs against the floor and against plain
 * Terraform, and how it grows. Real engine, real directories, temporary roots
 * only (never /var/lib/cutter); no network.
 *
 * Subjects, measured interleaved in the same run so machine contention hits
 * all of them alike (ratios are the result, not the absolute seconds):
 *   floor  bench/floor.sh: install -d / write / chown / chmod / rmdir
 *   hand   the same tree as hand-written Terraform JSON, engine run directly
 *   stack  the real stack: `node <app>` synth, engine run directly in cdktf.out
 *   cli    the real stack through the cdktf CLI with cdktf.json's app (7 dirs only)
 *   handmin  the minimal hand-written file (issue 13's baseline), engine run directly,
 *          initialised once: `apply`, `plan`, `destroy`
 *   operator  what operators run: `npm run deploy`, `npm run plan`, `npm run destroy`,
 *          every safety check on (bench/operator.ts)
 *   cdktn  the same through CDK Terrain's CLI, CUTTER_CDK=cdktn (7 dirs only; when installed:
 *          docs/cdk-terrain.md)
 *
 *   npm run bench [-- --quick] [--sizes 7,70,700] [--runs N] [--subjects hand,stack] [--readme]
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CUTTER_LAYOUT, RuntimeLayout, buildOrchestratorConfig, renderOrchestratorConfig, renderRuntimeReadme, resolveLayout } from "../constructs";
import { CdkFlavour, TERRAIN_DIR, TERRAIN_SETUP_COMMAND } from "../constructs/cdk-flavour";
import { runCaptured } from "../cli/engine";
import { OfflineEngine, offlineEngineEnv, readOfflineEngine } from "../cli/offline-engine";
import { writeHandwritten } from "./handwritten";
import { layoutForSize } from "./layout";
import { Usage, operatorEnv, withUsage } from "./operator";

const REPO = path.resolve(__dirname, "..", "..");
const STACK = "cutter-runtime";
const OWNER = "root";
const GROUP = "root";

// ---------------------------------------------------------------- options
interface Options {
  sizes: number[];
  runs: Record<number, number>;
  readme: boolean;
  quick: boolean;
  out: string;
  /** Subjects to run. @default - all */
  subjects: string[];
}

function parseOptions(argv: string[]): Options {
  const quick = argv.includes("--quick");
  let sizes = [7, 70, 700];
  let runsOverride: number | undefined;
  let out = path.join(REPO, "bench-results");
  // SUBJECTS is defined below; this runs from main(), after the whole module is loaded.
  const names = SUBJECTS.map((s) => s.name);
  // By default every subject that can run here: the cdktn CLI only once CDK Terrain is installed.
  let subjects = names.filter((name) => name !== "cdktn" || terrainInstalled());
  const valueOf = (option: string, i: number): string => {
    const value = argv[i];
    if (value === undefined || value === "" || value.startsWith("--"))
      throw new Error(`bench: ${option} needs a value, e.g. --sizes 7,70,700, --runs 3, --subjects hand,stack, --out DIR`);
    return value;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--sizes") sizes = valueOf(a, ++i).split(",").map(Number);
    else if (a === "--runs") runsOverride = Number(valueOf(a, ++i));
    else if (a === "--out") out = path.resolve(valueOf(a, ++i));
    else if (a === "--subjects") subjects = valueOf(a, ++i).split(",");
    else if (a !== "--quick" && a !== "--readme") {
      throw new Error(
        `bench: unknown option ${JSON.stringify(a)}; use --quick, --sizes 7,70,700, --runs N, --subjects ${names.join(",")}, --out DIR, --readme`,
      );
    }
  }
  for (const s of subjects) if (!names.includes(s)) throw new Error(`bench: --subjects ${JSON.stringify(s)} is not one of ${names.join(", ")}`);
  // A subset with --readme is refused as such, whether or not CDK Terrain is installed here.
  if (argv.includes("--readme") && argv.includes("--subjects") && subjects.length !== names.length)
    throw new Error("bench: --readme needs every subject (the table in docs/benchmark.md compares them all); drop --subjects");
  if ((subjects.includes("cdktn") || argv.includes("--readme")) && !terrainInstalled()) {
    throw new Error(
      `bench: the cdktn subject${argv.includes("--readme") ? " (--readme needs every subject)" : ""} needs CDK Terrain: run \`${TERRAIN_SETUP_COMMAND}\` first`,
    );
  }
  if (argv.includes("--readme") && subjects.length !== names.length)
    throw new Error("bench: --readme needs every subject (the table in docs/benchmark.md compares them all); drop --subjects");
  for (const n of sizes) if (!Number.isInteger(n) || n < 2 || n > 5000) throw new Error(`bench: --sizes ${JSON.stringify(n)} must be integers from 2 to 5000`);
  if (runsOverride !== undefined && (!Number.isInteger(runsOverride) || runsOverride < 1)) throw new Error(`bench: --runs must be a positive integer`);
  // Full: 5 runs at 7 dirs, 3 at 70, 2 at 700; quick: 3 / 1 / 1.
  const defaultRuns = (n: number) => (n <= 10 ? (quick ? 3 : 5) : n <= 100 ? (quick ? 1 : 3) : quick ? 1 : 2);
  const runs = Object.fromEntries(sizes.map((n) => [n, runsOverride ?? defaultRuns(n)]));
  return { sizes, runs, readme: argv.includes("--readme"), quick, out, subjects };
}

// ---------------------------------------------------------------- engine env
// Read on first use, inside main's error handling (a missing setup is a one-line error, not a stack trace).
let engineCache: OfflineEngine | undefined;
const ENGINE_INFO = (): OfflineEngine => {
  try {
    return (engineCache ??= readOfflineEngine());
  } catch (error) {
    throw new Error(`bench: ${(error as Error).message}`);
  }
};

/** The offline engine's environment (cli/offline-engine.ts); CUTTER_ENGINE passes on (which engine setup keeps), CUTTER_CDK is each subject's. */
function baseEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = offlineEngineEnv(ENGINE_INFO(), extra, { passOn: ["CUTTER_ENGINE"] });
  if (!("BENCH_DIRECTORIES" in extra)) delete env.BENCH_DIRECTORIES;
  return env;
}

// ---------------------------------------------------------------- timing
interface Timed {
  ms: number;
  code: number | null;
  output: string;
}

/** A command (the engine, the CLI, npm, node) through the project's one runner (cli/engine.ts runCaptured), timed. */
function timed(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, what: string, okCodes = [0]): Timed {
  const r = runCaptured(command, args, { cwd, env, timeoutMs: 1_800_000 });
  const output = `${r.stdout}\n${r.stderr}`;
  if (!okCodes.includes(r.code ?? -1)) throw new Error(`bench: ${what} failed (exit ${r.code}):\n${output.slice(-4000)}`);
  return { ms: r.ms, code: r.code, output };
}

/** timed(), and what the command's processes used: CPU (user + system) and the peak memory of the largest one (GNU time). */
function timedWithUsage(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, what: string, okCodes = [0]): Timed & Usage {
  return withUsage((wrapped, wrappedArgs) => timed(wrapped, wrappedArgs, cwd, env, what, okCodes), command, args);
}

// ---------------------------------------------------------------- one host
/** A temporary host for one round of one subject. */
class BenchHost {
  readonly dir: string;
  readonly root: string;
  readonly statePath: string;
  readonly outDir: string;
  readonly layout: RuntimeLayout;

  constructor(readonly size: number) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "cutter-bench-"));
    fs.chmodSync(this.dir, 0o755);
    this.root = path.join(this.dir, "cutter");
    this.statePath = path.join(this.dir, "state", "cutter-runtime.tfstate");
    this.outDir = path.join(this.dir, "cdktf.out");
    if (!this.root.startsWith(os.tmpdir() + "/") || this.root.startsWith("/var/lib/cutter")) throw new Error(`bench: refusing root ${this.root}`);
    this.layout = layoutForSize(size);
  }

  /** The real app for the real layout; the bench app for generated ones. */
  get app(): string {
    return this.layout === CUTTER_LAYOUT ? "dist/main.js" : "dist/bench/bench-app.js";
  }

  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return baseEnv({ CUTTER_RUNTIME_ROOT: this.root, CUTTER_STATE_PATH: this.statePath, BENCH_DIRECTORIES: String(this.size), ...extra });
  }

  /** The files the tree holds, with the exact bytes the stack writes. */
  files(): Record<string, string> {
    const resolved = resolveLayout(this.root, this.layout);
    return {
      [resolved.configPath]: renderOrchestratorConfig(buildOrchestratorConfig(resolved)),
      [resolved.readmePath]: renderRuntimeReadme(resolved, OWNER, GROUP),
    };
  }

  /** The verify phase: the real verifier (cli/verify.ts) in its own process, with this host's layout. */
  verify(): Timed {
    const size = String(this.layout.subdirectories.length);
    return timed("node", [path.join(REPO, "dist", "bench", "verify.js"), this.root, size], REPO, process.env, "verify");
  }

  assertGone(what: string): void {
    if (fs.existsSync(this.root)) throw new Error(`bench: ${what} left ${this.root} behind`);
  }

  dispose(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- subjects
type Phase =
  | "node"
  | "npm"
  | "wrapper"
  | "app"
  | "appNoop"
  | "synth"
  | "init"
  | "plan"
  | "deploy"
  | "noopPlan"
  | "noopDeploy"
  | "verify"
  | "destroy"
  | "cycle"
  | "firstCommand"
  | "deployCpu"
  | "noopPlanCpu"
  | "destroyCpu"
  | "cycleCpu"
  | "peakMemory";
type Round = Partial<Record<Phase, number>>;

const PHASE_LABEL: Record<Phase, string> = {
  node: "node start (`node -e 0`: the floor of any node command)",
  npm: "npm start (`npm run env`: what `npm run` costs before a script)",
  wrapper: "npm-script wrapper (cli/with-engine.sh: setup check)",
  app: "app command (cdktf.json: build + synth)",
  appNoop: "app command, nothing changed (cdktf.json's app run again)",
  synth: "synth",
  init: "init",
  plan: "plan, empty host",
  deploy: "deploy (fresh)",
  noopPlan: "no-op plan",
  noopDeploy: "no-op deploy",
  verify: "verify",
  destroy: "destroy",
  cycle: "full cycle synth→deploy→verify→destroy",
  firstCommand: "first command in a fresh output directory (hand: init + plan; operator: npm run plan = synth + init + plan)",
  deployCpu: "deploy, CPU (user + system, all processes)",
  noopPlanCpu: "no-op plan, CPU",
  destroyCpu: "destroy, CPU",
  cycleCpu: "deploy + destroy, CPU",
  peakMemory: "peak memory, largest process (MiB)",
};

/** Phases of the issue 6 table (the others are reported in the operator table). */
const STACK_TABLE_PHASES: readonly Phase[] = [
  "wrapper",
  "app",
  "appNoop",
  "synth",
  "init",
  "plan",
  "deploy",
  "noopPlan",
  "noopDeploy",
  "verify",
  "destroy",
  "cycle",
];

const ENGINE_FLAGS = ["-input=false", "-no-color"];

/** Runs the engine in `cwd`; the no-op plan must report 0 changes (exit 0 with -detailed-exitcode). */
function engineRound(host: BenchHost, cwd: string, round: Round): void {
  const env = host.env();
  const engine = ENGINE_INFO().engine.path;
  round.init = timed(engine, ["init", ...ENGINE_FLAGS], cwd, env, "init").ms;
  round.plan = timed(engine, ["plan", "-detailed-exitcode", ...ENGINE_FLAGS], cwd, env, "plan (empty host)", [2]).ms;
  round.deploy = timed(engine, ["apply", "-auto-approve", ...ENGINE_FLAGS], cwd, env, "apply").ms;
  round.noopPlan = timed(engine, ["plan", "-detailed-exitcode", ...ENGINE_FLAGS], cwd, env, "no-op plan (must report 0 changes)", [0]).ms;
  const noop = timed(engine, ["apply", "-auto-approve", ...ENGINE_FLAGS], cwd, env, "no-op apply");
  if (!/0 added, 0 changed, 0 destroyed|No changes/.test(noop.output)) throw new Error(`bench: no-op apply changed something:\n${noop.output.slice(-3000)}`);
  round.noopDeploy = noop.ms;
  round.verify = host.verify().ms;
  round.destroy = timed(engine, ["destroy", "-auto-approve", ...ENGINE_FLAGS], cwd, env, "destroy").ms;
  host.assertGone("destroy");
}

interface Subject {
  readonly name: string;
  readonly label: string;
  /** Whether it runs at this size. */
  at(size: number): boolean;
  round(host: BenchHost): Round;
}

const floor: Subject = {
  name: "floor",
  label: "floor (shell)",
  at: () => true,
  round(host) {
    const filesDir = path.join(host.dir, "floor-files");
    fs.mkdirSync(filesDir);
    for (const [p, content] of Object.entries(host.files())) fs.writeFileSync(path.join(filesDir, path.basename(p)), content);
    const script = path.join(REPO, "bench", "floor.sh");
    const l = host.layout;
    const args = (verb: string) => [script, verb, host.root, OWNER, GROUP, l.directoryMode, l.fileMode, filesDir, ...l.subdirectories.map((d) => d.name)];
    const round: Round = {};
    round.deploy = timed("sh", args("deploy"), host.dir, process.env, "floor deploy").ms;
    round.noopDeploy = timed("sh", args("deploy"), host.dir, process.env, "floor re-deploy").ms;
    round.verify = host.verify().ms;
    round.destroy = timed("sh", args("destroy"), host.dir, process.env, "floor destroy").ms;
    host.assertGone("floor destroy");
    round.cycle = round.deploy + round.verify + round.destroy;
    return round;
  },
};

const hand: Subject = {
  name: "hand",
  label: "hand-written TF",
  at: () => true,
  round(host) {
    const cwd = path.join(host.dir, "hand");
    const l = host.layout;
    writeHandwritten(cwd, {
      root: host.root,
      statePath: host.statePath,
      owner: OWNER,
      group: GROUP,
      directoryMode: l.directoryMode,
      fileMode: l.fileMode,
      directories: l.subdirectories.map((d) => d.name),
      files: host.files(),
    });
    const round: Round = {};
    engineRound(host, cwd, round);
    round.cycle = round.init! + round.deploy! + round.verify! + round.destroy!;
    return round;
  },
};

const stack: Subject = {
  name: "stack",
  label: "stack, engine direct",
  at: () => true,
  round(host) {
    const round: Round = {};
    round.synth = timed("node", [host.app], REPO, host.env({ CDKTF_OUTDIR: host.outDir }), "synth").ms;
    engineRound(host, path.join(host.outDir, "stacks", STACK), round);
    round.cycle = round.synth + round.init! + round.deploy! + round.verify! + round.destroy!;
    return round;
  },
};

/** Baseline 3: the minimal hand-written file, initialised once (init is not part of its cycle). */
const handmin: Subject = {
  name: "handmin",
  label: "minimal hand-written TF",
  at: () => true,
  round(host) {
    const cwd = path.join(host.dir, "handmin");
    const l = host.layout;
    writeHandwritten(
      cwd,
      {
        root: host.root,
        statePath: host.statePath,
        owner: OWNER,
        group: GROUP,
        directoryMode: l.directoryMode,
        fileMode: l.fileMode,
        directories: l.subdirectories.map((d) => d.name),
        files: host.files(),
      },
      "minimal",
    );
    const env = host.env();
    const engine = ENGINE_INFO().engine.path;
    const round: Round = {};
    round.init = timed(engine, ["init", ...ENGINE_FLAGS], cwd, env, "init (minimal)").ms;
    round.plan = timed(engine, ["plan", "-detailed-exitcode", ...ENGINE_FLAGS], cwd, env, "plan, empty host (minimal)", [2]).ms;
    // What an operator's first command in a fresh checkout pays (init once, then a plan).
    round.firstCommand = round.init + round.plan;
    const deploy = timedWithUsage(engine, ["apply", "-auto-approve", ...ENGINE_FLAGS], cwd, env, "apply (minimal)");
    const noopPlan = timedWithUsage(engine, ["plan", "-detailed-exitcode", ...ENGINE_FLAGS], cwd, env, "no-op plan (minimal; must report 0 changes)", [0]);
    round.verify = host.verify().ms;
    const destroy = timedWithUsage(engine, ["destroy", "-auto-approve", ...ENGINE_FLAGS], cwd, env, "destroy (minimal)");
    host.assertGone("destroy (minimal)");
    return usageRound(round, deploy, noopPlan, destroy);
  },
};

/** The phases of a deploy / no-op plan / destroy round with their CPU and the peak memory of the largest process. */
function usageRound(round: Round, deploy: Timed & Usage, noopPlan: Timed & Usage, destroy: Timed & Usage): Round {
  round.deploy = deploy.ms;
  round.noopPlan = noopPlan.ms;
  round.destroy = destroy.ms;
  round.cycle = deploy.ms + destroy.ms;
  round.deployCpu = deploy.cpuMs;
  round.noopPlanCpu = noopPlan.cpuMs;
  round.destroyCpu = destroy.cpuMs;
  round.cycleCpu = deploy.cpuMs + destroy.cpuMs;
  round.peakMemory = Math.max(deploy.peakKiB, noopPlan.peakKiB, destroy.peakKiB) / 1024;
  return round;
}

/**
 * What operators run, every safety check on. First `npm run plan` on the empty host in a
 * fresh output directory (synth, init, plan: what the first command of a checkout pays,
 * as the minimal file's init + plan), then the cycle: `npm run deploy`, `npm run plan`
 * (no-op: must say "No changes."), verify, `npm run destroy`. The full cycle is deploy +
 * destroy, in an output directory already synthesized and initialised, as the minimal
 * file is initialised once. Generated layouts reach the operator CLI through a preload
 * (bench/operator.ts); the commands are the npm scripts all the same.
 */
const operator: Subject = {
  name: "operator",
  label: "operator (npm run)",
  at: () => true,
  round(host) {
    const env = operatorEnv(host.env(), host.layout === CUTTER_LAYOUT ? undefined : host.size);
    const npm = (verb: string, what: string, args: string[] = []) =>
      timedWithUsage("npm", ["run", verb, "--", ...args, "--output", host.outDir], REPO, env, `npm run ${what}`);
    const round: Round = {};
    const first = npm("plan", "plan (empty host, fresh output directory)");
    if (!/Plan: \d+ to add/.test(first.output)) throw new Error(`bench: npm run plan on an empty host showed no plan:\n${first.output.slice(-3000)}`);
    round.firstCommand = first.ms;
    const deploy = npm("deploy", "deploy");
    if (!/Apply complete!/.test(deploy.output)) throw new Error(`bench: npm run deploy did not complete:\n${deploy.output.slice(-3000)}`);
    const noopPlan = npm("plan", "plan (no-op)");
    if (!/No changes\./.test(noopPlan.output)) throw new Error(`bench: npm run plan after deploy reported changes:\n${noopPlan.output.slice(-3000)}`);
    round.verify = host.verify().ms;
    // As a pipeline's rollback job runs it: with no terminal, destroy asks for --auto-approve (issue 11).
    const destroy = npm("destroy", "destroy", ["--auto-approve"]);
    host.assertGone("npm run destroy");
    return usageRound(round, deploy, noopPlan, destroy);
  },
};

const APP_COMMAND: string = JSON.parse(fs.readFileSync(path.join(REPO, "cdktf.json"), "utf8")).app;
const TERRAIN_BIN = path.join(TERRAIN_DIR, "node_modules", ".bin");
const terrainInstalled = () => fs.existsSync(path.join(TERRAIN_DIR, "build", ".terrain-stamp"));

/**
 * A raw CDK CLI with cdktf.json's app: cdktf's, or CDK Terrain's `cdktn` with CUTTER_CDK=cdktn
 * and its Node 22 first on PATH, as terrain/cdktn and the npm scripts run it (docs/cdk-terrain.md).
 */
function cliSubject(cdk: CdkFlavour): Subject {
  const cli = cdk === "cdktn" ? path.join(TERRAIN_BIN, "cdktn") : path.join(REPO, "node_modules", ".bin", "cdktf");
  const envOf = (host: BenchHost, extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
    const env = host.env(extra);
    if (cdk === "cdktn") Object.assign(env, { CUTTER_CDK: "cdktn", PATH: `${TERRAIN_BIN}:${env.PATH}` });
    return env;
  };
  return {
    name: cdk === "cdktn" ? "cdktn" : "cli",
    label: `stack, ${cdk} CLI`,
    at: (size) => size === CUTTER_LAYOUT.subdirectories.length,
    round(host) {
      const env = envOf(host);
      const verb = (v: string, extra: string[], what: string) => timed(cli, [v, "--output", host.outDir, ...extra], REPO, env, `${cdk} ${what}`);
      const round: Round = {};
      round.node = timed("node", ["-e", "0"], REPO, envOf(host), "node -e 0").ms;
      round.npm = timed("npm", ["run", "env"], REPO, envOf(host), "npm run env").ms;
      round.wrapper = timed("bash", [path.join(REPO, "cli", "with-engine.sh"), "true"], REPO, envOf(host), "cli/with-engine.sh").ms;
      // The app as the CLI runs it (cdktf's environment for the app: @cdktf/cli-core synth-stack.ts): first in a fresh output
      // directory, then again with nothing changed.
      const appEnv = envOf(host, {
        CDKTF_OUTDIR: path.join(host.dir, "app.out"),
        CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS: "true",
        CDKTF_CONTEXT_JSON: JSON.stringify({ cdktfRelativeModules: [] }),
        SYNTH_HCL_OUTPUT: "false",
        NODE_OPTIONS: "--max-old-space-size=4096",
      });
      round.app = timed("sh", ["-c", APP_COMMAND], REPO, appEnv, "cdktf.json app").ms;
      round.appNoop = timed("sh", ["-c", APP_COMMAND], REPO, appEnv, "cdktf.json app (nothing changed)").ms;
      round.synth = verb("synth", [], "synth").ms;
      const lock = ["--skip-provider-lock"];
      const plan = verb("plan", lock, "plan (empty host)");
      if (!/Plan: \d+ to add/.test(plan.output)) throw new Error(`bench: ${cdk} plan on an empty host showed no plan:\n${plan.output.slice(-3000)}`);
      round.plan = plan.ms;
      round.deploy = verb("deploy", ["--auto-approve", ...lock], "deploy").ms;
      const noopPlan = verb("plan", lock, "no-op plan");
      if (!/No changes\./.test(noopPlan.output)) throw new Error(`bench: ${cdk} no-op plan reported changes:\n${noopPlan.output.slice(-3000)}`);
      round.noopPlan = noopPlan.ms;
      round.noopDeploy = verb("deploy", ["--auto-approve", ...lock], "no-op deploy").ms;
      round.verify = host.verify().ms;
      round.destroy = verb("destroy", ["--auto-approve", ...lock], "destroy").ms;
      host.assertGone(`${cdk} destroy`);
      round.cycle = round.deploy + round.verify + round.destroy;
      return round;
    },
  };
}

const SUBJECTS = [floor, hand, stack, cliSubject("cdktf"), cliSubject("cdktn"), handmin, operator];

// ---------------------------------------------------------------- statistics and report
function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

type Samples = Record<number, Record<string, Partial<Record<Phase, number[]>>>>;
type Medians = Record<number, Record<string, Partial<Record<Phase, number>>>>;

function medians(samples: Samples): Medians {
  const out: Medians = {};
  for (const [size, bySubject] of Object.entries(samples)) {
    out[+size] = {};
    for (const [subject, byPhase] of Object.entries(bySubject)) {
      out[+size][subject] = Object.fromEntries(Object.entries(byPhase).map(([phase, v]) => [phase, median(v!)]));
    }
  }
  return out;
}

const sec = (ms: number | undefined) => (ms === undefined ? "—" : (ms / 1000).toFixed(2));
const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || b === 0 ? "—" : `${(a / b).toFixed(2)}×`);

function machine() {
  const cpu = os.cpus()[0]?.model ?? "unknown";
  return {
    nproc: os.cpus().length,
    cpu,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    engine: `${ENGINE_INFO().engine.kind} ${ENGINE_INFO().engine.version}`,
    loadAverage: os.loadavg().map((l) => +l.toFixed(2)),
  };
}

interface Target {
  name: string;
  value: string;
  /** Undefined for a number reported alongside the targets, not one of them. */
  pass?: boolean;
}

/** The operator targets of issue 13 (ratios against the minimal hand-written file, measured in the same run). */
export const OPERATOR_TARGETS = { cycleAt7: 1.5, cycleAt700: 1.0, noopPlanAt7: 1.3, appNoopSeconds: 0.15 } as const;

function targets(m: Medians): Target[] {
  const list: Target[] = [];
  const seven = m[7];
  if (seven?.stack && seven.hand) {
    const r = seven.stack.cycle! / seven.hand.cycle!;
    list.push({ name: "full cycle, 7 dirs, stack (engine direct) ≤ 2× hand-written TF", value: `${r.toFixed(2)}×`, pass: r <= 2 });
    if (seven.cli) {
      const c = seven.cli.cycle! / seven.hand.cycle!;
      // Operators' npm scripts run the engine directly (cli/cutter.ts); the raw cdktf CLI is measured for information.
      list.push({
        name: "full cycle, 7 dirs, stack through the raw cdktf CLI / hand-written TF (not a target: the npm scripts do not use it)",
        value: `${c.toFixed(2)}×`,
      });
    }
    if (seven.cdktn) {
      const c = seven.cdktn.cycle! / seven.hand.cycle!;
      list.push({
        name: "full cycle, 7 dirs, stack through the raw cdktn CLI (CDK Terrain) / hand-written TF (not a target, as above)",
        value: `${c.toFixed(2)}×`,
      });
    }
    const p = seven.stack.noopPlan! / seven.hand.noopPlan!;
    list.push({ name: "no-op plan, 7 dirs: 0 changes (checked every run) and engine time ≤ 1.5× hand-written TF", value: `${p.toFixed(2)}×`, pass: p <= 1.5 });
  }
  const sizes = Object.keys(m)
    .map(Number)
    .sort((a, b) => a - b);
  const big = sizes[sizes.length - 1];
  const mid = sizes.filter((s) => s < big).pop();
  if (big && mid && m[big].stack && m[mid].stack) {
    for (const phase of ["cycle", "deploy", "destroy"] as Phase[]) {
      const perBig = m[big].stack[phase]! / big;
      const perMid = m[mid].stack[phase]! / mid;
      list.push({
        name: `${PHASE_LABEL[phase]}, stack: time per directory at ${big} ≤ at ${mid}`,
        value: `${perBig.toFixed(1)} ms vs ${perMid.toFixed(1)} ms`,
        pass: perBig <= perMid,
      });
    }
  }
  list.push(...operatorTargets(m));
  return list;
}

/** Issue 13: the operator's commands against the minimal hand-written file. */
function operatorTargets(m: Medians): Target[] {
  const list: Target[] = [];
  const T = OPERATOR_TARGETS;
  const at = (size: number) => (m[size]?.operator && m[size]?.handmin ? { op: m[size].operator, hand: m[size].handmin } : undefined);
  const seven = at(7);
  if (seven) {
    const r = seven.op.cycle! / seven.hand.cycle!;
    list.push({
      name: `operator full cycle (npm run deploy + npm run destroy), 7 dirs ≤ ${T.cycleAt7}× minimal hand-written TF (apply + destroy)`,
      value: `${r.toFixed(2)}×`,
      pass: r <= T.cycleAt7,
    });
    const p = seven.op.noopPlan! / seven.hand.noopPlan!;
    list.push({
      name: `no-op npm run plan, 7 dirs: 0 changes (checked every run) ≤ ${T.noopPlanAt7}× terraform plan on the minimal hand-written file`,
      value: `${p.toFixed(2)}×`,
      pass: p <= T.noopPlanAt7,
    });
  }
  const noop = m[7]?.cli?.appNoop;
  if (noop !== undefined)
    list.push({
      name: `raw cdktf: the app command (cdktf.json's app) with nothing changed ≤ ${T.appNoopSeconds} s`,
      value: `${sec(noop)} s`,
      pass: noop <= T.appNoopSeconds * 1000,
    });
  const sizes = Object.keys(m)
    .map(Number)
    .filter((s) => at(s))
    .sort((a, b) => a - b);
  const big = sizes[sizes.length - 1];
  if (big !== undefined && big >= 700) {
    const r = at(big)!.op.cycle! / at(big)!.hand.cycle!;
    list.push({ name: `operator full cycle, ${big} dirs ≤ ${T.cycleAt700}× minimal hand-written TF`, value: `${r.toFixed(2)}×`, pass: r <= T.cycleAt700 });
  }
  const mid = sizes.filter((s) => s < big).pop();
  if (big !== undefined && mid !== undefined) {
    const perBig = at(big)!.op.cycle! / big;
    const perMid = at(mid)!.op.cycle! / mid;
    list.push({
      name: `operator full cycle: time per directory at ${big} ≤ at ${mid}`,
      value: `${perBig.toFixed(1)} ms vs ${perMid.toFixed(1)} ms`,
      pass: perBig <= perMid,
    });
  }
  // Where the operator's time goes: the engine's own work on the stack's configuration (the stack subject runs the engine directly on it) and the rest (npm, the CLI, its checks).
  for (const size of sizes) {
    const { op, hand } = at(size)!;
    const engine = m[size]?.stack;
    if (!engine) continue;
    const engineCycle = engine.deploy! + engine.destroy!;
    const npmStart = m[size]?.cli?.npm;
    list.push({
      name: `where the operator full cycle goes, ${size} dirs (engine run directly on the stack's configuration: deploy + destroy; the rest: npm, cli/with-engine.sh, the CLI and every check, two commands${npmStart === undefined ? "" : `, npm's own start ${sec(npmStart)} s each`})`,
      value: `engine on the stack ${sec(engineCycle)} s (${ratio(engineCycle, hand.cycle)} of the minimal file's ${sec(hand.cycle)} s) + the rest ${sec(op.cycle! - engineCycle)} s`,
    });
    list.push({
      name: `where the no-op npm run plan goes, ${size} dirs (engine plan run directly on the stack's configuration; the rest: npm, the CLI, its checks, plan -out + show -json for the summary)`,
      value: `engine plan ${sec(engine.noopPlan)} s (${ratio(engine.noopPlan, hand.noopPlan)} of the minimal file's ${sec(hand.noopPlan)} s) + the rest ${sec(op.noopPlan! - engine.noopPlan!)} s`,
    });
  }
  for (const size of sizes) {
    const { op, hand } = at(size)!;
    list.push({
      name: `peak memory of an operator command (largest process), ${size} dirs; minimal hand-written TF's`,
      value: `${op.peakMemory!.toFixed(0)} MiB; ${hand.peakMemory!.toFixed(0)} MiB`,
    });
  }
  return list;
}

function report(m: Medians, opts: Options, elapsedMs: number): string {
  const lines: string[] = [];
  const mc = machine();
  lines.push(
    `Machine: ${mc.nproc} cores (${mc.cpu}), ${mc.memoryGiB} GiB, node ${mc.node}, ${mc.engine}; load average at the end ${mc.loadAverage.join(" / ")}.`,
  );
  lines.push(
    `Runs: ${opts.sizes.map((s) => `${opts.runs[s]} at ${s} dirs`).join(", ")}${opts.quick ? " (--quick)" : ""}; medians in seconds; bench took ${(elapsedMs / 60000).toFixed(1)} min.`,
  );
  const seven = m[7];
  if (seven && (seven.handmin || seven.operator || seven.cli)) {
    lines.push("", "Operator commands, 7 directories (the real layout), against the minimal hand-written file (initialised once):", "");
    lines.push("| phase | minimal hand TF | operator (npm run) | operator/hand |");
    lines.push("| --- | ---: | ---: | ---: |");
    const row = (label: string, h: number | undefined, o: number | undefined, unit = (v: number | undefined) => sec(v)) =>
      lines.push(`| ${label} | ${unit(h)} | ${unit(o)} | ${ratio(o, h)} |`);
    row(
      "first command, fresh output directory (hand: init + plan; operator: `npm run plan`, synth + init + plan)",
      seven.handmin?.firstCommand,
      seven.operator?.firstCommand,
    );
    row("deploy, empty host (operator: `npm run deploy`)", seven.handmin?.deploy, seven.operator?.deploy);
    row("no-op plan (operator: `npm run plan`)", seven.handmin?.noopPlan, seven.operator?.noopPlan);
    row("destroy (operator: `npm run destroy`)", seven.handmin?.destroy, seven.operator?.destroy);
    row("**full cycle deploy + destroy**", seven.handmin?.cycle, seven.operator?.cycle);
    row("CPU of the full cycle (user + system)", seven.handmin?.cycleCpu, seven.operator?.cycleCpu);
    row("CPU of the no-op plan", seven.handmin?.noopPlanCpu, seven.operator?.noopPlanCpu);
    row("peak memory, largest process (MiB)", seven.handmin?.peakMemory, seven.operator?.peakMemory, (v) => (v === undefined ? "—" : v.toFixed(0)));
    const floorRow = (phase: Phase) => {
      const v = seven.cli?.[phase];
      if (v !== undefined) lines.push(`| ${PHASE_LABEL[phase]} | — | ${sec(v)} | — |`);
    };
    for (const phase of ["node", "npm", "wrapper", "appNoop"] as Phase[]) floorRow(phase);
  }
  if (seven) {
    lines.push("", "Phases, 7 directories (the real layout):", "");
    lines.push("| phase | floor | hand TF | stack (engine) | stack (cdktf CLI) | stack (cdktn CLI) | stack/hand | stack/floor | CLI/stack | cdktn/cdktf CLI |");
    lines.push("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (const phase of STACK_TABLE_PHASES) {
      const f = seven.floor?.[phase],
        h = seven.hand?.[phase],
        s = seven.stack?.[phase],
        c = seven.cli?.[phase],
        t = seven.cdktn?.[phase];
      if ([f, h, s, c, t].every((v) => v === undefined)) continue;
      lines.push(
        `| ${PHASE_LABEL[phase]} | ${sec(f)} | ${sec(h)} | ${sec(s)} | ${sec(c)} | ${sec(t)} | ${ratio(s, h)} | ${ratio(s, f)} | ${ratio(c, s)} | ${ratio(t, c)} |`,
      );
    }
  }
  lines.push(
    "",
    "Growth (stack = engine direct; operator = npm run deploy + destroy; hand min = the minimal file's apply + destroy; ms/dir = median / directories):",
    "",
  );
  lines.push(
    "| dirs | stack synth | stack deploy | stack no-op plan | stack destroy | stack cycle | hand cycle | floor cycle | stack/hand | stack ms/dir | hand ms/dir | operator cycle | hand min cycle | operator/hand min | operator ms/dir | operator peak MiB |",
  );
  lines.push("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const size of opts.sizes) {
    const s = m[size]?.stack ?? {},
      h = m[size]?.hand ?? {},
      f = m[size]?.floor ?? {},
      o = m[size]?.operator ?? {},
      hm = m[size]?.handmin ?? {};
    const perDir = (v: number | undefined) => (v === undefined ? "—" : (v / size).toFixed(1));
    lines.push(
      `| ${size} | ${sec(s.synth)} | ${sec(s.deploy)} | ${sec(s.noopPlan)} | ${sec(s.destroy)} | ${sec(s.cycle)} | ${sec(h.cycle)} | ${sec(f.cycle)} | ${ratio(s.cycle, h.cycle)} | ${perDir(s.cycle)} | ${perDir(h.cycle)} | ${sec(o.cycle)} | ${sec(hm.cycle)} | ${ratio(o.cycle, hm.cycle)} | ${perDir(o.cycle)} | ${o.peakMemory === undefined ? "—" : o.peakMemory.toFixed(0)} |`,
    );
  }
  const t = targets(m);
  if (t.length) {
    lines.push("", "Targets:", "");
    for (const x of t) lines.push(`- ${x.pass === undefined ? "INFO" : x.pass ? "PASS" : "FAIL"} ${x.name}: ${x.value}`);
  }
  return lines.join("\n");
}

/** Where `--readme` writes the table (the benchmark document the README links to). */
export const BENCH_DOC = "docs/benchmark.md";

function writeReadme(table: string): void {
  const file = path.join(REPO, BENCH_DOC);
  const text = fs.readFileSync(file, "utf8");
  const begin = "<!-- bench:begin (written by `npm run bench -- --readme`) -->";
  const end = "<!-- bench:end -->";
  const i = text.indexOf(begin),
    j = text.indexOf(end);
  if (i < 0 || j < i) throw new Error(`bench: ${BENCH_DOC} has no ${begin} … ${end} markers`);
  fs.writeFileSync(file, text.slice(0, i + begin.length) + "\n" + table + "\n" + text.slice(j));
}

// ---------------------------------------------------------------- main
function main(): void {
  const opts = parseOptions(process.argv.slice(2));
  ENGINE_INFO();
  for (const f of ["dist/main.js", "dist/bench/bench-app.js", "dist/bench/verify.js"]) {
    if (!fs.existsSync(path.join(REPO, f))) throw new Error(`bench: ${f} is missing: run \`npm run build\` (npm run bench does)`);
  }
  const started = Date.now();
  const samples: Samples = {};
  const maxRuns = Math.max(...opts.sizes.map((s) => opts.runs[s]));
  // Interleaved: every run visits every size and subject, in a rotating order.
  for (let run = 0; run < maxRuns; run++) {
    for (const size of opts.sizes) {
      if (run >= opts.runs[size]) continue;
      const subjects = SUBJECTS.filter((s) => s.at(size) && opts.subjects.includes(s.name));
      const order = subjects.map((_, i) => subjects[(i + run) % subjects.length]);
      for (const subject of order) {
        const host = new BenchHost(size);
        try {
          const round = subject.round(host);
          const bySubject = ((samples[size] ??= {})[subject.name] ??= {});
          for (const [phase, ms] of Object.entries(round)) (bySubject[phase as Phase] ??= []).push(ms!);
          process.stderr.write(`bench: run ${run + 1}/${opts.runs[size]} ${size} dirs ${subject.label}: cycle ${sec(round.cycle)} s\n`);
          save(samples, opts, started, false);
        } finally {
          host.dispose();
        }
      }
    }
  }
  const { table, file } = save(samples, opts, started, true);
  console.log(table);
  process.stderr.write(`bench: results in ${file}\n`);
  if (opts.readme) writeReadme(table);
}

/** Writes the results so far (after every round, so a long run that is stopped still leaves its data). */
function save(samples: Samples, opts: Options, started: number, complete: boolean): { table: string; file: string } {
  const m = medians(samples);
  const elapsed = Date.now() - started;
  const table = report(m, opts, elapsed);
  fs.mkdirSync(opts.out, { recursive: true });
  const stamp = new Date(started).toISOString().replace(/[:.]/g, "-");
  const result = {
    date: new Date().toISOString(),
    complete,
    machine: machine(),
    options: opts,
    elapsedMs: elapsed,
    medians: m,
    samples,
    targets: targets(m),
    table,
  };
  const file = path.join(opts.out, `bench-${stamp}.json`);
  for (const f of [file, path.join(opts.out, "latest.json")]) fs.writeFileSync(f, JSON.stringify(result, null, 2) + "\n");
  return { table, file };
}

try {
  main();
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
