/**
 * The operator commands behind `npm run synth|plan|deploy|destroy`:
 * synthesize with the app, then use the engine directly in the stack directory
 * (CDKTF's documented pattern for reviewed plans; `cdktf deploy` always re-plans).
 *
 *   npm run plan    -- [host] [--out PLAN.tgz] [--summary FILE]
 *   npm run deploy  -- [host] [--plan PLAN.tgz] [--migrate-state]
 *   npm run destroy -- [host]
 *   npm run synth   -- [host]
 * Common options: --output DIR (default cdktf.out), --lock-timeout DURATION (default 0s: fail at once).
 *
 * A saved plan (`--out`) is one archive: the engine's plan file, the synthesized stack
 * directory it was made from (cdk.tf.json + provider lock file) and a manifest. `deploy
 * --plan` applies exactly that plan: it refuses if the configuration synthesized now is
 * not byte-identical (code or inputs changed), and the engine refuses a stale plan (state
 * changed). Runs under tools/with-engine.sh (the npm scripts do that).
 */
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import { summarizePlan } from "./plan-summary";
import * as os from "os";
import * as path from "path";
import { HOSTS_DIR_VARIABLE, StackSpec, resolveStackSpecs } from "../constructs/host-files";
import { ENGINE_PG_CONN_ENV } from "../constructs/runtime-inputs";

export type Verb = "synth" | "plan" | "deploy" | "destroy";
const VERBS: readonly Verb[] = ["synth", "plan", "deploy", "destroy"];

export interface CommandLine {
  readonly verb: Verb;
  readonly host?: string;
  /** plan: where to save the plan archive. */
  readonly out?: string;
  /** plan: where to write the plan summary (text). */
  readonly summary?: string;
  /** deploy: the saved plan archive to apply. */
  readonly plan?: string;
  /** deploy: copy existing state from the previously initialised backend into the configured one. */
  readonly migrateState: boolean;
  readonly outputDir: string;
  readonly lockTimeout: string;
}

/** Thrown for operator errors: printed without a stack trace, exit code 1. */
export class CutterError extends Error {}

const OPTIONS_WITH_VALUE: Record<string, { verbs: readonly Verb[]; key: "out" | "summary" | "plan" | "outputDir" | "lockTimeout" }> = {
  "--out": { verbs: ["plan"], key: "out" },
  "--summary": { verbs: ["plan"], key: "summary" },
  "--plan": { verbs: ["deploy"], key: "plan" },
  "--output": { verbs: VERBS, key: "outputDir" },
  "--lock-timeout": { verbs: ["plan", "deploy", "destroy"], key: "lockTimeout" },
};

const USAGE = `usage:
  npm run plan    -- [host] [--out PLAN.tgz] [--summary FILE]
  npm run deploy  -- [host] [--plan PLAN.tgz] [--migrate-state]
  npm run destroy -- [host]
  npm run synth   -- [host]
  options for all: --output DIR (default cdktf.out), --lock-timeout DURATION (default 0s)`;

/** Parses `<verb> [host] [options]`; throws CutterError naming the bad argument. */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  const [verb, ...rest] = argv;
  if (!VERBS.includes(verb as Verb)) throw new CutterError(`unknown command ${JSON.stringify(verb ?? "")}; expected one of ${VERBS.join(", ")}\n${USAGE}`);
  const values: { -readonly [K in keyof CommandLine]?: CommandLine[K] } = { verb: verb as Verb, migrateState: false };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    const [name, inline] = arg.startsWith("--") && arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    if (name === "--migrate-state") {
      if (verb !== "deploy") throw new CutterError(`--migrate-state is an option of deploy, not ${verb}\n${USAGE}`);
      values.migrateState = true;
    } else if (name in OPTIONS_WITH_VALUE) {
      const option = OPTIONS_WITH_VALUE[name];
      if (!option.verbs.includes(verb as Verb)) throw new CutterError(`${name} is not an option of ${verb}\n${USAGE}`);
      const value = inline ?? rest[++i];
      if (value === undefined || value === "" || value.startsWith("--")) throw new CutterError(`${name} needs a value\n${USAGE}`);
      values[option.key] = value;
    } else if (arg.startsWith("-")) {
      throw new CutterError(`unknown option ${arg}\n${USAGE}`);
    } else if (values.host === undefined) {
      values.host = arg;
    } else {
      throw new CutterError(`one host at a time: got ${values.host} and ${arg}\n${USAGE}`);
    }
  }
  if (values.plan && values.migrateState) throw new CutterError("--migrate-state cannot be combined with --plan: migrate with a plain deploy first, then plan again");
  return { outputDir: "cdktf.out", lockTimeout: "0s", ...values } as CommandLine;
}

