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
