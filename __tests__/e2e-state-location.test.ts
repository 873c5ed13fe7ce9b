/**
 * The output directory remembers the state location it was initialized with. Asking
 * for another one (a changed CUTTER_STATE_PATH) must stop with what to do, before
 * anything is changed; the engine's own message only names its flags.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { TempHost, expectSuccess, run, snapshot } from "./support/harness";
import { CUTTER_JS, cutter } from "./support/operator";
import { flat } from "./support/safety";

describe("a changed state location in an output directory used before", () => {
  let host: TempHost;
  let stateA: string;
  before(() => {
    host = new TempHost();
    stateA = host.statePath;
    expectSuccess(cutter(host, ["deploy"]), "deploy with state A");
  });
  after(() => {
    host.inputs.CUTTER_STATE_PATH = stateA;
    cutter(host, ["destroy", "--auto-approve"]);
    host.dispose();
  });

  test("plan and deploy stop naming the choices; state, tree and the other location untouched", () => {
    const stateBefore = fs.readFileSync(stateA, "utf8");
    const treeBefore = snapshot(host.root);
    const stateB = path.join(host.dir, "state-b", "s.tfstate");
    host.inputs.CUTTER_STATE_PATH = stateB;
    for (const verb of ["plan", "deploy"]) {
      const result = cutter(host, [verb]);
      assert.equal(result.code, 1, result.output);
      const text = flat(result.output);
      assert.match(text, /Backend configuration changed/);
      assert.match(
        text,
        new RegExp(
          `Nothing was changed\\. The state location asked for \\(CUTTER_STATE_PATH, .*\\) is not the one ${host.outDir}/stacks/cutter-runtime was last used with`,
        ),
      );
      assert.match(text, /deploy once with --migrate-state/);
      assert.match(text, /pass --output with another directory/);
    }
    assert.equal(fs.readFileSync(stateA, "utf8"), stateBefore, "state A untouched");
    assert.equal(fs.existsSync(stateB), false, "nothing written at the new location");
    assert.deepEqual(snapshot(host.root), treeBefore, "tree untouched");
  });

  test("with a fresh --output directory the new location is used as it is", () => {
    const fresh = run("node", [CUTTER_JS, "plan", "--output", path.join(host.dir, "out-b")], { env: host.env() });
    const result = expectSuccess(fresh, "plan in a fresh output dir");
    // State B is empty, so the whole tree would be created; the existing tree would be refused at deploy.
    assert.match(result.output, /Plan: \d+ to add, 0 to change, 0 to destroy/);
  });
});
