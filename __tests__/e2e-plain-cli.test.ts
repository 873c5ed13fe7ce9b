/**
 * Plain `npx cdktf deploy|plan|destroy` (no --skip-provider-lock) works offline on a
 * first run: with no lock file cdktf runs `providers lock`, which the engine shim
 * written by setup answers from the filesystem mirror instead of the registry.
 * With CUTTER_CDK=cdktn the same holds for CDK Terrain's `cdktn` (CDK_CLI).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { CDK_CLI, REPO, TempHost, engineEnv, engineInfo, expectSuccess, planCounts, run } from "./support/harness";

describe("plain cdktf CLI with the README's environment, first run, no lock file", () => {
  let host: TempHost;
  before(() => (host = new TempHost()));
  after(() => host.dispose());
  const cdktf = (...args: string[]) => run(CDK_CLI, [...args, "--app", "node dist/main.js", "--output", host.outDir], { env: host.env() });

  test("deploy creates the lock from the mirror and the tree", () => {
    const result = expectSuccess(cdktf("deploy", "--auto-approve"), "cdktf deploy");
    assert.doesNotMatch(result.output, /registry\.terraform\.io\/\.well-known|could not connect/);
    const lock = fs.readFileSync(path.join(host.stackDir, ".terraform.lock.hcl"), "utf8");
    assert.match(lock, /hashicorp\/local/);
    assert.equal(fs.statSync(path.join(host.root, "runs")).isDirectory(), true);
  });

  test("plan then reports 0 changes and destroy removes the tree", () => {
    assert.deepEqual(planCounts(expectSuccess(cdktf("plan"), "cdktf plan").output), { add: 0, change: 0, destroy: 0 });
    expectSuccess(cdktf("destroy", "--auto-approve"), "cdktf destroy");
    assert.equal(fs.existsSync(host.root), false);
  });
});

describe("setup run again with its own environment sourced", () => {
  test("still finds the real engine, not its own shim", () => {
    const env = engineEnv();
    expectSuccess(run("bash", [path.join(REPO, "cli", "setup.sh")], { env: { ...env, CUTTER_SETUP_QUIET: "1" } }), "setup with engine-bin on PATH");
    const shim = fs.readFileSync(path.join(engineInfo().pathPrefix, engineInfo().engine.kind), "utf8");
    assert.doesNotMatch(shim, new RegExp(`exec '${engineInfo().pathPrefix}`), "the shim must not call itself");
    expectSuccess(run(engineInfo().engine.path, ["version"], { env }), "engine version through the shim");
  });
});