/** Picks the stack a command acts on. */
export function selectStack(specs: readonly StackSpec[], host: string | undefined): StackSpec {
  const hostSpecs = specs.filter((s) => s.hostName !== undefined);
  if (hostSpecs.length === 0) {
    if (host !== undefined) {
      throw new CutterError(`host ${JSON.stringify(host)} was named, but no host files are in use (no hosts/ directory and ${HOSTS_DIR_VARIABLE} not set): the single stack comes from environment variables; drop the host argument or add hosts/${host}.json`);
    }
    return specs[0];
  }
  const names = hostSpecs.map((s) => s.hostName).join(", ");
  if (host === undefined) throw new CutterError(`name the host to act on: one of ${names} (e.g. npm run plan -- ${hostSpecs[0].hostName})`);
  const spec = hostSpecs.find((s) => s.hostName === host);
  if (!spec) throw new CutterError(`no host ${JSON.stringify(host)}: the host files define ${names}`);
  return spec;
}

interface Engine {
  path: string;
  kind: string;
  version: string;
}

function engineFromEnvironment(env: NodeJS.ProcessEnv): Engine {
  const enginePath = env.CUTTER_ENGINE_PATH;
  if (!enginePath) throw new CutterError("no engine environment: run through the npm scripts (they use tools/with-engine.sh), or `. ~/.cache/cutter-runtime/env` first");
  const version = spawnSync(enginePath, ["version", "-json"], { encoding: "utf8", env });
  if (version.status !== 0) throw new CutterError(`${enginePath} version -json failed: ${version.error?.message ?? `exit ${version.status}`}\n${version.stderr ?? ""}`);
  const kind = /OpenTofu/.test(spawnSync(enginePath, ["version"], { encoding: "utf8", env }).stdout) ? "tofu" : "terraform";
  return { path: enginePath, kind, version: JSON.parse(version.stdout).terraform_version };
}

/**
 * The engine's environment for a stack: for the pg backend, the connection string is
 * taken from the variable the inputs name and handed over as PG_CONN_STR (the engine
 * reads it itself), so it is never written into the synthesized configuration.
 */
export function engineEnvironment(spec: StackSpec, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const result: NodeJS.ProcessEnv = { ...env, TF_IN_AUTOMATION: "1", TF_INPUT: "0" };
  if (spec.inputs.stateBackend !== "pg") return result;
  const name = spec.inputs.statePgConnEnv;
  const value = env[name];
  if (value === undefined || value === "") {
    throw new CutterError(
      `${describe(spec)} keeps its state in PostgreSQL (schema ${spec.inputs.statePgSchema}), but ${name} is not set; nothing was changed.\n` +
        `  Export the connection string (postgres://USER:PASSWORD@HOST:PORT/DB?sslmode=...) in ${name}; it is read at run time and never written to disk.`,
    );
  }
  result[ENGINE_PG_CONN_ENV] = value;
  return result;
}

function describe(spec: StackSpec): string {
  return spec.hostName ? `host ${spec.hostName} (${spec.source}, stack ${spec.stackName})` : `stack ${spec.stackName} (from environment variables)`;
}

interface Captured {
  code: number | null;
  output: string;
}

