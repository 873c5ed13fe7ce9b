/**
 * Plans, and saved plans: what `deploy --plan` applies is proven to be what was reviewed
 * and what the code synthesizes now (docs/saved-plans.md).
 *
 * `plan --out` writes one archive (cli/plan-archive.ts): the engine's plan file, the
 * synthesized configuration and provider lock file it was made from, the engine's own
 * reading of the plan (`show -json`: the review record the summary was made from) and a
 * manifest. It prints the archive's sha256 for the review to hand to the deploy.
 *
 * `deploy --plan FILE [--sha256 DIGEST]` applies the plan only when, in this order:
 *  1. the archive is the reviewed one (its sha256, when the digest is passed out of band);
 *  2. it holds exactly the expected regular files, under size caps (nothing is extracted
 *     by a general tool; no link, device or FIFO can reach the disk);
 *  3. the configuration synthesized now, the archived one and the one inside the engine's
 *     plan file (which is what the engine applies) are byte-identical, and the plan file
 *     holds nothing else: one root module, the same provider lock file;
 *  4. the plan file's own settings are a whole, normal plan of that configuration: not a
 *     destroy or refresh-only plan, no targets, variables or replacements, made by this
 *     engine version, for the backend and workspace synthesized now (not another state);
 *  5. the engine's reading of the plan file (`show -json`) is the review record;
 *  6. the state is the one the plan was made from (lineage and serial), and the engine's
 *     reading of a plan made now, from the configuration synthesized now and the current
 *     state and tree, is the same in full (every resource change, prior state, drift,
 *     checks): the saved plan does exactly what the reviewed code would do now;
 *  7. (pg) the backend accepts a state write with these credentials.
 * The counts it prints come from the engine's reading of the plan file. If the apply fails
 * and the engine could not save the state, its errored.tfstate is kept in the recovery
 * directory with the exact command that puts it back.
 */
