/**
 * Saved plans with the real engine: the reviewed plan is the applied plan, and a
 * plan that no longer matches the code, the inputs or the state is refused with
 * nothing changed.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { TempHost, expectSuccess, planCounts, run, snapshot } from "./support/harness";
import { archiveEntries, cutter, extractArchive } from "./support/operator";

const appliedCounts = (output: string) => {
  const m = /Apply complete! Resources: (\d+) added, (\d+) changed, (\d+) destroyed/.exec(output);
  if (!m) throw new Error(`no apply summary in:\n${output.slice(-3000)}`);
  return { add: +m[1], change: +m[2], destroy: +m[3] };
};

describe("saved plans: plan --out, deploy --plan", () => {
  let host: TempHost;
  const planFile = (name: string) => path.join(host.dir, "plans", `${name}.tgz`);
  before(() => (host = new TempHost()));
  after(() => host.dispose());

  test("plan --out changes nothing and saves the engine plan with the synthesized stack it was made from", () => {
    const planned = expectSuccess(cutter(host, ["plan", "--out", planFile("first"), "--summary", path.join(host.dir, "summary.txt")]), "plan --out");
    assert.equal(fs.existsSync(host.root), false, "planning created nothing");
    assert.equal(fs.existsSync(host.statePath), false, "planning wrote no state");
    assert.deepEqual(archiveEntries(planFile("first")), ["manifest.json", "plan.tfplan", "review.json", "stack/.terraform.lock.hcl", "stack/cdk.tf.json"]);
    const unpacked = extractArchive(planFile("first"));
    try {
      assert.deepEqual(
        fs.readFileSync(path.join(unpacked, "stack", "cdk.tf.json")),
        fs.readFileSync(path.join(host.stackDir, "cdk.tf.json")),
        "the archived configuration is the synthesized one, byte for byte",
      );
      const manifest = JSON.parse(fs.readFileSync(path.join(unpacked, "manifest.json"), "utf8"));
      assert.equal(manifest.stackName, "cutter-runtime");
      assert.deepEqual(manifest.counts, planCounts(planned.output));
      assert.ok(manifest.counts.add > 0);
      // The review record is the engine's own reading of the plan file, the summary's source.
      const review = JSON.parse(fs.readFileSync(path.join(unpacked, "review.json"), "utf8"));
      assert.ok(review.resource_changes.length > 0);
      assert.equal(
        manifest.sha256["review.json"],
        createHash("sha256")
          .update(fs.readFileSync(path.join(unpacked, "review.json")))
          .digest("hex"),
      );
    } finally {
      fs.rmSync(unpacked, { recursive: true, force: true });
    }
    const summary = fs.readFileSync(path.join(host.dir, "summary.txt"), "utf8");
    assert.match(summary, /^Plan for stack cutter-runtime \(from environment variables\): \d+ to add, 0 to change, 0 to destroy\./);
    assert.match(summary, /create +terraform_data\.root\b/);
    // The summary names the archive by its digest: the value the review hands to the deploy (--sha256).
    const digest = createHash("sha256")
      .update(fs.readFileSync(planFile("first")))
      .digest("hex");
    assert.match(summary, new RegExp(`^Plan archive: .*first\\.tgz  sha256 ${digest}$`, "m"));
    assert.match(planned.output, new RegExp(`npm run deploy -- --plan .*first\\.tgz --sha256 ${digest}`));
  });

  test("deploy --plan applies exactly the reviewed plan", () => {
    const manifestCounts = planCounts(expectSuccess(cutter(host, ["plan"]), "plan again").output);
    const applied = expectSuccess(cutter(host, ["deploy", "--plan", planFile("first")]), "deploy --plan");
    assert.deepEqual(appliedCounts(applied.output), manifestCounts, "applied what was planned, nothing more");
    const announced = /: (\d+) to add, (\d+) to change, (\d+) to destroy \(the engine's reading of the plan file\)/.exec(applied.output);
    assert.ok(announced, "deploy --plan announces the engine's counts");
    assert.deepEqual({ add: +announced![1], change: +announced![2], destroy: +announced![3] }, manifestCounts);
    assert.equal(fs.statSync(path.join(host.root, "runs")).isDirectory(), true);
    assert.deepEqual(planCounts(expectSuccess(cutter(host, ["plan"]), "plan after deploy").output), { add: 0, change: 0, destroy: 0 });
  });

  test("a saved plan is refused after an input change, naming what changed, and nothing is changed", () => {
    expectSuccess(cutter(host, ["plan", "--out", planFile("before-owner-change")]), "plan");
    const tree = snapshot(host.root);
    const state = fs.readFileSync(host.statePath);
    const refused = cutter(host, ["deploy", "--plan", planFile("before-owner-change")], { CUTTER_OWNER: "nobody" });
    assert.equal(refused.code, 1);
    assert.match(refused.output, /refusing to apply .*before-owner-change\.tgz: the code or the inputs changed since the plan was made/);
    assert.match(refused.output, /environment\.CUTTER_OWNER: "root" -> "nobody"/);
    assert.match(refused.output, /nothing was changed/);
    assert.doesNotMatch(refused.output, /Apply complete/);
    assert.deepEqual(snapshot(host.root), tree);
    assert.deepEqual(fs.readFileSync(host.statePath), state, "state untouched");
  });

  test("a saved plan is refused as stale after the state changed out of band, and nothing is changed", () => {
    host.inputs = { ...host.inputs, CUTTER_OWNER: "nobody", CUTTER_GROUP: "nogroup" };
    const planned = expectSuccess(cutter(host, ["plan", "--out", planFile("owner-nobody")]), "plan owner change");
    assert.ok(planCounts(planned.output).change + planCounts(planned.output).add > 0, "the plan has work to do");
    // Out of band: someone edits the state (here: forgets one file) after the plan was reviewed.
    const list = expectSuccess(host.engine(["state", "list"]), "state list");
    const address = list.stdout.split("\n").find((a) => a.startsWith("local_file."));
    assert.ok(address, "a local_file is in state");
    expectSuccess(host.engine(["state", "rm", address!]), "state rm");
    const tree = snapshot(host.root);
    const state = fs.readFileSync(host.statePath);
    const refused = cutter(host, ["deploy", "--plan", planFile("owner-nobody")]);
    assert.equal(refused.code, 1);
    // Told before the engine runs: the plan's state (lineage, serial) is not the state now.
    assert.match(
      refused.output,
      /refusing to apply .*owner-nobody\.tgz: the state changed since the plan was made \(another deploy, or a change out of band: serial \d+ then, \d+ now\), so the plan is stale; nothing was changed/,
    );
    assert.doesNotMatch(refused.output, /Applying the saved plan/);
    assert.deepEqual(snapshot(host.root), tree, "the tree is untouched (owner still root)");
    assert.deepEqual(fs.readFileSync(host.statePath), state, "state untouched");
  });

  test("a fresh plan of the same change applies, and destroy removes the tree", () => {
    expectSuccess(cutter(host, ["plan", "--out", planFile("fresh")]), "plan again");
    expectSuccess(cutter(host, ["deploy", "--plan", planFile("fresh")]), "deploy the fresh plan");
    assert.equal(fs.statSync(path.join(host.root, "runs")).uid, 65534, "owner applied");
    expectSuccess(cutter(host, ["destroy", "--auto-approve"]), "destroy");
    assert.equal(fs.existsSync(host.root), false);
  });

  test("refuses a plan for another host, a file that is not a saved plan, and a missing file", () => {
    const notAPlan = path.join(host.dir, "not-a-plan.tgz");
    fs.writeFileSync(path.join(host.dir, "x.txt"), "x");
    expectSuccess(run("tar", ["-czf", notAPlan, "-C", host.dir, "x.txt"], { env: process.env }), "tar");
    const bad = cutter(host, ["deploy", "--plan", notAPlan]);
    assert.equal(bad.code, 1);
    assert.match(bad.output, /is not a saved plan of `npm run plan -- --out`/);
    const missing = cutter(host, ["deploy", "--plan", path.join(host.dir, "nope.tgz")]);
    assert.match(missing.output, /--plan .*nope\.tgz: no such file; nothing was changed/);
    const otherHost = cutter(host, ["deploy", "staging", "--plan", planFile("fresh")]);
    assert.match(otherHost.output, /it is the plan of the stack from environment variables, not of host staging/);
    assert.equal(fs.existsSync(host.root), false);
  });
});
