/**
 * Plans, and saved plans: `plan --out` writes one archive (the engine's plan file, the
 * synthesized stack directory it was made from: cdk.tf.json + provider lock file, and a
 * manifest); `deploy --plan` applies exactly that plan. It refuses if the configuration
 * synthesized now is not byte-identical (code or inputs changed), and the engine refuses
 * a stale plan (state changed).
 */
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { StackSpec } from "../constructs/host-files";
import { CommandLine, CutterError, describeStack, selectStack } from "./command-line";
import { Engine, engineEnvironment, init, mustSucceed, runEngine, stackDirectory } from "./engine";
import { keepErroredState } from "./local-state";
import { PlanCounts, countPlan, renderPlanSummary } from "./plan-summary";
import { makeWorkDirectory, removeWorkDirectory } from "./work-directory";

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

export function plan(cmd: CommandLine, spec: StackSpec, engine: Engine, env: NodeJS.ProcessEnv): void {
  const dir = stackDirectory(cmd.outputDir, spec);
  init(engine, dir, env);
  const work = makeWorkDirectory("plan");
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
    process.stdout.write(`Saved the plan for ${describeStack(spec)} to ${cmd.out}; apply exactly this plan with: npm run deploy -- ${spec.hostName ?? ""}${spec.hostName ? " " : ""}--plan ${cmd.out}\n`);
  } finally {
    removeWorkDirectory(work);
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

export function deploySavedPlan(cmd: CommandLine, specs: readonly StackSpec[], engine: Engine, env: NodeJS.ProcessEnv): void {
  const archive = path.resolve(cmd.plan!);
  if (!fs.existsSync(archive)) throw new CutterError(`--plan ${cmd.plan}: no such file; nothing was changed`);
  const work = makeWorkDirectory("deploy");
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
    process.stdout.write(`Applying the saved plan ${cmd.plan} for ${describeStack(spec)} (made ${manifest.createdAt}): ${manifest.counts.add} to add, ${manifest.counts.change} to change, ${manifest.counts.destroy} to destroy.\n`);
    const applied = runEngine(engine, ["apply", "-input=false", "-no-color", `-lock-timeout=${cmd.lockTimeout}`, path.join(work, PLAN_FILE)], stackDir, stackEnv);
    if (applied.code !== 0 && /Saved plan is stale/.test(applied.output)) {
      throw new CutterError(
        `refusing to apply ${cmd.plan}: the state changed since the plan was made (another deploy, or a change out of band), so the engine rejected the plan as stale; nothing was changed.\n` +
          `  Plan again (npm run plan -- ${spec.hostName ? spec.hostName + " " : ""}--out FILE), review it, and deploy that plan.`,
      );
    }
    mustSucceed(applied, `${engine.kind} apply of the saved plan`, undefined, applied.code === 0 ? undefined : keepErroredState(spec, stackDir, engine.kind));
  } finally {
    removeWorkDirectory(work);
  }
}
