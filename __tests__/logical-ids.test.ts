/**
 * Short logical ids (issue 11's budget of the raw `cdktf deploy`): every resource of a
 * RuntimeStack has a short, readable address (`terraform_data.directories`,
 * `local_file.config`) instead of cdktf's construct path and hash, and a `moved` block from
 * the address earlier releases gave it. A state deployed under the old addresses plans moves
 * only (nothing created, replaced or destroyed), the tree is untouched by the apply, and the
 * destroy guard and tree remover still act under their new addresses.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { explainChanges } from "../cli/plan-summary";
import { TempHost, expectSuccess, planCounts, snapshot } from "./support/harness";
import { cutter } from "./support/operator";

/** The addresses main (e9cc2a7, and every release before this change) gave the 7-directory stack. */
const RELEASED: Record<string, string> = {
  "terraform_data.remover": "terraform_data.RuntimeTree_Remover_Remove_2ED8BE00",
  "terraform_data.root": "terraform_data.RuntimeTree_Root_Directories_07D0773F",
  "terraform_data.directories": "terraform_data.RuntimeTree_Dirs_Directories_C035C42C",
  "terraform_data.config_guard": "terraform_data.RuntimeTree_OrchestratorConfig_WriteGuard_76B9DB4D",
  "local_file.config": "local_file.RuntimeTree_OrchestratorConfig_File_85206B0F",
  "terraform_data.config_mode": "terraform_data.RuntimeTree_OrchestratorConfig_Permissions_Apply_382C82B7",
  "terraform_data.readme_guard": "terraform_data.RuntimeTree_RuntimeReadme_WriteGuard_D00277AA",
  "local_file.readme": "local_file.RuntimeTree_RuntimeReadme_File_8799B2B6",
  "terraform_data.readme_mode": "terraform_data.RuntimeTree_RuntimeReadme_Permissions_Apply_49F20797",
  "terraform_data.survey": "terraform_data.RuntimeTree_Survey_Record_3AE0CDBC",
  "terraform_data.destroy_guard": "terraform_data.RuntimeTree_DestroyGuard_Check_30353E3E",
};

/** The parts of a synthesized configuration these tests read. */
type Synthesized = { resource: Record<string, Record<string, unknown>>; moved: { from: string; to: string }[] };

const addresses = (json: Synthesized): string[] => Object.entries<Record<string, unknown>>(json.resource).flatMap(([type, byName]) => Object.keys(byName).map((n) => `${type}.${n}`));

/**
 * The configuration as a release before this change synthesized it: every resource under its
 * `moved.from` address, references rewritten, no `moved` blocks.
 */
function underReleasedAddresses(json: Synthesized): Synthesized {
  const moves: { from: string; to: string }[] = json.moved;
  let text = JSON.stringify({ ...json, moved: undefined });
  for (const { from, to } of [...moves].sort((a, b) => b.to.length - a.to.length)) {
    text = text.replace(new RegExp(`(?<![\\w.])${to.replace(/\./g, "\\.")}(?![\\w])`, "g"), from);
  }
  const old = JSON.parse(text);
  for (const { from, to } of moves) {
    const [type, name] = to.split(".");
    const [, oldName] = from.split(".");
    old.resource[type][oldName] = old.resource[type][name];
    delete old.resource[type][name];
  }
  return old;
}

