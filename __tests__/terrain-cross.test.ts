/**
 * Moving between cdktf and CDK Terrain (docs/cdk-terrain.md, README "Moving to CDK
 * Terrain"), with the real engine under a temporary root:
 * - a saved plan archive made on one CDK is refused by the other (the synthesized bytes
 *   differ: cdk.tf.json names the CDK version), with nothing changed, and applies on its own;
 * - the state stays: what one CDK deployed is a no-op plan and deploy for the other, through
 *   the npm scripts and through each raw CLI (`npx cdktf`, `terrain/cdktn`), and cdktn destroys it.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { resolveLayout } from "../constructs";
import { TempHost, expectSuccess, planCounts, snapshot } from "./support/harness";
import { needsTerrain, npmRun, rawCli } from "./support/terrain";

const VERSIONS = { cdktf: "0.21.0", cdktn: "0.24.0" } as const;

describe("moving between cdktf and CDK Terrain", needsTerrain(), () => {
  let host: TempHost;
  const archive = (name: string) => path.join(host.dir, "plans", `${name}.tgz`);
  before(() => (host = new TempHost()));
  after(() => host.dispose());

  test("a saved plan made on one CDK is refused by the other, naming the CDK version that differs; nothing is changed", () => {
    expectSuccess(npmRun(host, "cdktf", ["plan", "--out", archive("cdktf")]), "cdktf plan --out");
    expectSuccess(npmRun(host, "cdktn", ["plan", "--out", archive("cdktn")]), "cdktn plan --out");
    for (const [made, applied] of [
      ["cdktf", "cdktn"],
      ["cdktn", "cdktf"],
    ] as const) {
      const refused = npmRun(host, applied, ["deploy", "--plan", archive(made)]);
      assert.equal(refused.code, 1, refused.output);
      assert.match(
        refused.output,
        /refusing to apply .*: the code or the inputs changed since the plan was made, so it is not the reviewed plan; nothing was changed\./,
      );
      assert.ok(refused.output.includes(`//.metadata.version: "${VERSIONS[made]}" -> "${VERSIONS[applied]}"`), `names the CDK version:\n${refused.output}`);
      assert.doesNotMatch(refused.output, /Apply complete|Creating\.\.\./);
      assert.equal(fs.existsSync(host.root), false, `${made} archive on ${applied}: nothing created`);
      assert.equal(fs.existsSync(host.statePath), false, `${made} archive on ${applied}: no state written`);
    }
  });

  test("the cdktn archive applies on cdktn: the refusal was about the CDK, not the plan", () => {
    const applied = expectSuccess(npmRun(host, "cdktn", ["deploy", "--plan", archive("cdktn")]), "cdktn deploy --plan");
    assert.match(applied.output, /Apply complete! Resources: \d+ added, 0 changed, 0 destroyed/);
    const layout = resolveLayout(host.root);
    for (const dir of layout.directories) assert.equal(fs.statSync(dir.path).isDirectory(), true, dir.path);
  });

  test("the state stays: what cdktn deployed is a no-op for cdktf (npm run plan, raw cdktf deploy) and back for cdktn (raw terrain/cdktn plan)", () => {
    const deployed = snapshot(host.root);
    assert.deepEqual(planCounts(expectSuccess(npmRun(host, "cdktf", ["plan"]), "cdktf npm plan").output), { add: 0, change: 0, destroy: 0 });
    const cdktfDeploy = expectSuccess(rawCli(host, "cdktf", "deploy"), "npx cdktf deploy");
    assert.match(cdktfDeploy.output, /No changes|0 added, 0 changed, 0 destroyed/);
    assert.deepEqual(planCounts(expectSuccess(rawCli(host, "cdktn", "plan"), "terrain/cdktn plan").output), { add: 0, change: 0, destroy: 0 });
    assert.deepEqual(snapshot(host.root), deployed, "no path touched");
  });

  test("raw terrain/cdktn destroy removes the tree the other CDK planned against", () => {
    expectSuccess(rawCli(host, "cdktn", "destroy"), "terrain/cdktn destroy");
    assert.equal(fs.existsSync(host.root), false);
  });
});
