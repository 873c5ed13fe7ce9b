/**
 * Typed contracts (issue 14 item 4): every terraform_data of the stack carries its role
 * (`cutter_role` in `input`, one of RESOURCE_ROLES), and the plan summary reads the role,
 * not the shape of the triggers: a resource whose trigger keys change is still what its
 * role says, and one without a known role stops the summary instead of becoming
 * "REVIEW: other". Pure: synthesized JSON and plans built from it, no engine.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { TerraformStack, Testing } from "../constructs/cdk";
import { CUTTER_LAYOUT, RESOURCE_ROLES, RETIRED_ROLES, ROLE_KEY, RuntimeTree } from "../constructs";
import { LocalProvider } from "../constructs/local-provider";
import { PlanContractError, PlanJson, explainChanges, summarizePlan, writeSetOf } from "../cli/plan-summary";
import { testApp } from "./support/test-app";

function synthesized(): any {
  const stack = new TerraformStack(testApp(), "roles");
  new LocalProvider(stack, "local");
  new RuntimeTree(stack, "Tree", { rootPath: "/srv/cutter" });
  return JSON.parse(Testing.synth(stack, true));
}

/** A first plan (everything created) made of the synthesized resources, as `show -json` gives it. */
function firstPlan(json: any): PlanJson {
  const changes: any[] = [];
  for (const [type, byName] of Object.entries<any>(json.resource ?? {})) {
    for (const [name, body] of Object.entries<any>(byName)) {
      const copy = structuredClone(body);
      const after = type === "terraform_data" ? { triggers_replace: copy.triggers_replace, input: copy.input } : copy;
      changes.push({ address: `${type}.${name}`, mode: "managed", type, change: { actions: ["create"], before: null, after } });
    }
  }
  return { resource_changes: changes };
}

describe("role markers", () => {
  const json = synthesized();
  const data = Object.entries<any>(json.resource.terraform_data);

  test("every terraform_data carries a known role in its input, and every role but the file (its type) and the retired ones is used", () => {
    const roles = data.map(([name, body]) => {
      assert.ok(RESOURCE_ROLES.includes(body.input?.[ROLE_KEY]), `${name}: ${ROLE_KEY} ${JSON.stringify(body.input?.[ROLE_KEY])}`);
      return body.input[ROLE_KEY];
    });
    assert.deepEqual([...new Set(roles)].sort(), RESOURCE_ROLES.filter((r) => r !== "file" && !RETIRED_ROLES.includes(r)).sort());
    // One owner/mode step and one write guard for all files (issue 11's budget of the raw first deploy).
    const filenames = Object.values<any>(json.resource.local_file)
      .map((f) => f.filename)
      .sort();
    for (const role of ["file-permissions", "file-write-guard"]) {
      const steps = data.filter(([, body]) => body.input[ROLE_KEY] === role);
      assert.equal(steps.length, 1, `one ${role} step`);
      assert.deepEqual(Object.keys(steps[0][1].triggers_replace.files).sort(), filenames, `the ${role} step names every file`);
    }
  });

  test("the summary of a first plan names every resource by its role: nothing for review", () => {
    const plan = firstPlan(json);
    const w = writeSetOf(plan);
    assert.deepEqual(w.other, []);
    assert.equal(w.directoriesToCreate.length, 1 + CUTTER_LAYOUT.subdirectories.length);
    assert.equal(w.filesToWrite.length, 2);
    assert.deepEqual(explainChanges(plan.resource_changes!), [
      `${plan.resource_changes!.length} new: 2 directory resources, 2 files, 1 file write check, 1 file owner/mode step, 1 destroy guard, 1 tree remover`,
    ]);
  });

  test("a trigger key renamed: the resource is still what its role says (before: it fell to REVIEW: other)", () => {
    const plan = firstPlan(json);
    for (const rc of plan.resource_changes as any[]) {
      const t = rc.change.after.triggers_replace;
      if (rc.type !== "terraform_data" || !t) continue;
      // Every trigger key gets another name; the role stays.
      rc.change.after.triggers_replace = Object.fromEntries(
        Object.entries(t).map(([k, v]) =>
          k === "directories" || k === "path" || k === "owner" || k === "group" || k === "mode" ? [k, v] : [`${k}_renamed`, v],
        ),
      );
    }
    const summary = summarizePlan(plan);
    assert.doesNotMatch(summary, /REVIEW/);
    assert.match(summary, /secrets\/DB\/services touched: none/);
    assert.match(summary, /safety checks \(write nothing; .*\): 3\n/);
  });

  test("a terraform_data with no role, or a role this release does not know, stops the summary with one message naming it", () => {
    for (const [marker, why] of [
      [undefined, `carries no ${ROLE_KEY}`],
      ["firewall", `${ROLE_KEY} "firewall" is not one this release knows`],
      ["file", `${ROLE_KEY} "file" is not one this release knows`],
    ] as const) {
      const plan = firstPlan(json);
      const guard = (plan.resource_changes as any[]).find((rc) => rc.change.after.input?.[ROLE_KEY] === "destroy-guard");
      if (marker === undefined) delete guard.change.after.input[ROLE_KEY];
      else guard.change.after.input[ROLE_KEY] = marker;
      assert.throws(
        () => summarizePlan(plan),
        (error: Error) => {
          assert.ok(error instanceof PlanContractError);
          assert.equal(
            error.message,
            `${guard.address}: ${why} (one of directories, file-write-guard, file-permissions, destroy-guard, tree-remover, survey), so the summary cannot say what it writes; ` +
              "it never guesses from the shape of the triggers. Every terraform_data this release configures carries one (constructs/resource-role.ts).",
          );
          return true;
        },
      );
    }
  });

  test("a removal is read from `before`: a destroy plan's resources keep their roles", () => {
    const plan = firstPlan(json);
    for (const rc of plan.resource_changes as any[]) rc.change = { actions: ["delete"], before: rc.change.after, after: null };
    const w = writeSetOf(plan);
    assert.deepEqual(w.other, []);
    assert.equal(w.directoriesToRemove.length, 1 + CUTTER_LAYOUT.subdirectories.length);
    assert.equal(w.filesToRemove.length, 2);
  });

  test("the removal of a resource an earlier release wrote without a role is listed for review, naming why; the summary still comes", () => {
    const plan = firstPlan(json);
    for (const rc of plan.resource_changes as any[]) {
      if (rc.type === "terraform_data") delete rc.change.after.input[ROLE_KEY];
      rc.change = { actions: ["delete"], before: rc.change.after, after: null };
    }
    const summary = summarizePlan(plan);
    const unmarked = (plan.resource_changes as any[]).filter((rc) => rc.type === "terraform_data");
    assert.match(summary, new RegExp(`REVIEW: ${unmarked.length} change\\(s\\)`));
    assert.ok(summary.includes(`    ? ${unmarked[0].address} (delete; no ${ROLE_KEY}: written by an earlier release)\n`), summary);
    assert.match(summary, /files to remove \(2\)/);
  });
});