import { createHash, randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { StackSpec } from "../constructs/host-files";
import { ENGINE_PG_CONN_ENV } from "../constructs/runtime-inputs";
import { CommandLine, CutterError, describeStack, selectStack } from "./command-line";
import { stateFailureHint } from "./engine-failures";
import { Engine, engineEnvironment, init, mustSucceed, recoveryDirectory, runEngineQuietly, stackDirectory } from "./engine";
import { applyPlanFile, planDisplay } from "./engine-output";
import {
  ArchiveError,
  MAX_ARCHIVE_BYTES,
  MAX_EXPANDED_BYTES,
  MAX_MEMBER_BYTES,
  packArchive,
  readRegularFile,
  unpackArchive,
  writeFileReplacing,
} from "./plan-archive";
import { PLAN_FILE_MEMBERS, backendDifferences, isRootModuleOnly, planFacts, readZip } from "./plan-file";
import { PlanCounts, countPlan, renderPlanSummary } from "./plan-summary";
import { checkStateWritable } from "./pg-state";
import { makeWorkDirectory, removeWorkDirectory } from "./work-directory";

const ARCHIVE_FORMAT = "cutter-runtime-plan/2";
/** The members of a saved-plan archive, all required. */
const MEMBER = {
  manifest: "manifest.json",
  plan: "plan.tfplan",
  config: "stack/cdk.tf.json",
  lock: "stack/.terraform.lock.hcl",
  review: "review.json",
} as const;
const MEMBERS = Object.values(MEMBER);

interface PlanManifest {
  format: string;
  stackName: string;
  hostName?: string;
  source: string;
  engine: { kind: string; version: string };
  /** sha256 of each other member, by member name. */
  sha256: Record<string, string>;
  /** The engine's counts at plan time (information only: deploy counts from the plan file itself). */
  counts: PlanCounts;
  createdAt: string;
}

const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");
const hostArg = (spec: StackSpec) => (spec.hostName ? `${spec.hostName} ` : "");

/** `<engine> show -json PLANFILE`: the engine's own reading of a plan file. */
export function showJson(engine: Engine, planFile: string, cwd: string, env: NodeJS.ProcessEnv): any {
  const show = runEngineQuietly(engine, ["show", "-json", "-no-color", planFile], cwd, env);
  if (show.code !== 0)
    throw new CutterError(`${engine.kind} show -json ${path.basename(planFile)} failed; nothing was changed:\n${show.stderr || show.stdout}`);
  return JSON.parse(show.stdout);
}

/** Plans (the engine's plan listing, then the summary); returns the engine's reading of the plan. */
export function plan(cmd: CommandLine, spec: StackSpec, engine: Engine, env: NodeJS.ProcessEnv): any {
  const dir = stackDirectory(cmd.outputDir, spec);
  init(engine, dir, env);
  const work = makeWorkDirectory("plan");
  try {
    const planFile = path.join(work, "plan.tfplan");
    const planned = runEngineQuietly(engine, ["plan", "-input=false", "-no-color", `-lock-timeout=${cmd.lockTimeout}`, `-out=${planFile}`], dir, env);
    process.stdout.write(planDisplay(planned.output));
    mustSucceed(planned, `${engine.kind} plan`);
    const review = runEngineQuietly(engine, ["show", "-json", "-no-color", planFile], dir, env);
    if (review.code !== 0) throw new CutterError(`${engine.kind} show -json failed:\n${review.stderr}`);
    const reading = JSON.parse(review.stdout);
    let summary = renderPlanSummary(spec, reading);
    process.stdout.write("\n" + summary);
    if (cmd.out) {
      const members = {
        [MEMBER.plan]: fs.readFileSync(planFile),
        [MEMBER.config]: fs.readFileSync(path.join(dir, "cdk.tf.json")),
        [MEMBER.lock]: fs.readFileSync(path.join(dir, ".terraform.lock.hcl")),
        [MEMBER.review]: Buffer.from(review.stdout, "utf8"),
      };
      const manifest: PlanManifest = {
        format: ARCHIVE_FORMAT,
        stackName: spec.stackName,
        hostName: spec.hostName,
        source: spec.source,
        engine: { kind: engine.kind, version: engine.version },
        sha256: Object.fromEntries(Object.entries(members).map(([name, data]) => [name, sha256(data)])),
        counts: countPlan(reading),
        createdAt: new Date().toISOString(),
      };
      const archive = packArchive([
        { name: MEMBER.manifest, data: Buffer.from(JSON.stringify(manifest, null, 2) + "\n") },
        ...Object.entries(members).map(([name, data]) => ({ name, data })),
      ]);
      const out = path.resolve(cmd.out);
      fs.mkdirSync(path.dirname(out), { recursive: true, mode: 0o700 });
      writeArchive(cmd.out, out, archive);
      const digest = sha256(archive);
      summary += `Plan archive: ${cmd.out}  sha256 ${digest}\n`;
      process.stdout.write(
        `Saved the plan for ${describeStack(spec)} to ${cmd.out} (sha256 ${digest}); apply exactly this plan with:\n` +
          `  npm run deploy -- ${hostArg(spec)}--plan ${cmd.out} --sha256 ${digest}\n`,
      );
    }
    if (cmd.summary) writeArchive(cmd.summary, path.resolve(cmd.summary), Buffer.from(summary, "utf8"), "--summary");
    return reading;
  } finally {
    removeWorkDirectory(work);
  }
}

function writeArchive(given: string, target: string, data: Buffer, option = "--out"): void {
  try {
    writeFileReplacing(target, data, 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "EISDIR" || code === "ENOTEMPTY" || code === "EEXIST" ? "it is a directory" : (error as Error).message;
    throw new CutterError(`${option} ${given}: cannot write it (${why}); the plan was not saved there`);
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

/** How two engine readings of a plan differ: per resource address first (actions, values), then the rest. */
export function readingDifferences(expected: any, actual: any, limit = 8): string[] {
  const byAddress = (reading: any) =>
    new Map<string, any>((reading?.resource_changes ?? []).map((rc: any) => [`${rc.address}${rc.deposed ? ` (deposed ${rc.deposed})` : ""}`, rc]));
  const a = byAddress(expected);
  const b = byAddress(actual);
  const found: string[] = [];
  const actions = (rc: any) => (rc ? (rc.change?.actions ?? []).join("+") : "(absent)");
  for (const address of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const x = a.get(address);
    const y = b.get(address);
    if (JSON.stringify(x) === JSON.stringify(y)) continue;
    const detail = actions(x) === actions(y) ? `; ${jsonDifferences(x?.change, y?.change, 1, "change")[0] ?? "other fields differ"}` : "";
    found.push(`${address}: ${actions(x)} -> ${actions(y)}${detail}`);
    if (found.length >= limit) return found;
  }
  const rest = (reading: any) => ({ ...reading, resource_changes: undefined, timestamp: undefined });
  return [...found, ...jsonDifferences(rest(expected), rest(actual), limit - found.length)];
}

/** A quiet engine run's output, shown when it failed (the error then says "see the engine output above"). */
function echoIfFailed<T extends { code: number | null; output: string }>(result: T): T {
  if (result.code !== 0) process.stderr.write(result.output);
  return result;
}

/** The engine's reading of a plan without the moment it was made. */
const timeless = (reading: any) => ({ ...reading, timestamp: undefined });

function refuse(given: string, why: string, spec?: StackSpec, details: readonly string[] = []): never {
  const again = spec ? `\n  Plan again (npm run plan -- ${hostArg(spec)}--out FILE), review it, and deploy that plan.` : "";
  throw new CutterError(`refusing to apply ${given}: ${why}; nothing was changed.${details.map((d) => `\n    ${d}`).join("")}${again}`);
}

/** Writes a new file in a private directory; never through something already there. */
function writeNew(file: string, data: Buffer): void {
  const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o600);
  try {
    fs.writeFileSync(fd, data);
  } finally {
    fs.closeSync(fd);
  }
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Moves the errored.tfstate the engine left in deploy --plan's temporary `workDir` (it could
 * not save the state) into the recovery directory (0700; the file 0600) and returns the
 * message with the exact command that puts it back through the stack directory in the
 * output directory (the temporary one is gone by then); undefined if there is none.
 */
export function keepPlanErroredState(spec: StackSpec, workDir: string, engine: Engine, env: NodeJS.ProcessEnv, outputDir: string): string | undefined {
  const errored = path.join(workDir, "errored.tfstate");
  const st = fs.lstatSync(errored, { throwIfNoEntry: false });
  if (!st?.isFile()) return undefined;
  const dir = recoveryDirectory(spec.inputs);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
  const kept = path.join(dir, `${spec.stackName}-${stamp}-${randomBytes(2).toString("hex")}-errored.tfstate`);
  writeNew(kept, fs.readFileSync(errored));
  const vars = [
    env.TF_CLI_CONFIG_FILE ? `TF_CLI_CONFIG_FILE=${shellQuote(env.TF_CLI_CONFIG_FILE)}` : "",
    spec.inputs.stateBackend === "pg" ? `${ENGINE_PG_CONN_ENV}="$${spec.inputs.statePgConnEnv}"` : "",
  ]
    .filter(Boolean)
    .join(" ");
  const run = (args: string) => `env ${vars} ${shellQuote(engine.path)} ${args}`.replace(/ +/g, " ");
  const command = `cd ${shellQuote(stackDirectory(outputDir, spec))} && ${run("init -input=false -no-color")} && ${run(`state push ${shellQuote(kept)}`)}`;
  return (
    `The apply changed the disk, but the engine could not save the state of ${describeStack(spec)}; the newest state it knew is kept in ${kept} (0600).\n` +
    `  Do not deploy or destroy before it is back (the next run would not know what this one did). Once the state backend works again, restore it with:\n` +
    `    ${command}\n` +
    `  then plan again.`
  );
}

/**
 * For records (the audit log): the archive's sha256 and what its manifest says, read the
 * way deploy --plan reads it (a regular file under the size cap, never a blocking open,
 * never expanded past the caps); undefined for anything that is not a saved plan.
 */
export function savedPlanRecord(file: string): { sha256: string; planSha256?: string; hostName?: string } | undefined {
  let archive: Buffer;
  try {
    archive = readRegularFile(path.resolve(file), MAX_ARCHIVE_BYTES);
  } catch {
    return undefined;
  }
  const digest = sha256(archive);
  try {
    const manifest = JSON.parse(unpackArchive(archive, MEMBERS).get(MEMBER.manifest)!.toString("utf8"));
    const planSha256 = manifest?.sha256?.[MEMBER.plan];
    return {
      sha256: digest,
      planSha256: typeof planSha256 === "string" ? planSha256 : undefined,
      hostName: typeof manifest?.hostName === "string" ? manifest.hostName : undefined,
    };
  } catch {
    return { sha256: digest };
  }
}

/** A saved plan whose archive passed the checks that need neither synth nor the engine. */
export interface OpenedPlan {
  readonly given: string;
  readonly digest: string;
  readonly members: ReadonlyMap<string, Buffer>;
  readonly manifest: PlanManifest;
  readonly spec: StackSpec;
}

/**
 * Steps 1 and 2, and the manifest: run before synth, so a forged or foreign archive is
 * refused before anything is written, even to the output directory.
 */
export function openSavedPlan(cmd: CommandLine, specs: readonly StackSpec[]): OpenedPlan {
  const given = cmd.plan!;
  let archive: Buffer;
  try {
    archive = readRegularFile(path.resolve(given), MAX_ARCHIVE_BYTES);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code ? `cannot be read (${code})` : (error as Error).message;
    throw new CutterError(`--plan ${given}: ${why}; nothing was changed`);
  }
  // 1. The reviewed archive, byte for byte, before anything in it is read.
  const digest = sha256(archive);
  if (cmd.sha256 !== undefined && digest !== cmd.sha256) {
    refuse(given, `it is not the reviewed archive: its sha256 is ${digest}, the review recorded ${cmd.sha256} (--sha256)`);
  }
  // 2. Exactly the expected regular files, under the caps.
  let members: Map<string, Buffer>;
  try {
    members = unpackArchive(archive, MEMBERS);
  } catch (error) {
    if (!(error instanceof ArchiveError)) throw error;
    refuse(given, `it is not a saved plan of \`npm run plan -- --out\` (format ${ARCHIVE_FORMAT}): ${error.message}`);
  }
  const member = (name: string) => members.get(name)!;
  let manifest: PlanManifest;
  try {
    manifest = JSON.parse(member(MEMBER.manifest).toString("utf8"));
  } catch {
    refuse(given, `its ${MEMBER.manifest} is not JSON`);
  }
  if (manifest?.format !== ARCHIVE_FORMAT) refuse(given, `it is not a saved plan of \`npm run plan -- --out\` (no ${ARCHIVE_FORMAT} manifest)`);
  if (cmd.host !== undefined && cmd.host !== manifest.hostName) {
    refuse(given, `it is the plan of ${manifest.hostName ? `host ${manifest.hostName}` : "the stack from environment variables"}, not of host ${cmd.host}`);
  }
  const spec = selectStack(specs, manifest.hostName);
  if (spec.stackName !== manifest.stackName) refuse(given, `it was made for stack ${manifest.stackName}, the inputs now give ${spec.stackName}`);
  for (const name of MEMBERS.filter((n) => n !== MEMBER.manifest)) {
    if (manifest.sha256?.[name] !== sha256(member(name))) refuse(given, `its ${name} does not match its manifest (the archive was altered)`);
  }
  return { given, digest, members, manifest, spec };
}

export function deploySavedPlan(cmd: CommandLine, opened: OpenedPlan, engine: Engine, env: NodeJS.ProcessEnv): void {
  const { given, digest, members, manifest, spec } = opened;
  const member = (name: string) => members.get(name)!;
  if (manifest.engine?.kind !== engine.kind || manifest.engine?.version !== engine.version) {
    refuse(
      given,
      `it was made with ${manifest.engine?.kind} ${manifest.engine?.version}, this is ${engine.kind} ${engine.version}; plan again with this engine`,
    );
  }
  const stackEnv = engineEnvironment(spec, env);
  if (cmd.sha256 === undefined) {
    process.stdout.write(
      `No --sha256 given: ${given} (sha256 ${digest}) is checked against the code, the configuration and the state now, but not tied to a review.\n`,
    );
  }

  // 3. One configuration: synthesized now = archived = inside the engine's plan file.
  const current = fs.readFileSync(path.join(stackDirectory(cmd.outputDir, spec), "cdk.tf.json"));
  const differences = (a: Buffer, b: Buffer) => {
    try {
      return jsonDifferences(JSON.parse(a.toString("utf8")), JSON.parse(b.toString("utf8")));
    } catch {
      return ["(not JSON)"];
    }
  };
  if (!member(MEMBER.config).equals(current)) {
    throw new CutterError(
      `refusing to apply ${given}: the code or the inputs changed since the plan was made, so it is not the reviewed plan; nothing was changed.\n` +
        `  The configuration synthesized now differs from the planned one (planned -> now):\n` +
        differences(member(MEMBER.config), current)
          .map((d) => `    ${d}`)
          .join("\n") +
        `\n  Plan again (npm run plan -- ${hostArg(spec)}--out FILE), review it, and deploy that plan.`,
    );
  }
  let inside: Map<string, Buffer>;
  try {
    inside = readZip(member(MEMBER.plan), PLAN_FILE_MEMBERS, MAX_MEMBER_BYTES, MAX_EXPANDED_BYTES);
  } catch (error) {
    if (!(error instanceof ArchiveError)) throw error;
    refuse(given, `its engine plan file is not the plan of a cutter stack: ${error.message}`, spec);
  }
  for (const required of ["tfplan", "tfstate", "tfconfig/modules.json", "tfconfig/m-/cdk.tf.json", ".terraform.lock.hcl"]) {
    if (!inside.has(required)) refuse(given, `its engine plan file lacks ${required}`, spec);
  }
  const plannedConfig = inside.get("tfconfig/m-/cdk.tf.json")!;
  if (!plannedConfig.equals(current)) {
    refuse(
      given,
      "the engine's plan file holds another configuration than the one synthesized now (the engine applies the configuration inside its plan file; synthesized -> in the plan file)",
      spec,
      differences(current, plannedConfig),
    );
  }
  let modules: unknown;
  try {
    modules = JSON.parse(inside.get("tfconfig/modules.json")!.toString("utf8"));
  } catch {
    modules = undefined;
  }
  if (!isRootModuleOnly(modules)) refuse(given, "the engine's plan file has modules besides the root module", spec);
  if (!inside.get(".terraform.lock.hcl")!.equals(member(MEMBER.lock)))
    refuse(given, "the engine's plan file pins other providers than the archived lock file", spec);

  // 4. A whole, normal plan of that configuration, for this stack's own state.
  let facts;
  try {
    facts = planFacts(inside.get("tfplan")!);
  } catch (error) {
    if (!(error instanceof ArchiveError)) throw error;
    refuse(given, `its engine plan file is damaged: ${error.message}`, spec);
  }
  if (facts.mode !== "normal") refuse(given, `it is a ${facts.mode} plan; deploy applies only normal plans (npm run destroy is the rollback)`, spec);
  if (facts.errored) refuse(given, "the engine marked the plan as errored", spec);
  if (facts.narrowing.length > 0)
    refuse(given, `the plan is narrowed or parameterised (${facts.narrowing.join(", ")}); cutter plans the whole configuration`, spec);
  if (facts.engineVersion !== engine.version)
    refuse(given, `the engine's plan file was made by version ${facts.engineVersion || "(none)"}, this is ${engine.version}`, spec);
  const synthesizedBackend = JSON.parse(current.toString("utf8"))?.terraform?.backend;
  const backendProblems = backendDifferences(facts, synthesizedBackend);
  if (backendProblems.length > 0) refuse(given, "the plan is for another state than the one synthesized now", spec, backendProblems);

  const work = makeWorkDirectory("deploy");
  try {
    const stackDir = path.join(work, "stack");
    fs.mkdirSync(stackDir, { mode: 0o700 });
    writeNew(path.join(stackDir, "cdk.tf.json"), current);
    writeNew(path.join(stackDir, ".terraform.lock.hcl"), member(MEMBER.lock));
    const planFile = path.join(work, "plan.tfplan");
    writeNew(planFile, member(MEMBER.plan));
    init(engine, stackDir, stackEnv);

    // 5. The engine's reading of the plan file is the review record.
    const saved = showJson(engine, planFile, stackDir, stackEnv);
    let reviewed: any;
    try {
      reviewed = JSON.parse(member(MEMBER.review).toString("utf8"));
    } catch {
      refuse(given, `its ${MEMBER.review} is not JSON`, spec);
    }
    if (JSON.stringify(saved) !== JSON.stringify(reviewed)) {
      refuse(
        given,
        `the engine reads its plan file differently from the review record (${MEMBER.review}) the summary was made from (reviewed -> plan file)`,
        spec,
        readingDifferences(reviewed, saved),
      );
    }

    // 6. Made from the current state, and what the reviewed code would do now.
    let planned: { lineage?: unknown; serial?: unknown };
    try {
      planned = JSON.parse(inside.get("tfstate")!.toString("utf8"));
    } catch {
      refuse(given, "its engine plan file's prior state (tfstate) is not a state", spec);
    }
    const pulled = runEngineQuietly(engine, ["state", "pull"], stackDir, stackEnv);
    mustSucceed(echoIfFailed(pulled), `${engine.kind} state pull`);
    const now = pulled.stdout.trim() === "" ? { lineage: "", serial: 0 } : JSON.parse(pulled.stdout);
    if (now.lineage !== planned.lineage || now.serial !== planned.serial) {
      throw new CutterError(
        `refusing to apply ${given}: the state changed since the plan was made (another deploy, or a change out of band: serial ${planned.serial} then, ${now.serial} now), so the plan is stale; nothing was changed.\n` +
          `  Plan again (npm run plan -- ${hostArg(spec)}--out FILE), review it, and deploy that plan.`,
      );
    }
    const freshFile = path.join(work, "now.tfplan");
    mustSucceed(
      echoIfFailed(
        runEngineQuietly(engine, ["plan", "-input=false", "-no-color", `-lock-timeout=${cmd.lockTimeout}`, `-out=${freshFile}`], stackDir, stackEnv),
      ),
      `${engine.kind} plan (the check of the saved plan against now)`,
    );
    const fresh = showJson(engine, freshFile, stackDir, stackEnv);
    if (JSON.stringify(timeless(saved)) !== JSON.stringify(timeless(fresh))) {
      refuse(
        given,
        "it does not do what the configuration synthesized now does with the current state and tree (the tree changed since the plan, or the plan file was not made by the engine from this configuration; saved plan -> a plan made now)",
        spec,
        readingDifferences(saved, fresh),
      );
    }

    // 7. The state write at the end of the apply will be accepted.
    checkStateWritable(engine, spec, stackDir, stackEnv);

    const counts = countPlan(saved);
    process.stdout.write(
      `Applying the saved plan ${given} for ${describeStack(spec)} (made ${manifest.createdAt}): ${counts.add} to add, ${counts.change} to change, ${counts.destroy} to destroy (the engine's reading of the plan file).\n`,
    );
    const applied = applyPlanFile(engine, planFile, stackDir, stackEnv, cmd.lockTimeout);
    if (applied.code === 0) {
      process.stdout.write(`\n${renderPlanSummary(spec, saved, { done: true })}`);
      return;
    }
    const kept = keepPlanErroredState(spec, stackDir, engine, env, cmd.outputDir);
    if (kept)
      throw new CutterError(
        `${engine.kind} apply of the saved plan failed (exit ${applied.code}); see the engine output above.${stateFailureHint(applied.output)}\n${kept}`,
      );
    if (/Saved plan is stale/.test(applied.output)) {
      throw new CutterError(
        `refusing to apply ${given}: the state changed since the plan was made (another deploy, or a change out of band), so the engine rejected the plan as stale; nothing was changed.\n` +
          `  Plan again (npm run plan -- ${hostArg(spec)}--out FILE), review it, and deploy that plan.`,
      );
    }
    if (applied.reasons.length > 0)
      throw new CutterError(
        `deploy of the saved plan ${given} for ${describeStack(spec)} stopped by the step above (exit ${applied.code}); plan again once that is dealt with.`,
      );
    mustSucceed(applied, `${engine.kind} apply of the saved plan`);
  } finally {
    removeWorkDirectory(work);
  }
}