/** Runs the engine, echoing its output, and returns it for inspection. */
function runEngine(engine: Engine, args: string[], cwd: string, env: NodeJS.ProcessEnv): Captured {
  const result = spawnSync(engine.path, args, { cwd, env, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  if (result.error) throw result.error;
  const output = (result.stdout ?? "") + (result.stderr ?? "");
  process.stdout.write(result.stdout ?? "");
  process.stderr.write(result.stderr ?? "");
  return { code: result.status, output };
}

function mustSucceed(result: Captured, what: string, dir?: string): Captured {
  if (result.code !== 0) {
    let hint = "";
    if (/Error acquiring the state lock|state lock|already locked/i.test(result.output)) {
      hint = " The state is locked by another plan or deploy of this stack: wait for it to finish (or pass --lock-timeout 5m to wait). A pg lock is released when its session ends.";
    } else if (dir && /Backend configuration changed/.test(result.output)) {
      hint =
        ` Nothing was changed. The state location asked for (CUTTER_STATE_PATH, CUTTER_STATE_BACKEND and its settings) is not the one ${dir} was last used with.` +
        " To move the existing state there, deploy once with --migrate-state." +
        ` To use that location as it is (a separate state), pass --output with another directory, or remove ${path.join(dir, ".terraform")}.`;
    }
    throw new CutterError(`${what} failed (exit ${result.code}); see the engine output above.${hint}`);
  }
  return result;
}

/** Synthesizes every stack with the app (as `cdktf synth` does) into outputDir. */
function synthesize(outputDir: string, env: NodeJS.ProcessEnv): void {
  const main = path.resolve(__dirname, "..", "main.js");
  const result = spawnSync(process.execPath, [main], { env: { ...env, CDKTF_OUTDIR: path.resolve(outputDir) }, encoding: "utf8" });
  process.stdout.write(result.stdout ?? "");
  if (result.status !== 0) throw new CutterError(`synth failed; nothing was changed.\n${(result.stderr ?? "").trim()}`);
}

function stackDirectory(outputDir: string, spec: StackSpec): string {
  return path.resolve(outputDir, "stacks", spec.stackName);
}

function init(engine: Engine, dir: string, env: NodeJS.ProcessEnv, migrateState = false): void {
  const args = ["init", "-input=false", "-no-color"];
  // -force-copy answers the engine's "copy existing state?" question with yes (no terminal in pipelines).
  if (migrateState) args.push("-migrate-state", "-force-copy");
  mustSucceed(runEngine(engine, args, dir, env), `${engine.kind} init in ${dir}`, dir);
}

export interface PlanCounts {
  add: number;
  change: number;
  destroy: number;
}

/** Counts of a plan from `<engine> show -json PLANFILE` (a replace counts as add + destroy, as the engine does). */
export function countPlan(showJson: any): PlanCounts {
  const counts = { add: 0, change: 0, destroy: 0 };
  for (const change of showJson.resource_changes ?? []) {
    const actions: string[] = change.change?.actions ?? [];
    if (actions.includes("create")) counts.add++;
    if (actions.includes("update")) counts.change++;
    if (actions.includes("delete")) counts.destroy++;
  }
  return counts;
}

/**
 * The single place a plan is summarised for people (stdout and --summary): the engine's
 * counts, the write set for reviewers (tools/plan-summary.ts) and the changed addresses.
 */
export function renderPlanSummary(spec: StackSpec, showJson: any): string {
  const counts = countPlan(showJson);
  const lines = [`Plan for ${describe(spec)}: ${counts.add} to add, ${counts.change} to change, ${counts.destroy} to destroy.`];
  lines.push(summarizePlan(showJson).trimEnd());
  lines.push("Engine addresses:");
  for (const change of showJson.resource_changes ?? []) {
    const actions: string[] = change.change?.actions ?? [];
    if (actions.length === 1 && (actions[0] === "no-op" || actions[0] === "read")) continue;
    lines.push(`  ${actions.join("+").padEnd(14)} ${change.address}`);
  }
  return lines.join("\n") + "\n";
}

const ARCHIVE_FORMAT = "cutter-runtime-plan/1";
const PLAN_FILE = "plan.tfplan";
const STACK_DIR = "stack";
const MANIFEST = "manifest.json";
/** What of the stack directory goes into the archive (.terraform/ is re-created by init). */
const STACK_FILES = ["cdk.tf.json", ".terraform.lock.hcl"];

interface PlanManifest {
  format: string;
  stackName: string;
  hostName?: string;
  source: string;
  engine: { kind: string; version: string };
  synthSha256: string;
  planSha256: string;
  counts: PlanCounts;
  createdAt: string;
}

function sha256(file: string): string {
  return createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

function tar(args: string[]): void {
  const result = spawnSync("tar", args, { encoding: "utf8" });
  if (result.status !== 0) throw new CutterError(`tar ${args.join(" ")} failed:\n${result.stderr}`);
}

function plan(cmd: CommandLine, spec: StackSpec, engine: Engine, env: NodeJS.ProcessEnv): void {
  const dir = stackDirectory(cmd.outputDir, spec);
  init(engine, dir, env);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "cutter-plan-"));
  try {
    const planFile = path.join(work, PLAN_FILE);
    mustSucceed(runEngine(engine, ["plan", "-input=false", "-no-color", `-lock-timeout=${cmd.lockTimeout}`, `-out=${planFile}`], dir, env), `${engine.kind} plan`);
    const show = spawnSync(engine.path, ["show", "-json", planFile], { cwd: dir, env, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
    if (show.status !== 0) throw new CutterError(`${engine.kind} show -json failed:\n${show.stderr}`);
    const showJson = JSON.parse(show.stdout);
    const summary = renderPlanSummary(spec, showJson);
    process.stdout.write("\n" + summary);
    if (cmd.summary) fs.writeFileSync(cmd.summary, summary);
    if (!cmd.out) return;
    fs.mkdirSync(path.join(work, STACK_DIR));
    for (const name of STACK_FILES) {
      if (fs.existsSync(path.join(dir, name))) fs.copyFileSync(path.join(dir, name), path.join(work, STACK_DIR, name));
    }
    const manifest: PlanManifest = {
      format: ARCHIVE_FORMAT,
      stackName: spec.stackName,
      hostName: spec.hostName,
      source: spec.source,
      engine: { kind: engine.kind, version: engine.version },
      synthSha256: sha256(path.join(dir, "cdk.tf.json")),
      planSha256: sha256(planFile),
      counts: countPlan(showJson),
      createdAt: new Date().toISOString(),
    };
    fs.writeFileSync(path.join(work, MANIFEST), JSON.stringify(manifest, null, 2) + "\n");
    const out = path.resolve(cmd.out);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    tar(["-czf", out + ".tmp", "-C", work, MANIFEST, PLAN_FILE, STACK_DIR]);
    fs.renameSync(out + ".tmp", out);
    process.stdout.write(`Saved the plan for ${describe(spec)} to ${cmd.out}; apply exactly this plan with: npm run deploy -- ${spec.hostName ?? ""}${spec.hostName ? " " : ""}--plan ${cmd.out}\n`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** Top-level blocks of a synthesized stack, most telling first: what will change on disk. */
const BLOCK_ORDER = ["resource", "data", "terraform", "provider"];

/** Up to `limit` JSON paths where two documents differ, with both values; resources first. */
export function jsonDifferences(before: unknown, after: unknown, limit = 8, at = ""): string[] {
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;
  if (!isObject(before) || !isObject(after) || Array.isArray(before) !== Array.isArray(after)) {
    const show = (v: unknown) => (v === undefined ? "(absent)" : JSON.stringify(v).slice(0, 120));
    return [`${at || "(document)"}: ${show(before)} -> ${show(after)}`];
  }
  const found: string[] = [];
  const rank = (key: string) => (at === "" && BLOCK_ORDER.includes(key) ? BLOCK_ORDER.indexOf(key) : BLOCK_ORDER.length);
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  for (const key of keys) {
    if (found.length >= limit) break;
    found.push(...jsonDifferences(before[key], after[key], limit - found.length, at ? `${at}.${key}` : key));
  }
  return found;
}

function deploySavedPlan(cmd: CommandLine, specs: readonly StackSpec[], engine: Engine, env: NodeJS.ProcessEnv): void {
  const archive = path.resolve(cmd.plan!);
  if (!fs.existsSync(archive)) throw new CutterError(`--plan ${cmd.plan}: no such file; nothing was changed`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "cutter-deploy-"));
  try {
    tar(["-xzf", archive, "-C", work]);
    const manifestFile = path.join(work, MANIFEST);
    const manifest: PlanManifest | undefined = fs.existsSync(manifestFile) ? JSON.parse(fs.readFileSync(manifestFile, "utf8")) : undefined;
    if (manifest?.format !== ARCHIVE_FORMAT) throw new CutterError(`--plan ${cmd.plan} is not a saved plan of \`npm run plan -- --out\` (no ${ARCHIVE_FORMAT} manifest); nothing was changed`);
    if (cmd.host !== undefined && cmd.host !== manifest.hostName) {
      throw new CutterError(`refusing to apply ${cmd.plan}: it is the plan of ${manifest.hostName ? `host ${manifest.hostName}` : "the stack from environment variables"}, not of host ${cmd.host}; nothing was changed`);
    }
    const spec = selectStack(specs, manifest.hostName);
    if (spec.stackName !== manifest.stackName) throw new CutterError(`refusing to apply ${cmd.plan}: it was made for stack ${manifest.stackName}, the inputs now give ${spec.stackName}; nothing was changed`);
    const stackEnv = engineEnvironment(spec, env);
    if (manifest.engine.kind !== engine.kind || manifest.engine.version !== engine.version) {
      throw new CutterError(`refusing to apply ${cmd.plan}: it was made with ${manifest.engine.kind} ${manifest.engine.version}, this is ${engine.kind} ${engine.version}; plan again with this engine. Nothing was changed.`);
    }
    // Code or inputs changed since the plan: the configuration synthesized now is not the reviewed one.
    const reviewed = path.join(work, STACK_DIR, "cdk.tf.json");
    const current = path.join(stackDirectory(cmd.outputDir, spec), "cdk.tf.json");
    const reviewedBytes = fs.readFileSync(reviewed);
    const currentBytes = fs.readFileSync(current);
    // Guards against a mixed-up or corrupted archive (not against deliberate forgery: sign artifacts for that).
    if (sha256(reviewed) !== manifest.synthSha256 || sha256(path.join(work, PLAN_FILE)) !== manifest.planSha256) {
      throw new CutterError(`refusing to apply ${cmd.plan}: its files do not match its manifest (the archive was altered); nothing was changed`);
    }
    if (!reviewedBytes.equals(currentBytes)) {
      const differences = jsonDifferences(JSON.parse(reviewedBytes.toString("utf8")), JSON.parse(currentBytes.toString("utf8")));
      throw new CutterError(
        `refusing to apply ${cmd.plan}: the code or the inputs changed since the plan was made, so it is not the reviewed plan; nothing was changed.\n` +
          `  The configuration synthesized now differs from the planned one (planned -> now):\n` +
          differences.map((d) => `    ${d}`).join("\n") +
          `\n  Plan again (npm run plan -- ${spec.hostName ? spec.hostName + " " : ""}--out FILE), review it, and deploy that plan.`,
      );
    }
    const stackDir = path.join(work, STACK_DIR);
    init(engine, stackDir, stackEnv);
    process.stdout.write(`Applying the saved plan ${cmd.plan} for ${describe(spec)} (made ${manifest.createdAt}): ${manifest.counts.add} to add, ${manifest.counts.change} to change, ${manifest.counts.destroy} to destroy.\n`);
    const applied = runEngine(engine, ["apply", "-input=false", "-no-color", `-lock-timeout=${cmd.lockTimeout}`, path.join(work, PLAN_FILE)], stackDir, stackEnv);
    if (applied.code !== 0 && /Saved plan is stale/.test(applied.output)) {
      throw new CutterError(
        `refusing to apply ${cmd.plan}: the state changed since the plan was made (another deploy, or a change out of band), so the engine rejected the plan as stale; nothing was changed.\n` +
          `  Plan again (npm run plan -- ${spec.hostName ? spec.hostName + " " : ""}--out FILE), review it, and deploy that plan.`,
      );
    }
    mustSucceed(applied, `${engine.kind} apply of the saved plan`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

export function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): void {
  const cmd = parseCommandLine(argv);
  // Validates every host file / input before anything runs; the app validates again at synth.
  const specs = resolveStackSpecs(env);
  const needsOneStack = !(cmd.verb === "deploy" && cmd.plan) && !(cmd.verb === "synth" && cmd.host === undefined);
  const planSpec = needsOneStack ? selectStack(specs, cmd.host) : undefined;
  synthesize(cmd.outputDir, env);
  if (cmd.verb === "synth") {
    for (const spec of planSpec ? [planSpec] : specs) process.stdout.write(`${describe(spec)}: ${stackDirectory(cmd.outputDir, spec)}\n`);
    return;
  }
  const engine = engineFromEnvironment(env);
  if (cmd.verb === "deploy" && cmd.plan) return deploySavedPlan(cmd, specs, engine, env);
  const spec = planSpec!;
  const stackEnv = engineEnvironment(spec, env);
  const dir = stackDirectory(cmd.outputDir, spec);
  if (cmd.verb === "plan") return plan(cmd, spec, engine, stackEnv);
  init(engine, dir, stackEnv, cmd.migrateState);
  const args = ["apply", "-input=false", "-no-color", "-auto-approve", `-lock-timeout=${cmd.lockTimeout}`];
  if (cmd.verb === "destroy") args.push("-destroy");
  mustSucceed(runEngine(engine, args, dir, stackEnv), `${engine.kind} ${cmd.verb === "destroy" ? "apply -destroy" : "apply"} of ${describe(spec)}`);
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    console.error(`cutter: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
