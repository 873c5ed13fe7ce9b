/**
 * Faults: the engine killed mid-deploy, two deploys racing on one state, a
 * read-only and a full target filesystem. After each: a clear error, a state
 * the engine can still use, and one more deploy converging to exactly the tree
 * with 0 changes planned.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { TempHost, expectSuccess, snapshot } from "./support/harness";
import { fillFilesystem, runPrintedRestore } from "./support/state-faults";
import {
  assertExactTree,
  assertNoChanges,
  engineRun,
  flat,
  mount,
  prepareEngine,
  startEngine,
  stateAddresses,
  synthesizedAddresses,
  umount,
  waitFor,
} from "./support/safety";

const APPLY = ["apply", "-auto-approve", "-input=false", "-no-color"];

/** The state file exists and is whole JSON (a kill during the engine's write can cut it off). */
function stateParses(file: string): boolean {
  try {
    JSON.parse(fs.readFileSync(file, "utf8"));
    return true;
  } catch {
    return !fs.existsSync(file);
  }
}

describe("the engine is SIGKILLed in the middle of a deploy", () => {
  let host: TempHost;
  before(() => {
    host = new TempHost();
    prepareEngine(host);
  });
  after(() => host.dispose());

  test("killed right after the first directories appear, then again after the config is written: a deploy converges exactly", async () => {
    const moments: Array<[string, () => boolean]> = [
      ["the root exists", () => fs.existsSync(host.root)],
      ["the config exists", () => fs.existsSync(path.join(host.root, "orchestrator.config.json"))],
    ];
    for (const [moment, reached] of moments) {
      const deploy = startEngine(host, APPLY);
      await waitFor(reached, 120_000, moment);
      deploy.kill();
      const result = await deploy.done;
      assert.equal(result.code, null, `killed when ${moment}`);
      assert.doesNotMatch(result.output, /Apply complete/, `the deploy was really interrupted when ${moment}`);
      // A kill that lands on the engine's state write leaves it cut off. With an earlier state to go
      // back to (.backup), the next command refuses, changes nothing and prints the restore, which the
      // operator runs; with none (the very first write), deploy carries on from the ownership records
      // (adversarial-state-integrity tests both). Either way the deploy below must converge.
      if (!stateParses(host.statePath)) {
        const next = host.cdktf("deploy");
        if (next.code !== 0) runPrintedRestore(next.output);
      }
    }
    expectSuccess(host.cdktf("deploy"), "deploy after the kills");
    assertExactTree(host);
    assertNoChanges(host);
    assert.deepEqual(stateAddresses(host), synthesizedAddresses(host));
  });
});

describe("two deploys at once on the same state", () => {
  let host: TempHost;
  before(() => {
    host = new TempHost();
    prepareEngine(host);
  });
  after(() => host.dispose());

  test("one proceeds, the other fails cleanly on the state lock, and the tree is correct", async () => {
    const first = startEngine(host, APPLY);
    const second = startEngine(host, APPLY);
    const results = await Promise.all([first.done, second.done]);
    const codes = results.map((r) => r.code).sort();
    assert.deepEqual(codes, [0, 1], results.map((r) => r.output.slice(-1500)).join("\n----\n"));
    const loser = results.find((r) => r.code !== 0)!;
    assert.match(flat(loser.output), /Error acquiring the state lock/);
    assert.doesNotMatch(loser.output, /Creating\.\.\./, "the loser changed nothing");
    assertExactTree(host);
    assertNoChanges(host);
  });
});

describe("a read-only target filesystem (read-only bind mount)", () => {
  let host: TempHost;
  let parent: string;
  before(() => {
    host = new TempHost();
    parent = path.join(host.dir, "ro");
    fs.mkdirSync(parent);
    host.inputs = { ...host.inputs, CUTTER_RUNTIME_ROOT: path.join(parent, "cutter") };
    mount(["--bind", parent, parent]);
    mount(["-o", "remount,bind,ro", parent]);
  });
  after(() => {
    umount(parent);
    host.dispose();
  });

  test("deploy fails with a clear error, changes nothing, and keeps a usable state", () => {
    const deploy = engineRun(host, "apply");
    assert.notEqual(deploy.code, 0);
    assert.match(flat(deploy.output), /Read-only file system/);
    assert.deepEqual(fs.readdirSync(parent), [], "nothing created");
    const plan = engineRun(host, "plan");
    assert.equal(plan.code, 0, "the state is consistent: plan still works");
    // Everything but the tree remover (in state: it has no create-time step and touched nothing) is still to add.
    assert.ok(stateAddresses(host).filter((a) => a !== "terraform_data.remover").length <= 1, "at most the failed root resource, tainted");
    assert.match(plan.output, new RegExp(`Plan: ${synthesizedAddresses(host).length - 1} to add`));
  });

  test("once writable again, one deploy converges exactly", () => {
    mount(["-o", "remount,bind,rw", parent]);
    expectSuccess(host.cdktf("deploy"), "deploy");
    assertExactTree(host);
    assertNoChanges(host);
  });
});

describe("a full target filesystem (small tmpfs)", () => {
  let host: TempHost;
  let disk: string;
  let filler: string;
  before(() => {
    host = new TempHost();
    disk = path.join(host.dir, "disk");
    fs.mkdirSync(disk);
    mount(["-t", "tmpfs", "-o", "size=64k,mode=0755", "tmpfs", disk]);
    host.inputs = { ...host.inputs, CUTTER_RUNTIME_ROOT: path.join(disk, "cutter") };
    // Fill every byte: the config write then fails with ENOSPC.
    filler = fillFilesystem(disk);
  });
  after(() => {
    umount(disk);
    host.dispose();
  });

  test("deploy fails with a clear error and the state records only what was really done", () => {
    const deploy = engineRun(host, "apply");
    assert.notEqual(deploy.code, 0);
    assert.match(flat(deploy.output), /no space left on device/i);
    const plan = engineRun(host, "plan");
    assert.equal(plan.code, 0, "the state is consistent: plan still works");
    for (const address of stateAddresses(host)) {
      if (address.startsWith("local_file.")) {
        const state = JSON.parse(fs.readFileSync(host.statePath, "utf8"));
        const r = state.resources.find((x: any) => `${x.type}.${x.name}` === address);
        assert.ok(fs.existsSync(r.instances[0].attributes.filename), `${address} in state only if written`);
      }
    }
  });

  test("once space is freed, one deploy converges exactly", () => {
    fs.rmSync(filler);
    expectSuccess(host.cdktf("deploy"), "deploy");
    assertExactTree(host);
    assertNoChanges(host);
    expectSuccess(host.cdktf("destroy"), "destroy");
    assert.deepEqual(
      snapshot(disk).map((e) => e.path),
      [disk],
      "the tree is gone, the mount point stays",
    );
  });
});