describe("short logical ids with moved blocks from the released ones", () => {
  let host: TempHost;
  before(() => {
    host = new TempHost();
    fs.mkdirSync(path.dirname(host.statePath), { recursive: true });
    expectSuccess(host.synth(), "synth");
  });
  after(() => host.dispose());

  test("every resource has a short id and one moved block from exactly the address the released stack used", () => {
    const json = host.synthesized;
    assert.deepEqual(addresses(json).sort(), Object.keys(RELEASED).sort());
    assert.deepEqual(Object.fromEntries(json.moved.map((m: { from: string; to: string }) => [m.to, m.from])), RELEASED);
    assert.ok(addresses(json).every((a) => a.length <= 30), "every address is short");
  });

  test("the plan summary still tells the destroy guard, the tree remover and the survey apart under the short ids", () => {
    expectSuccess(host.engine(["init", "-input=false"]), "init");
    expectSuccess(host.engine(["plan", "-input=false", "-out=first.tfplan"]), "plan");
    const plan = JSON.parse(expectSuccess(host.engine(["show", "-json", "first.tfplan"]), "show").stdout);
    fs.rmSync(path.join(host.stackDir, "first.tfplan"));
    assert.deepEqual(explainChanges(plan.resource_changes), [
      "11 new: 2 directory resources, 2 files, 2 file write checks, 2 file owner/mode steps, 1 destroy guard, 1 tree remover, 1 survey record",
    ]);
  });

  test("a tree deployed under the released addresses: the plan moves every resource and changes nothing; npm run plan names each move and npm run deploy records them, the tree untouched; destroy still guards and removes", () => {
    const current = fs.readFileSync(path.join(host.stackDir, "cdk.tf.json"), "utf8");
    const configFile = path.join(host.stackDir, "cdk.tf.json");
    fs.writeFileSync(configFile, JSON.stringify(underReleasedAddresses(JSON.parse(current)), null, 2));
    expectSuccess(host.engine(["init", "-input=false"]), "init");
    expectSuccess(host.engine(["apply", "-auto-approve", "-input=false"]), "apply under the released addresses");
    const released = JSON.parse(expectSuccess(host.engine(["show", "-json"]), "show").stdout).values.root_module.resources.filter((r: { mode: string }) => r.mode === "managed").map((r: { address: string }) => r.address).sort();
    assert.deepEqual(released, Object.values(RELEASED).sort(), "deployed under the released addresses");
    const before = snapshot(host.root);

    fs.writeFileSync(configFile, current);
    const plan = expectSuccess(host.engine(["plan", "-input=false", "-no-color"]), "plan with the short ids");
    assert.deepEqual(planCounts(plan.output), { add: 0, change: 0, destroy: 0 }, plan.output);
    for (const [to, from] of Object.entries(RELEASED)) assert.ok(plan.output.includes(`# ${from} has moved to ${to}`), `${from} moves to ${to}`);
    assert.doesNotMatch(plan.output, /must be replaced|will be (created|destroyed|updated)/);

    // What the operator's `npm run plan` says about the upgrade: every move by both addresses, nothing else.
    const reviewed = expectSuccess(cutter(host, ["plan"]), "npm run plan (cutter plan)");
    assert.match(reviewed.stdout, /engine plan: 0 to add, 0 to change, 0 to destroy/);
    for (const [to, from] of Object.entries(RELEASED)) assert.ok(reviewed.stdout.includes(`moved          ${from} -> ${to}`), `npm run plan names the move of ${from}:\n${reviewed.stdout}`);
    assert.match(reviewed.stdout, /no writes: the tree matches the configuration/);

    expectSuccess(cutter(host, ["deploy"]), "npm run deploy applies the moves");
    assert.deepEqual(snapshot(host.root), before, "the tree is untouched");
    const moved = JSON.parse(expectSuccess(host.engine(["show", "-json"]), "show").stdout).values.root_module.resources.filter((r: { mode: string }) => r.mode === "managed").map((r: { address: string }) => r.address).sort();
    assert.deepEqual(moved, Object.keys(RELEASED).sort(), "the state holds the short addresses");

    // The destroy guard still refuses a tree holding data, under its new address; then the remover removes the tree.
    const data = path.join(host.root, "backups", "dump.sql.gpg");
    fs.writeFileSync(data, "x\n");
    const refused = host.engine(["destroy", "-auto-approve", "-input=false", "-no-color"]);
    assert.notEqual(refused.code, 0, "destroy refused");
    assert.match(refused.output, /destroy stopped before removing anything/);
    assert.ok(fs.existsSync(data), "the data is kept");
    fs.rmSync(data);
    expectSuccess(host.engine(["destroy", "-auto-approve", "-input=false"]), "destroy");
    assert.equal(fs.existsSync(host.root), false, "the tree is removed");
  });
});
