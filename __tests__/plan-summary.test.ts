/**
 * The reviewer's summary of real plans: it lists exactly the paths a plan creates
 * (or removes), with owner:group, mode and content hash, and says what else is touched.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { DIRECTORIES_PER_RESOURCE, resolveLayout, readRuntimeInputs } from "../constructs";
import { expectedTree } from "../cli/expected-tree";
import { PlanJson, planJsonOf, summarizePlan, writeSetOf } from "../cli/plan-summary";
import { REPO, TempHost, expectSuccess, run } from "./support/harness";
import { cutter } from "./support/operator";
import { Victims } from "./support/safety";

/** The `+`/`-`/`~` lines of a summary: sign and path. */
function listed(summary: string, sign: string): string[] {
  return summary
    .split("\n")
    .filter((l) => l.startsWith(`    ${sign} `))
    .map((l) => l.slice(6).split(/\s+/)[0])
    .sort();
}

describe("plan summary", () => {
  let host: TempHost;
  let layout: ReturnType<typeof resolveLayout>;
  before(() => {
    host = new TempHost();
    layout = resolveLayout(host.root);
    expectSuccess(host.synth(), "synth");
  });
  after(() => host.dispose());

  test("a first plan: exactly the root, the layout's directories and the 2 files are created, with owner, mode and hash", () => {
    const plan = planJsonOf(host.stackDir, host.env());
    const summary = summarizePlan(plan);
    const expectedDirs = [host.root, ...layout.directories.map((d) => d.path)].sort();
    assert.deepEqual(listed(summary, "+"), [...expectedDirs, layout.configPath, layout.readmePath].sort());
    assert.deepEqual(listed(summary, "-"), []);
    assert.deepEqual(listed(summary, "~"), []);
    // A first plan warns nothing: a path the ownership records never named is not there yet, which is no drift.
    const failed = (plan.checks ?? []).filter((c: any) => c.status === "fail");
    assert.equal(failed.length, 0, JSON.stringify(failed.map((c: any) => c.address)));
    for (const d of expectedDirs) assert.match(summary, new RegExp(`\\+ ${d} +root:root 0750\\n`));
    const tree = expectedTree(readRuntimeInputs({ CUTTER_RUNTIME_ROOT: host.root, CUTTER_STATE_PATH: host.statePath }));
    assert.match(summary, new RegExp(`\\+ ${layout.configPath} +root:root 0640  sha256 ${tree.config.sha256}\\n`));
    assert.match(summary, new RegExp(`\\+ ${layout.readmePath} +root:root 0640  sha256 ${tree.readme.sha256}\\n`));
    assert.match(summary, /^ {2}secrets\/DB\/services touched: none /m);
    assert.doesNotMatch(summary, /drift observed/, "missing paths of a first deploy are not reported as drift");
    // The root, one resource per 64 subdirectories; one write guard + 2 writes + one owner/mode step for both files;
    // one destroy guard (carrying the survey); one tree remover.
    const resources = 1 + Math.ceil(layout.directories.length / DIRECTORIES_PER_RESOURCE) + 1 + 2 + 1 + 1 + 1;
    assert.match(summary, new RegExp(`engine plan: ${resources} to add, 0 to change, 0 to destroy`));
    assert.match(summary, /safety checks \(write nothing; .*\): 3\n/);
    assert.equal(fs.existsSync(host.root), false, "planning created nothing");
  });

  test("the CLI prints the same summary for a stack dir, and for a saved plan's JSON", () => {
    const cli = path.join(REPO, "dist", "cli", "plan-summary.js");
    const direct = run("node", [cli, host.stackDir], { env: host.env() });
    assert.equal(direct.code, 0, direct.output);
    assert.deepEqual(listed(direct.stdout, "+").length, 10);
    const json = path.join(host.dir, "plan.json");
    fs.writeFileSync(json, JSON.stringify(planJsonOf(host.stackDir, host.env())));
    const fromJson = run("node", [cli, "--plan-json", json], { env: host.env() });
    assert.equal(fromJson.code, 0, fromJson.output);
    assert.equal(fromJson.stdout, direct.stdout);
    const missing = run("node", [cli, path.join(host.dir, "nope")], { env: host.env() });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /holds no cdk\.tf\.json: synthesize first/);
  });

  test("after deploy: no writes; a destroy plan lists exactly what destroy removes", () => {
    expectSuccess(host.cdktf("deploy"), "deploy");
    assert.match(summarizePlan(planJsonOf(host.stackDir, host.env())), /no writes: the tree matches the configuration/);
    const planFile = path.join(host.dir, "destroy.plan");
    expectSuccess(host.engine(["plan", "-destroy", "-input=false", `-out=${planFile}`]), "destroy plan");
    const plan = JSON.parse(expectSuccess(host.engine(["show", "-json", planFile]), "show").stdout) as PlanJson;
    const summary = summarizePlan(plan);
    assert.deepEqual(listed(summary, "-"), [host.root, ...layout.directories.map((d) => d.path), layout.configPath, layout.readmePath].sort());
    assert.deepEqual(listed(summary, "+"), []);
    assert.match(summary, /directories to remove \(only while empty; a directory holding data stops destroy\) \(8\)/);
  });

  test("a change outside the runtime tree's resources is flagged for review (pure function)", () => {
    const plan: PlanJson = {
      resource_changes: [
        { address: "postgresql_role.exec", mode: "managed", type: "postgresql_role", change: { actions: ["create"], before: null, after: { name: "exec" } } },
        { address: "local_file.x", mode: "managed", type: "local_file", change: { actions: ["no-op"], before: {}, after: {} } },
      ],
    };
    const w = writeSetOf(plan);
    assert.deepEqual(w.other, ["postgresql_role.exec (create)"]);
    const summary = summarizePlan(plan);
    assert.match(
      summary,
      /secrets\/DB\/services touched: REVIEW: 1 change\(s\) outside the runtime tree's directories and files:\n {4}\? postgresql_role\.exec \(create\)/,
    );
    assert.doesNotMatch(summary, /touched: none/);
  });
});

