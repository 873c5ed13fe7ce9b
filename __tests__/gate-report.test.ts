/**
 * The gate report (`verify --markdown`, `--json`) against real deploys:
 * - a fresh `npm run deploy`: the report matches the golden file section by section
 *   (variable parts masked), --json carries the same facts, a re-deploy keeps the
 *   survey and a no-op plan stays at 0 changes;
 * - the audit log after deploy, a refused destroy and destroy; what remains outside
 *   the tree is listed; the report's rollback command, run as printed, rolls back;
 * - a host-file stack deployed from a saved plan: the report names the host file and
 *   the plan's digest, and its rollback (`npm run destroy -- HOST`) works as printed;
 * - a pre-existing root adopted by an apply outside the npm commands: the survey has
 *   its owner and mode then, and the report says the apply is not in the audit log.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { CUTTER_LAYOUT, DB_ENV_NAMES } from "../constructs";
import * as pins from "../pins/engine-pins.json";
import { REPO, RunResult, TempHost, engineEnv, engineInfo, expectSuccess, planCounts, run } from "./support/harness";
import { TempHosts, cutter } from "./support/operator";
import { engineRun, synthesizedAddresses } from "./support/safety";
import { verify } from "./support/tools";

const GOLDEN = path.join(REPO, "__tests__", "golden", "gate-report.fresh-deploy.md");
const REFERENCE = "macro: v0.6-o8e-pre-production-hardening-bundle · KB-7675";
const ENV_NAMES: readonly string[] = Object.values(DB_ENV_NAMES);
/** A value per name, planted to prove none ever reaches a report or the audit log. */
const planted = (name: string) => `planted-${createHash("sha256").update(name).digest("hex").slice(0, 12)}`;

/** `npm run <verb> -- ARGS` as an operator runs it (through cli/with-engine.sh), for `host`. */
function npm(host: TempHost, verb: string, args: string[] = []): RunResult {
  return run("npm", ["run", "-s", verb, "--", ...args, "--output", host.outDir], { env: host.env() });
}

/** Replaces what differs between runs: paths, times, digests, versions, the machine. */
function mask(text: string, dir: string): string {
  const machine = os.hostname();
  return text
    .split(REPO)
    .join("<REPO>")
    .split(dir)
    .join("<TMP>")
    .split(`host: ${machine} (`)
    .join("host: <MACHINE> (")
    .split(`@${machine})`)
    .join("@<MACHINE>)")
    .replace(/\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z\b/g, "<TIME>")
    .replace(/\b[0-9a-f]{64}\b/g, "<SHA256>")
    .replace(/\b[0-9a-f]{40}\b/g, "<COMMIT>")
    .replace(/\(at deploy, (clean|with uncommitted changes)\)/g, "(at deploy, <CLEAN-OR-NOT>)")
    .replace(/engine (terraform|tofu) \d+\.\d+\.\d+/g, "engine <ENGINE> <VERSION>")
    .replace(/provider hashicorp\/local \d+\.\d+\.\d+/g, "provider hashicorp/local <VERSION>")
    .replace(/serial \d+/g, "serial <N>");
}

