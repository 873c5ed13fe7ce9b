/**
 * Rollback never loses data, and never takes over or removes what the stack did
 * not create: real engine, real directories, through the cdktf CLI.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { resolveLayout } from "../constructs";
import { TempHost, expectSuccess, snapshot } from "./support/harness";
import { assertExactTree, assertNoChanges, engineRun, flat, stateAddresses, synthesizedAddresses } from "./support/safety";

describe("destroy with data in the tree stops before removing anything", () => {
  let host: TempHost;
  let layout: ReturnType<typeof resolveLayout>;
  before(() => {
    host = new TempHost();
    layout = resolveLayout(host.root);
    expectSuccess(host.cdktf("deploy"), "deploy");
  });
  after(() => host.dispose());

  test("a run sidecar, an approval, a backup and a stray file: destroy fails naming each, every byte kept, state kept", () => {
    fs.mkdirSync(path.join(layout.sidecarRoot, "run-1", "kb"), { recursive: true });
    fs.writeFileSync(path.join(layout.sidecarRoot, "run-1", "state.json"), '{"run_id":"run-1","phase":"dry-run"}\n');
    fs.writeFileSync(path.join(host.root, "approvals", "SG_1.json"), '{"approved":true}\n');
    fs.writeFileSync(path.join(layout.backupPath, "pre-write.dump.gpg"), Buffer.from([0, 1, 2, 255]));
    fs.writeFileSync(path.join(host.root, "stray.txt"), "left by hand\n");
    const before = snapshot(host.root);
    const stateBefore = stateAddresses(host);
    assert.deepEqual(stateBefore, synthesizedAddresses(host), "state holds every resource of the tree");

    const destroy = engineRun(host, "destroy");
    assert.notEqual(destroy.code, 0, "destroy fails");
    assert.match(flat(destroy.output), new RegExp(`kept ${layout.sidecarRoot}: holds 1 entry`));
    assert.match(flat(destroy.output), new RegExp(`kept ${host.root}/approvals: holds 1 entry`));
    assert.match(flat(destroy.output), new RegExp(`kept ${layout.backupPath}: holds 1 entry`));
    assert.match(flat(destroy.output), new RegExp(`kept ${host.root}: holds 1 entry this stack did not create`));
    assert.match(flat(destroy.output), /destroy stopped before removing anything \(4 path\(s\) above; the tree and the state are as they were\)/);
    assert.match(flat(destroy.output), /Move the data out of .*, then destroy again; or keep the tree/);
    assert.doesNotMatch(destroy.output, /Destruction complete/, "the engine destroyed nothing");

    assert.deepEqual(snapshot(host.root), before, "every directory, file, owner, mode and byte is unchanged (empty directories too)");
    assert.deepEqual(stateAddresses(host), stateBefore, "the state still holds every resource");
  });

  test("an operator-edited config is kept and reported; destroy stops before removing anything", () => {
    fs.rmSync(path.join(layout.sidecarRoot, "run-1"), { recursive: true });
    fs.rmSync(path.join(host.root, "approvals", "SG_1.json"));
    fs.rmSync(path.join(layout.backupPath, "pre-write.dump.gpg"));
    fs.rmSync(path.join(host.root, "stray.txt"));
    fs.appendFileSync(layout.configPath, "\n");
    const edited = fs.readFileSync(layout.configPath);
    const before = snapshot(host.root);

    const destroy = engineRun(host, "destroy");
    assert.notEqual(destroy.code, 0);
    assert.match(flat(destroy.output), new RegExp(`kept ${layout.configPath}: edited \\(its content is not what this stack wrote\\)`));
    assert.match(flat(destroy.output), /destroy stopped before removing anything \(1 path\(s\) above/);
    assert.deepEqual(snapshot(host.root), before, "nothing removed");
    assert.deepEqual(fs.readFileSync(layout.configPath), edited, "the edited config is kept byte for byte");
  });

  test("once the data (and the edited config) are moved out, a later destroy completes and removes only the tree", () => {
    const keep = path.join(host.dir, "kept-config.json");
    fs.renameSync(layout.configPath, keep);
    expectSuccess(host.cdktf("destroy"), "destroy after the operator moved the data");
    assert.equal(fs.existsSync(host.root), false, "root removed");
    assert.deepEqual(stateAddresses(host), [], "state empty");
    assert.ok(fs.readFileSync(keep, "utf8").endsWith("}\n\n"), "the operator's copy is untouched");
  });
});

describe("a root made by hand before the first deploy (as at the original gate)", () => {
  let host: TempHost;
  let layout: ReturnType<typeof resolveLayout>;
  let handmade: ReturnType<typeof snapshot>;
  before(() => {
    host = new TempHost();
    layout = resolveLayout(host.root);
    fs.mkdirSync(host.root, { mode: 0o755 });
    fs.mkdirSync(layout.sidecarRoot, { mode: 0o755 });
    fs.writeFileSync(path.join(layout.sidecarRoot, "old-run.json"), "precious\n");
    fs.writeFileSync(path.join(host.root, "NOTES.txt"), "hand-written notes\n");
    handmade = snapshot(host.root);
  });
  after(() => host.dispose());

  test("deploy refuses to take it over, explains how to adopt, and changes nothing", () => {
    const deploy = engineRun(host, "apply");
    assert.notEqual(deploy.code, 0);
    assert.match(flat(deploy.output), new RegExp(`refusing to take over ${host.root}: it already exists and this stack did not create it`));
    assert.match(flat(deploy.output), /CUTTER_ADOPT_EXISTING=1/);
    assert.deepEqual(snapshot(host.root), handmade, "owner, mode, content of the hand-made tree unchanged");
  });

  test("a bad adopt switch fails at synth naming the variable", () => {
    const deploy = host.cdktf("deploy", [], { CUTTER_ADOPT_EXISTING: "yes" });
    assert.notEqual(deploy.code, 0);
    assert.match(flat(deploy.output), /CUTTER_ADOPT_EXISTING: "yes" must be "1" \(adopt pre-existing paths\) or "0"/);
    assert.deepEqual(snapshot(host.root), handmade);
  });

  test("with CUTTER_ADOPT_EXISTING=1 it is adopted: owner/mode applied, missing paths created, data kept", () => {
    host.inputs = { ...host.inputs, CUTTER_ADOPT_EXISTING: "1" };
    const deploy = expectSuccess(engineRun(host, "apply"), "deploy with adopt");
    assert.match(flat(deploy.output), new RegExp(`adopted pre-existing ${host.root}`));
    assert.match(flat(deploy.output), new RegExp(`adopted pre-existing ${layout.sidecarRoot}`));
    const data = [path.join(layout.sidecarRoot, "old-run.json"), path.join(host.root, "NOTES.txt")];
    assertExactTree(host, "root", "root", data);
    assert.equal(fs.readFileSync(data[0], "utf8"), "precious\n");
    assertNoChanges(host);
  });

  test("destroy removes what the stack created and leaves the adopted root, runs/ and their contents", () => {
    expectSuccess(host.cdktf("destroy"), "destroy");
    assert.deepEqual(
      snapshot(host.root).map((e) => [e.path, e.type]),
      [
        [host.root, "directory"],
        [path.join(host.root, "NOTES.txt"), "file"],
        [layout.sidecarRoot, "directory"],
        [path.join(layout.sidecarRoot, "old-run.json"), "file"],
      ],
    );
    assert.equal(fs.readFileSync(path.join(layout.sidecarRoot, "old-run.json"), "utf8"), "precious\n");
    assert.equal(fs.readFileSync(path.join(host.root, "NOTES.txt"), "utf8"), "hand-written notes\n");
    assert.deepEqual(stateAddresses(host), []);
  });
});
