/**
 * app/engine-check-once.ts: synth asks the engine for its version once, not
 * once per terraform_data, and a failing check still names every resource.
 * The "engine" here is a wrapper that logs each call and then runs the real one.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { TempHost, engineInfo, expectSuccess } from "./support/harness";

describe("synth runs the engine version check once", () => {
  let host: TempHost;
  let bin: string;
  let log: string;
  /** terraform_data resources in the synthesized stack: each carries its own version check. */
  let resources = 0;
  before(() => {
    host = new TempHost();
    bin = fs.mkdtempSync(path.join(os.tmpdir(), "cutter-engine-log-"));
    log = path.join(bin, "calls.log");
    const wrapper = path.join(bin, "logged-engine");
    fs.writeFileSync(wrapper, `#!/bin/sh\necho "$*" >>"${log}"\nexec "${engineInfo().engine.path}" "$@"\n`, { mode: 0o755 });
  });
  after(() => {
    host.dispose();
    fs.rmSync(bin, { recursive: true, force: true });
  });

  test("every terraform_data resource, one `version` call", () => {
    expectSuccess(host.synth({ TERRAFORM_BINARY_NAME: path.join(bin, "logged-engine") }), "synth");
    const calls = fs.readFileSync(log, "utf8").trim().split("\n");
    assert.deepEqual(calls, ["version"]);
    resources = Object.keys(host.synthesized.resource.terraform_data).length;
    assert.ok(resources >= 5, `${resources} terraform_data resources: more than one, or "once" proves nothing`);
  });

  test("an engine that cannot answer still fails synth naming every terraform_data", () => {
    const missing = path.join(bin, "no-such-engine");
    const result = host.synth({ TERRAFORM_BINARY_NAME: missing });
    assert.notEqual(result.code, 0);
    const named = result.output.match(/\[cutter-runtime\/[^\]]+\] Could not determine version of /g) ?? [];
    assert.equal(named.length, resources, result.output.slice(-3000));
    assert.match(result.output, /\[cutter-runtime\/RuntimeTree\/Dirs\/Directories\]/);
  });
});

describe("the adapter refuses a CDK core it was not written for", () => {
  // Loaded here (not at the top): the module loads the CDK core, which the tests above run in a child process.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
  const adapter = require("../app/engine-check-once") as typeof import("../app/engine-check-once");
  const { CDK_CORE } = require("../constructs/cdk") as typeof import("../constructs/cdk"); // eslint-disable-line @typescript-eslint/no-require-imports -- see above

  test("the core in use is one it was written for", () => {
    assert.ok(
      adapter.ADAPTED_CORES.includes(`${CDK_CORE.name} ${CDK_CORE.version}`),
      `${CDK_CORE.name} ${CDK_CORE.version} not in ${adapter.ADAPTED_CORES.join(", ")}`,
    );
    assert.doesNotThrow(() => adapter.assertAdaptedCore(CDK_CORE));
  });

  for (const core of [
    { name: "cdktf", version: "0.22.0" },
    { name: "cdktn", version: "0.25.0" },
    { name: "cdktf", version: "0.24.0" },
  ]) {
    test(`fails loudly on ${core.name} ${core.version}, naming it and the versions it was written for, before patching anything`, () => {
      assert.throws(
        () => adapter.checkEngineVersionOnce(core),
        (e: Error) =>
          e instanceof adapter.CdkAdapterError &&
          e.message.includes(`not ${core.name} ${core.version}: nothing was synthesized`) &&
          e.message.includes("cdktf 0.21.0 and cdktn 0.24.0") &&
          e.message.includes(`add "${core.name} ${core.version}" to ADAPTED_CORES`),
      );
      assert.equal(adapter.validationEngines()?.length, 0, "nothing was patched, no validation ran");
    });
  }
});