/** The report cut into its header and its sections, by `## ` heading. */
function sections(markdown: string): Map<string, string> {
  const parts = markdown.split(/^(?=## )/m);
  return new Map(parts.map((p, i) => [i === 0 ? "(header)" : p.split("\n")[0], p]));
}

function stateOf(host: TempHost): any {
  return JSON.parse(fs.readFileSync(host.statePath, "utf8"));
}

function auditEntries(file: string): any[] {
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

describe("gate report: a fresh npm run deploy", () => {
  let host: TempHost;
  let envFile: string;
  let auditLog: string;
  let report: string;
  const at = (name: string) => path.join(host.root, name);

  before(() => {
    host = new TempHost();
    envFile = path.join(host.dir, "secrets.env");
    fs.writeFileSync(envFile, ENV_NAMES.map((n) => `${n}=${planted(n)}\n`).join(""), { mode: 0o600 });
    host.inputs.CUTTER_ENV_FILE = envFile;
    host.inputs.CUTTER_REPORT_REFERENCE = REFERENCE;
    auditLog = `${host.statePath}.audit.jsonl`;
    expectSuccess(npm(host, "deploy"), "npm run deploy");
    const file = path.join(host.dir, "gate-report.md");
    const v = verify(host, ["--markdown", file]);
    assert.equal(v.code, 0, v.output);
    report = fs.readFileSync(file, "utf8");
  });
  after(() => host.dispose());

  test("the Markdown report matches the golden file, section by section (variable parts masked)", () => {
    const masked = mask(report, host.dir);
    if (process.env.CUTTER_UPDATE_GOLDEN === "1") fs.writeFileSync(GOLDEN, masked);
    const golden = sections(fs.readFileSync(GOLDEN, "utf8"));
    const actual = sections(masked);
    assert.deepEqual([...actual.keys()], [...golden.keys()], "the same sections, in the same order");
    for (const [title, text] of golden) assert.equal(actual.get(title), text, `section ${title} differs from ${GOLDEN}`);
    for (const name of ENV_NAMES) assert.ok(!report.includes(planted(name)), `no value of ${name} in the report`);
  });

  test("--json carries the same facts as data, tied to what was applied", () => {
    const v = verify(host, ["--json"]);
    assert.equal(v.code, 0, v.output);
    const { gate } = JSON.parse(v.stdout);
    const state = stateOf(host);
    assert.equal(gate.result, "G2 PASS — GAP5 CLOSED (filesystem-only, non-sensitive, reversible)");
    assert.equal(gate.reference, REFERENCE);
    assert.deepEqual(gate.stack, { name: "cutter-runtime", source: "environment" });
    assert.equal(gate.machine, os.hostname());
    assert.equal(gate.reviewed.state.serial, state.serial);
    assert.equal(gate.reviewed.state.engineVersion, state.terraform_version);
    assert.equal(gate.reviewed.engine, `${engineInfo().engine.kind} ${engineInfo().engine.version}`);
    assert.deepEqual(gate.reviewed.providers, { "hashicorp/local": pins.providers.local.version });
    assert.equal(gate.reviewed.commit.id, run("git", ["-C", REPO, "rev-parse", "HEAD"], { env: process.env }).stdout.trim());
    assert.equal(gate.reviewed.appliedBy.via, "npm run deploy");
    assert.equal(gate.survey.found, true);
    assert.deepEqual(gate.envWiring.defined, [...ENV_NAMES]);
    assert.equal(gate.verdict.g2, "PASS");
    for (const line of [gate.changes.rollback, gate.changes.dbTouched, gate.verdict.gap5RuntimeDirs, gate.tree.verified, ...gate.survey.lines]) {
      assert.ok(report.includes(line), `the report says what --json says: ${line}`);
    }
    for (const name of ENV_NAMES) assert.ok(!v.stdout.includes(planted(name)), name);
  });

  test("a re-deploy keeps the survey byte for byte; a no-op plan stays at 0 changes", () => {
    const survey = path.join(`${host.statePath}.ownership`, "survey");
    const before = fs.readFileSync(survey);
    assert.match(before.toString(), /^cutter-runtime-survey 1\nrecorded_at \S+\nroot \S+\ntruncated 0\n$/, "on a fresh root nothing existed: no observed line");
    const again = expectSuccess(npm(host, "deploy"), "second npm run deploy");
    assert.match(again.output, /: 0 added, 0 changed, 0 destroyed\. Nothing to apply/);
    assert.deepEqual(fs.readFileSync(survey), before);
    assert.deepEqual(planCounts(expectSuccess(cutter(host, ["plan"]), "plan").output), { add: 0, change: 0, destroy: 0 });
  });

  test("audit log: deploy, refused destroy, destroy; what remains is listed; the report's rollback, run as printed, rolls back", () => {
    // A refused destroy: data in the tree.
    fs.writeFileSync(at("runs/state.json"), "{}\n");
    const refused = cutter(host, ["destroy", "--auto-approve"]);
    assert.equal(refused.code, 1, refused.output);
    assert.equal(fs.existsSync(at("runs/state.json")), true);
    assert.equal(fs.existsSync(path.join(`${host.statePath}.ownership`, "survey")), true, "a refused destroy keeps the survey");
    const file = path.join(host.dir, "after-refusal.md");
    assert.equal(verify(host, ["--allow-data", "--markdown", file]).code, 0);
    const cited = fs.readFileSync(file, "utf8");
    assert.match(cited, /^Audit log: .*, last entry: \S+ destroy by `node dist\/cli\/cutter\.js destroy` → refused \(kept .*runs: holds 1 entry\)\.$/m);
    fs.rmSync(at("runs/state.json"));

    // The rollback exactly as the report prints it, in a shell with none of the inputs set.
    const rollback = /^rollback: (.*)$/m.exec(report)![1];
    const env = engineEnv();
    for (const key of Object.keys(env)) if (key.startsWith("CUTTER_") && !["CUTTER_CACHE_DIR", "CUTTER_ENGINE_PATH"].includes(key)) delete env[key];
    // Only the output directory is added (the test's own, not the repository's cdktf.out).
    const destroyed = run("bash", ["-c", `${rollback} --output ${host.outDir}`], { env });
    assert.equal(destroyed.code, 0, destroyed.output.slice(-3000));
    assert.equal(fs.existsSync(host.root), false, "the rollback removed the tree");

    // What remains outside the tree, and how to remove it.
    assert.match(destroyed.stdout, /^Destroy complete: the tree is removed\. Outside the tree, these remain \(none is needed to deploy again\):$/m);
    assert.ok(
      destroyed.stdout.includes(
        `  state:     ${host.statePath}, ${host.statePath}.backup (no resources left)\n             remove: rm -f ${host.statePath} ${host.statePath}.backup`,
      ),
      destroyed.stdout,
    );
    assert.ok(
      destroyed.stdout.includes(`  records:   ${host.statePath}.ownership (empty)\n             remove: rmdir ${host.statePath}.ownership`),
      "the survey went with the records",
    );
    assert.ok(
      destroyed.stdout.includes(`  audit log: ${auditLog} (4 entries of this stack: the trail; keep or archive it)\n             remove: rm -f ${auditLog}`),
    );
    assert.deepEqual(fs.readdirSync(`${host.statePath}.ownership`), []);

    const entries = auditEntries(auditLog);
    const resources = synthesizedAddresses(host).length;
    assert.deepEqual(
      entries.map((e) => [e.command, e.via, e.result, e.counts.add, e.counts.destroy]),
      [
        ["deploy", "npm run deploy", "applied", resources, 0],
        ["deploy", "npm run deploy", "applied", 0, 0],
        ["destroy", "node dist/cli/cutter.js destroy", "refused", 0, 0],
        ["destroy", "npm run destroy", "applied", 0, resources],
      ],
    );
    const [first, , refusal, last] = entries;
    assert.equal(first.format, "cutter-runtime-audit/1");
    assert.equal(first.stack, "cutter-runtime");
    assert.equal(first.root, host.root);
    assert.equal(first.user, "root");
    assert.equal(first.host, os.hostname());
    assert.deepEqual(first.engine, { kind: engineInfo().engine.kind, version: engineInfo().engine.version });
    assert.equal(first.state.location, host.statePath);
    assert.ok(refusal.reasons.includes(`kept ${at("runs")}: holds 1 entry`), JSON.stringify(refusal.reasons));
    assert.ok(
      refusal.reasons.some((r: string) => r.startsWith("destroy stopped before removing anything")),
      JSON.stringify(refusal.reasons),
    );
    assert.deepEqual(last.reasons, []);
    assert.equal(last.state.serial, stateOf(host).serial);
    assert.equal(fs.statSync(auditLog).mode & 0o7777, 0o600);
    const text = fs.readFileSync(auditLog, "utf8");
    for (const name of ENV_NAMES) assert.ok(!text.includes(planted(name)), `no value of ${name} in the audit log`);
  });

  test("after the rollback the report says the tree is not in place, and cites the destroy", () => {
    const file = path.join(host.dir, "after-destroy.md");
    assert.equal(verify(host, ["--markdown", file]).code, 1);
    const md = fs.readFileSync(file, "utf8");
    for (const line of [
      `- ${host.root}: not in place; nothing surveyed yet (the first \`npm run deploy\` records the survey)`,
      `Not applied: ${host.root} is not in place. The layout \`npm run deploy\` creates:`,
      "created_dirs: none (the tree is not in place)",
      "— nothing to roll back: the tree is not in place.",
      "g2: FAIL",
    ]) {
      assert.ok(md.split("\n").includes(line), `report line: ${line}\n${md}`);
    }
    // Every managed path is missing: the root, its directories, the config and the README.
    const missing = CUTTER_LAYOUT.subdirectories.length + 3;
    assert.ok(md.includes(`- result: G2 FAIL — GAP5 OPEN (runtime dirs, config; ${missing} problem(s), listed under Problems)`), md);
    assert.match(md, /^Audit log: .*, last entry: \S+ destroy by `npm run destroy` → applied\.$/m);
  });
});

describe("gate report: a host-file stack deployed from a saved plan", () => {
  let hosts: TempHosts;
  before(() => {
    hosts = new TempHosts();
    hosts.writeLocalHost("alpha", { envFile: "/nonexistent/cutter.env" });
  });
  after(() => hosts.dispose());

  test("the report names the host file and stack, the saved plan's digest and how it was applied; its rollback works as printed", () => {
    const planFile = path.join(hosts.dir, "alpha.tgz");
    expectSuccess(hosts.cutter(["plan", "alpha", "--out", planFile]), "plan --out");
    expectSuccess(hosts.cutter(["deploy", "--plan", planFile]), "deploy --plan");
    const file = path.join(hosts.dir, "alpha.md");
    const v = run("node", [path.join(REPO, "dist", "cli", "verify.js"), "alpha", "--markdown", file], { env: hosts.env() });
    assert.equal(v.code, 0, v.output);
    const md = fs.readFileSync(file, "utf8");
    const hostFile = path.join(hosts.hostsDir, "alpha.json");
    const digest = createHash("sha256").update(fs.readFileSync(planFile)).digest("hex");
    assert.ok(md.includes(`· host: ${os.hostname()} (host file ${hostFile}, stack cutter-runtime-alpha)`), md);
    assert.match(md, new RegExp(`· saved plan ${planFile} \\(archive sha256 ${digest}, plan sha256 [0-9a-f]{64}\\)`));
    assert.match(
      md,
      /^Created with install -d -o root -g root -m 0750 \(empty directories only\), by `node dist\/cli\/cutter\.js deploy --plan` \(audit log: /m,
    );
    assert.match(md, /^- env_wiring: WARN /m, "a missing env file is a warning");
    assert.match(md, /^g2: PASS$/m);
    const rollback = /^rollback: (.*)$/m.exec(md)![1];
    assert.equal(
      rollback,
      `cd ${REPO} && CUTTER_HOSTS_DIR=${hosts.hostsDir} npm run destroy -- alpha --auto-approve`,
      "only what selects the host: no per-host variable (a host-file stack refuses them)",
    );
    const env = engineEnv();
    delete env.CUTTER_HOSTS_DIR;
    const destroyed = run("bash", ["-c", `${rollback} --output ${hosts.outDir}`], { env });
    assert.equal(destroyed.code, 0, destroyed.output.slice(-3000));
    assert.equal(fs.existsSync(hosts.rootOf("alpha")), false);
  });
});

describe("gate report: a pre-existing root, refused then adopted by an apply outside the npm commands", () => {
  let host: TempHost;
  before(() => {
    host = new TempHost();
    fs.mkdirSync(host.root, { mode: 0o755 });
    fs.chmodSync(host.root, 0o755);
    fs.chownSync(host.root, 1, 1); // daemon:daemon
  });
  after(() => host.dispose());

  test("a refused deploy records no survey; the adopting apply records the root's owner and mode before it; the report says the apply is not audited", () => {
    const refused = engineRun(host, "apply");
    assert.notEqual(refused.code, 0, "an existing root without adoption is refused");
    const survey = path.join(`${host.statePath}.ownership`, "survey");
    assert.equal(fs.existsSync(survey), false, "a refused deploy records no survey");
    expectSuccess(engineRun(host, "apply", { CUTTER_ADOPT_EXISTING: "1" }), "apply with adoption");
    assert.ok(fs.readFileSync(survey, "utf8").includes(`observed S|${host.root}|directory|daemon|daemon|755|`));
    const file = path.join(host.dir, "adopted.md");
    const v = verify(host, ["--markdown", file], { CUTTER_ADOPT_EXISTING: "1" });
    assert.equal(v.code, 0, v.output);
    const md = fs.readFileSync(file, "utf8");
    const names = CUTTER_LAYOUT.subdirectories.map((d) => d.name).join(",");
    for (const line of [
      `- ${host.root}: EXISTED before this gate (directory daemon:daemon 0755), adopted: owner and mode managed since; destroy leaves it in place`,
      `- ${host.root}/{${names}}, orchestrator.config.json, README.md: did not exist`,
      "Created with install -d -o root -g root -m 0750 (empty directories only), by a command the audit log does not record (`cdktf deploy`, or the engine by hand: only `npm run deploy|destroy` write the audit log):",
      `created_dirs: ${host.root}/{${names}}`,
      `adopted_dirs: ${host.root} (existed before; destroy leaves them in place)`,
      `gap5_runtime_dirs: CLOSED — ${CUTTER_LAYOUT.subdirectories.length} dirs created, root:root 0750, empty`,
    ]) {
      assert.ok(md.split("\n").includes(line), `report line: ${line}\n${md}`);
    }
    assert.match(md, /^- WARN audit log .*: the state \(serial \d+\) changed after the last audited command: applied outside `npm run deploy\|destroy`/m);
  });
});
