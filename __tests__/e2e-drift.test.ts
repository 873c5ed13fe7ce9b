/**
 * Drift through the real engine: every kind is caused by hand on one deployed host,
 * shown in `cdktf plan`, repaired by ONE `cdktf deploy`, after which the plan has
 * 0 changes, verify passes and the data inside the drifted directories is intact.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { resolveLayout, readRuntimeInputs } from "../constructs";
import { expectedTree } from "../cli/expected-tree";
import { planJsonOf, writeSetOf } from "../cli/plan-summary";
import { TempHost, expectSuccess, planCounts, snapshot } from "./support/harness";
import { flat, verify } from "./support/tools";

describe("drift: shown in the plan, repaired by one deploy, then 0 changes", () => {
  let host: TempHost;
  let layout: ReturnType<typeof resolveLayout>;
  const at = (name: string) => path.join(host.root, name);
  let dataBefore: ReturnType<typeof snapshot>;
  let inodes: Map<string, number>;

  before(() => {
    host = new TempHost();
    layout = resolveLayout(host.root);
    expectSuccess(host.cdktf("deploy"), "first deploy");
  });
  after(() => host.dispose());

  test("a fresh tree verifies PASS and plans 0 changes without warnings", () => {
    const v = verify(host);
    assert.equal(v.code, 0, v.output);
    assert.match(v.stdout, /^PASS$/m);
    const plan = expectSuccess(host.cdktf("plan"), "plan");
    assert.deepEqual(planCounts(plan.output), { add: 0, change: 0, destroy: 0 });
    assert.doesNotMatch(plan.output, /drift observed/);
  });

  test("five kinds at once (dir mode, owner/group, missing dir, config mode, README content) are each named in the plan", () => {
    // Data in the directories whose mode and owner drift: it must survive the repair byte for byte.
    fs.mkdirSync(at("runs/run-1/kb"), { recursive: true });
    fs.writeFileSync(at("runs/run-1/state.json"), '{"run":1,"step":"cut"}\n');
    fs.mkdirSync(at("approvals/sg1"));
    fs.writeFileSync(at("approvals/sg1/package.json"), '{"approved":false}\n', { mode: 0o600 });
    dataBefore = [...snapshot(at("runs")), ...snapshot(at("approvals"))];
    inodes = new Map([at("runs"), at("approvals"), host.root].map((p) => [p, fs.statSync(p).ino]));

    fs.chmodSync(at("runs"), 0o777);
    fs.chownSync(at("approvals"), 65534, 65534); // nobody:nogroup
    fs.rmdirSync(at("locks"));
    fs.chmodSync(layout.configPath, 0o644);
    fs.writeFileSync(layout.readmePath, "# edited by hand\n", { flag: "r+" });

    const plan = expectSuccess(host.cdktf("plan"), "plan with drift");
    const text = flat(plan.output);
    const tree = expectedTree(readRuntimeInputs({ CUTTER_RUNTIME_ROOT: host.root, CUTTER_STATE_PATH: host.statePath }));
    assert.match(text, new RegExp(`drift observed at plan: ${at("runs")}: mode 0777, expected 0750`));
    assert.match(text, new RegExp(`drift observed at plan: ${at("approvals")}: owner nobody:nogroup, expected root:root`));
    assert.match(text, new RegExp(`drift observed at plan: ${at("locks")}: missing`));
    assert.match(text, new RegExp(`drift observed at plan: ${layout.configPath}: mode 0644, expected 0640 `));
    assert.match(text, new RegExp(`drift observed at plan: ${layout.readmePath}: content sha256 [0-9a-f]{64}, expected ${tree.readme.sha256}`));
    // Nothing else is reported as drifted.
    assert.equal((text.match(/drift observed at plan: /g) ?? []).length, 5);
    // The repair: the README re-written, owner/mode re-applied to both files (their one step replaced), and
    // the one resource of the subdirectories replaced for runs, approvals and locks (re-created) together; the
    // root's is not. The files' write guard runs again right before the re-write (issue 10 item 10): one more replacement.
    assert.deepEqual(planCounts(plan.output), { add: 4, change: 0, destroy: 3 });
    assert.doesNotMatch(plan.output, /terraform_data\.root must be replaced/);
    for (const name of ["runs", "approvals", "locks"])
      assert.match(plan.output, new RegExp(`~ "${at(name)}" += "root:root 0750" -> \\(known after apply\\)`), `the plan names ${name}`);

    // The reviewer's summary of the same state says the same.
    const w = writeSetOf(planJsonOf(host.stackDir, host.env()));
    assert.deepEqual(
      w.directoriesToCreate.map((d) => d.path),
      [at("locks")],
    );
    assert.deepEqual(w.directoriesToModify.map((d) => d.path).sort(), [at("approvals"), at("runs")]);
    assert.deepEqual(
      w.filesToWrite.map((f) => f.path),
      [layout.readmePath],
    );
    assert.deepEqual(
      w.filesToModify.map((f) => f.path),
      [layout.configPath],
    );
    assert.deepEqual(w.directoriesToRemove, []);
    assert.deepEqual(w.other, []);
  });

  test("verify on the drifted tree fails and names every drifted path", () => {
    const v = verify(host, ["--allow-data"]);
    assert.equal(v.code, 1, v.output);
    assert.match(v.stdout, /^FAIL$/m);
    for (const expected of [
      `${at("runs")}: mode 0777, expected 0750`,
      `${at("approvals")}: owner nobody:nogroup, expected root:root`,
      `${at("locks")}: missing`,
      `${layout.configPath}: mode 0644, expected 0640`,
      `${layout.readmePath}: content sha256`,
    ]) {
      assert.ok(v.stdout.includes(expected), `verify names: ${expected}\n${v.stdout}`);
    }
  });

  test("one deploy repairs everything in place, keeps the data, and the next plan has 0 changes", () => {
    expectSuccess(host.cdktf("deploy"), "repair deploy");
    for (const [p, ino] of inodes) assert.equal(fs.statSync(p).ino, ino, `${p} was not re-created`);
    const dataAfter = [...snapshot(at("runs")), ...snapshot(at("approvals"))];
    // The drifted directories themselves are repaired; everything inside is untouched.
    const strip = (entries: typeof dataAfter) => entries.filter((e) => e.path !== at("runs") && e.path !== at("approvals"));
    assert.deepEqual(strip(dataAfter), strip(dataBefore));
    const plan = expectSuccess(host.cdktf("plan"), "plan after repair");
    assert.deepEqual(planCounts(plan.output), { add: 0, change: 0, destroy: 0 });
    assert.doesNotMatch(plan.output, /drift observed/);
    const v = verify(host, ["--allow-data"]);
    assert.equal(v.code, 0, v.output);
    assert.match(
      v.stdout,
      new RegExp(`Verified: ${layout.directories.length} directories, all root:root 0750, 2 non-directory files, 3 nested directories\\.`),
    );
  });

  test("a file where a directory belongs (and config content changed): shown in the plan; deploy refuses and keeps the file; after the operator moves it, one deploy repairs", () => {
    fs.rmdirSync(at("reports"));
    fs.writeFileSync(at("reports"), "someone's notes\n");
    const edited = { ...JSON.parse(fs.readFileSync(layout.configPath, "utf8")), execution_enabled: true };
    fs.writeFileSync(layout.configPath, JSON.stringify(edited, null, 2) + "\n");
    const tree = expectedTree(readRuntimeInputs({ CUTTER_RUNTIME_ROOT: host.root, CUTTER_STATE_PATH: host.statePath }));
    const plan = expectSuccess(host.cdktf("plan"), "plan");
    assert.match(
      flat(plan.output),
      new RegExp(`drift observed at plan: ${at("reports")}: is a regular file, expected a directory; deploy stops at this path and changes nothing`),
    );
    assert.match(
      flat(plan.output),
      new RegExp(`drift observed at plan: ${layout.configPath}: content sha256 [0-9a-f]{64}, expected ${tree.config.sha256} \\(deploy rewrites it\\)`),
    );
    const v = verify(host, ["--allow-data"]);
    assert.equal(v.code, 1);
    for (const expected of [
      `${at("reports")}: is a regular file, expected a directory`,
      `${layout.configPath}: content sha256`,
      `${layout.configPath}: not schema-valid`,
      `${layout.configPath}: secret check: CR-NO-EXECUTION-SWITCH: $.execution_enabled: a key that sets the execution switch`,
    ]) {
      assert.ok(v.stdout.includes(expected), `verify names: ${expected}\n${v.stdout}`);
    }

    const refused = host.cdktf("deploy");
    assert.notEqual(refused.code, 0);
    assert.match(flat(refused.output), new RegExp(`${at("reports")} is not a directory; nothing was changed`));
    assert.equal(fs.readFileSync(at("reports"), "utf8"), "someone's notes\n", "the file is kept");

    fs.renameSync(at("reports"), path.join(host.dir, "reports.notes"));
    expectSuccess(host.cdktf("deploy"), "deploy after the file was moved");
    const again = expectSuccess(host.cdktf("plan"), "plan");
    assert.deepEqual(planCounts(again.output), { add: 0, change: 0, destroy: 0 });
    assert.equal(verify(host, ["--allow-data"]).code, 0);
    assert.equal(fs.readFileSync(layout.configPath, "utf8"), tree.config.content, "config rewritten byte for byte");
    assert.equal(fs.readFileSync(path.join(host.dir, "reports.notes"), "utf8"), "someone's notes\n");
  });
});