describe("plan summary: every deletion the engine plans (issue 16 item 14)", () => {
  let host: TempHost;
  let victims: Victims;
  let oldLayout: ReturnType<typeof resolveLayout>;
  before(() => {
    host = new TempHost();
    victims = new Victims();
    oldLayout = resolveLayout(host.root);
    expectSuccess(cutter(host, ["deploy"]), "deploy at the first root");
  });
  after(() => {
    host.dispose();
    victims.dispose();
  });

  test("the state pointed at a new root: the old config and README the engine deletes are listed from `before`, and flagged for review", () => {
    const newRoot = path.join(host.dir, "cutter-moved");
    const planned = expectSuccess(cutter(host, ["plan"], { CUTTER_RUNTIME_ROOT: newRoot }), "plan at a new root with the old state");
    const removed = listed(planned.output, "-");
    assert.deepEqual(removed, [oldLayout.configPath, oldLayout.readmePath].sort(), "both old files, by their old names");
    for (const p of removed) assert.match(planned.output, new RegExp(`- ${p} +root:root 0640  \\(outside the runtime root ${newRoot}\\)`));
    assert.match(
      planned.output,
      new RegExp(`secrets/DB/services touched: REVIEW: 2 change\\(s\\) outside the runtime tree's directories and files \\(root ${newRoot}\\):`),
    );
    assert.doesNotMatch(planned.output, /touched: none/);
    // The directories of the old root are left in place (the engine runs no removal for a replaced chunk).
    assert.ok(listed(planned.output, "=").includes(host.root));
  });

  test("own attack: a state edited so that a deploy deletes a file outside the tree: the summary names that file under removals and REVIEW", () => {
    const state = JSON.parse(fs.readFileSync(host.statePath, "utf8"));
    const readme = state.resources.find((r: any) => r.type === "local_file" && r.instances[0].attributes.filename === oldLayout.readmePath);
    // The provider keeps a file in state while its content hash matches the id: the attacker sets both.
    readme.instances[0].attributes.filename = victims.file;
    readme.instances[0].attributes.id = createHash("sha1").update(fs.readFileSync(victims.file)).digest("hex");
    fs.writeFileSync(host.statePath, JSON.stringify(state));
    const planned = expectSuccess(cutter(host, ["plan"]), "plan over the edited state");
    assert.ok(listed(planned.output, "-").includes(victims.file), planned.output.slice(-3000));
    // Its owner is not the stack's to know; the mode is what the edited state claims.
    assert.match(planned.output, new RegExp(`- ${victims.file} +\\?:\\? 0640  \\(outside the runtime root ${host.root}\\)`));
    assert.match(
      planned.output,
      new RegExp(
        `REVIEW: 1 change\\(s\\) outside the runtime tree's directories and files \\(root ${host.root}\\):\\n {4}\\? ${victims.file} \\(written or removed outside the runtime root\\)`,
      ),
    );
    victims.assertUntouched();
  });
});
