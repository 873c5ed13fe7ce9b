/**
 * The examples are usable as written: the host files are valid. (The pipelines in
 * examples/github-actions/ are parsed and checked by pipeline-workflow.test.ts.)
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import { readHostFiles } from "../constructs";
import { REPO } from "./support/harness";

describe("examples", () => {
  test("the example host files are valid, one pg schema and connection variable each", () => {
    const specs = readHostFiles(path.join(REPO, "examples", "hosts"), REPO);
    assert.deepEqual(
      specs.map((s) => s.hostName),
      ["production", "staging"],
    );
    for (const spec of specs) {
      assert.equal(spec.inputs.stateBackend, "pg");
      assert.equal(spec.inputs.statePgSchema, `cutter_runtime_${spec.hostName}`);
    }
    assert.equal(new Set(specs.map((s) => s.inputs.statePgConnEnv)).size, specs.length, "each host names its own connection variable");
  });

  test("the pipeline examples are the saved-plan way and the cdktf-only way", () => {
    assert.deepEqual(fs.readdirSync(path.join(REPO, "examples", "github-actions")).sort(), ["cutter-runtime-cdktf.yml", "cutter-runtime.yml"]);
  });
});
