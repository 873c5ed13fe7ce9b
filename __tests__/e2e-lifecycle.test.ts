/**
 * The real engine, real directories: deploy, re-deploy, plan and destroy under
 * temporary roots, through the cdktf CLI exactly as operators run it.
 */
import Ajv from "ajv";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { CUTTER_LAYOUT, buildOrchestratorConfig, renderOrchestratorConfig, resolveLayout } from "../constructs";
import { REPO, TempHost, expectSuccess, idOf, planCounts, snapshot } from "./support/harness";

const schema = JSON.parse(fs.readFileSync(path.join(REPO, "schema", "orchestrator.config.schema.json"), "utf8"));
const validate = new Ajv({ allErrors: true }).compile(schema);

/** Asserts the tree under host.root is exactly the layout with the owner, group and modes asked. */
function assertTree(host: TempHost, owner: string, group: string, envFile = "/opt/incomex/docker/.env"): void {
  const uid = idOf("user", owner);
  const gid = idOf("group", group);
  const layout = resolveLayout(host.root);
  const entries = snapshot(host.root);
  const expectedPaths = [host.root, ...layout.directories.map((d) => d.path), layout.configPath, layout.readmePath].sort();
  assert.deepEqual(entries.map((e) => e.path).sort(), expectedPaths, "nothing else is in the tree");
  for (const e of entries) {
    const isFile = e.path === layout.configPath || e.path === layout.readmePath;
    assert.equal(e.type, isFile ? "file" : "directory", e.path);
    assert.equal(e.uid, uid, `${e.path} owner`);
    assert.equal(e.gid, gid, `${e.path} group`);
    assert.equal(e.mode, isFile ? CUTTER_LAYOUT.fileMode : CUTTER_LAYOUT.directoryMode, `${e.path} mode`);
  }
  const config = fs.readFileSync(layout.configPath, "utf8");
  assert.equal(config, renderOrchestratorConfig(buildOrchestratorConfig(layout, envFile)), "config byte for byte");
  assert.equal(validate(JSON.parse(config)), true, JSON.stringify(validate.errors));
}

describe("deploy, re-deploy, plan and destroy with the defaults (root:root)", () => {
  let host: TempHost;
  before(() => {
    host = new TempHost();
    fs.writeFileSync(path.join(host.dir, "sibling.txt"), "not ours\n");
  });
  after(() => host.dispose());

  test("deploy creates exactly the tree: the layout's directories root:root 0750, config and README 0640", () => {
    expectSuccess(host.cdktf("deploy"), "deploy");
    assertTree(host, "root", "root");
  });

  test("a second deploy changes nothing and plan reports 0 changes", () => {
    const before = snapshot(host.root);
    const redeploy = expectSuccess(host.cdktf("deploy"), "second deploy");
    assert.match(redeploy.output, /No changes|0 added, 0 changed, 0 destroyed/);
    const plan = expectSuccess(host.cdktf("plan"), "plan");
    assert.deepEqual(planCounts(plan.output), { add: 0, change: 0, destroy: 0 });
    assert.deepEqual(snapshot(host.root), before);
  });

  test("destroy of the empty tree removes everything it created and nothing else", () => {
    const outside = snapshot(host.dir).filter(
      (e) => !e.path.startsWith(host.root) && !e.path.startsWith(host.outDir) && !e.path.startsWith(path.dirname(host.statePath)),
    );
    expectSuccess(host.cdktf("destroy"), "destroy");
    assert.equal(fs.existsSync(host.root), false, "root removed");
    const after = snapshot(host.dir).filter(
      (e) => !e.path.startsWith(host.root) && !e.path.startsWith(host.outDir) && !e.path.startsWith(path.dirname(host.statePath)),
    );
    assert.deepEqual(after, outside, "the temp root's parent and its other entries are untouched");
    assert.equal(fs.readFileSync(path.join(host.dir, "sibling.txt"), "utf8"), "not ours\n");
  });
});

describe("a non-root owner is really applied (nobody:nogroup)", () => {
  let host: TempHost;
  before(() => (host = new TempHost({ CUTTER_OWNER: "nobody", CUTTER_GROUP: "nogroup", CUTTER_ENV_FILE: "/etc/cutter/secrets.env" })));
  after(() => host.dispose());

  test("deploy owns every path by nobody:nogroup and writes the env-file path asked", () => {
    expectSuccess(host.cdktf("deploy"), "deploy");
    assertTree(host, "nobody", "nogroup", "/etc/cutter/secrets.env");
  });

  test("changing the owner back to root updates in place: no directory is re-created", () => {
    const inodes = snapshot(host.root)
      .filter((e) => e.type === "directory")
      .map((e) => [e.path, fs.statSync(e.path).ino]);
    fs.mkdirSync(path.join(host.root, "runs", "run-1"));
    fs.writeFileSync(path.join(host.root, "runs", "run-1", "state.json"), '{"run":1}\n');
    host.inputs = { ...host.inputs, CUTTER_OWNER: "root", CUTTER_GROUP: "root" };
    expectSuccess(host.cdktf("deploy"), "deploy with root:root");
    for (const [p, ino] of inodes) assert.equal(fs.statSync(p as string).ino, ino, `${p} kept its inode`);
    assert.equal(fs.readFileSync(path.join(host.root, "runs", "run-1", "state.json"), "utf8"), '{"run":1}\n');
    assert.equal(fs.statSync(path.join(host.root, "runs")).uid, 0);
    fs.rmSync(path.join(host.root, "runs", "run-1"), { recursive: true });
    expectSuccess(host.cdktf("destroy"), "destroy");
    assert.equal(fs.existsSync(host.root), false);
  });
});
