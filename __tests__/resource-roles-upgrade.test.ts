/**
 * The role markers on a stack an earlier release deployed (its state holds no `cutter_role`):
 * one deploy adds them as updates in place — nothing created, replaced or destroyed, no script
 * run, the tree untouched — and the plan after it has 0 changes. Real engine, temp root.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { after, before, describe, test } from "node:test";
import { ROLE_KEY } from "../constructs";
import { TempHost, expectSuccess, planCounts, snapshot } from "./support/harness";
import { cutter } from "./support/operator";

/** The state as a release without role markers wrote it: no `cutter_role` in any input (no input at all where that was the only key). */
function withoutMarkers(statePath: string): number {
  const state = JSON.parse(fs.readFileSync(statePath, "utf8"));
  let stripped = 0;
  for (const r of state.resources.filter((x: any) => x.type === "terraform_data")) {
    for (const i of r.instances) {
      const input = i.attributes.input;
      if (!input?.value || !(ROLE_KEY in input.value)) continue;
      stripped++;
      if (Object.keys(input.value).length === 1) {
        i.attributes.input = null;
        i.attributes.output = null;
        continue;
      }
      for (const side of [i.attributes.input, i.attributes.output]) {
        delete side.value[ROLE_KEY];
        if (Array.isArray(side.type) && side.type[1]) delete side.type[1][ROLE_KEY];
      }
    }
  }
  state.serial += 1;
  fs.writeFileSync(statePath, JSON.stringify(state, null, 2));
  return stripped;
}

describe("role markers added to a deployed stack", () => {
  let host: TempHost;
  before(() => {
    host = new TempHost();
    expectSuccess(cutter(host, ["deploy"]), "deploy");
  });
  after(() => host.dispose());

  test("updates in place only, the tree untouched, then 0 changes", () => {
    const stripped = withoutMarkers(host.statePath);
    assert.ok(stripped > 0);
    const before = snapshot(host.root);
    const planned = expectSuccess(cutter(host, ["plan"]), "plan over a state without markers");
    assert.match(planned.stdout, new RegExp(`engine plan: 0 to add, ${stripped} to change, 0 to destroy`));
    assert.match(planned.stdout, new RegExp(`${stripped} changed in place: `));
    assert.match(planned.stdout, /no writes: the tree matches the configuration/);
    assert.match(planned.stdout, /secrets\/DB\/services touched: none/);
    const deployed = expectSuccess(cutter(host, ["deploy"]), "deploy adds the markers");
    assert.doesNotMatch(deployed.output, /\(local-exec\)/, "no script ran");
    assert.deepEqual(snapshot(host.root), before, "the tree is untouched");
    assert.deepEqual(planCounts(expectSuccess(host.engine(["plan", "-input=false", "-no-color"]), "plan after").output), { add: 0, change: 0, destroy: 0 });
  });
});
