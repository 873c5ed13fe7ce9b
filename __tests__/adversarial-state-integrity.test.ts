/**
 * Adversarial: a local state that is cut off, emptied, lost, swapped or left behind in
 * errored.tfstate. No command may report success while the ownership records say
 * the stack owns paths; each stops before changing anything and prints the exact
 * command that restores the last good state, and after that command the next one
 * converges. Both ways to run the engine are tried: the npm scripts' CLI and the raw
 * `cdktf` commands (whose app refuses at synth).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { TempHost, expectSuccess, snapshot } from "./support/harness";
import { cutter } from "./support/operator";
import { CUTTER_LAYOUT } from "../constructs";
import { assertExactTree, flat, mount, prepareEngine, startEngine, synthesizedAddresses, umount, waitFor } from "./support/safety";
import { fillFilesystem, modeOf, printedRestore, runPrintedRestore, startCli } from "./support/state-faults";

const APPLY = ["apply", "-auto-approve", "-input=false", "-no-color"];

function recoveryDir(host: TempHost): string {
  return `${host.statePath}.recovery`;
}

/** Paths the stack records: the root, its subdirectories, the config and the README. */
const MANAGED_PATHS = 1 + CUTTER_LAYOUT.subdirectories.length + 2;

function recordCount(host: TempHost): number {
  const dir = `${host.statePath}.ownership`;
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => /^[0-9a-f]{64}$/.test(n)).length : 0;
}

describe("item 1: a destroy killed while the engine rewrites the state leaves it empty", () => {
  let host: TempHost;
  before(() => {
    host = new TempHost();
    expectSuccess(cutter(host, ["deploy"]), "deploy");
  });
  after(() => host.dispose());

  test("npm and cdktf destroy refuse an empty state, change nothing and print the restore; after it, destroy removes exactly the tree", () => {
    const tree = snapshot(host.root);
    // Terraform's local backend truncates the file, then writes it: a kill in between leaves 0 bytes.
    fs.truncateSync(host.statePath, 0);
    const resources = synthesizedAddresses(host).length;
    for (const [how, result] of [
      ["npm", cutter(host, ["destroy", "--auto-approve"])],
      ["cdktf", host.cdktf("destroy")],
    ] as const) {
      assert.equal(result.code, 1, `${how}: ${result.output.slice(-2000)}`);
      assert.doesNotMatch(result.output, /No objects need to be destroyed|Destroy complete|Apply complete/, how);
      assert.match(
        flat(result.output),
        new RegExp(`is empty \\(0 bytes\\), so the engine would see none of the ${resources} resource\\(s\\) the stack had`),
        how,
      );
      assert.match(flat(result.output), new RegExp(`the ownership records in \\S+ say the stack owns ${MANAGED_PATHS} path\\(s\\)`), how);
      const [from, to] = printedRestore(result.output);
      assert.equal(to, host.statePath, how);
      assert.equal(path.dirname(from), recoveryDir(host), how);
    }
    assert.deepEqual(snapshot(host.root), tree, "nothing changed");
    assert.equal(fs.statSync(host.statePath).size, 0, "the broken state is left for the operator");
    runPrintedRestore(cutter(host, ["destroy", "--auto-approve"]).output);
    expectSuccess(cutter(host, ["destroy", "--auto-approve"]), "destroy after the restore");
    assert.equal(fs.existsSync(host.root), false, "the tree is gone");
    assert.equal(recordCount(host), 0, "and so are its records");
  });
});

describe("item 1, for real: destroy SIGKILLed at the moment the engine first writes the state", () => {
  let host: TempHost;
  before(() => (host = new TempHost()));
  after(() => host.dispose());

  test("whatever the kill leaves (twice), no command reports success while the tree is there, and following the printed commands removes it", async () => {
    const outcomes: string[] = [];
    for (let attempt = 0; attempt < 2; attempt++) {
      expectSuccess(cutter(host, ["deploy"]), "deploy");
      const before = fs.statSync(host.statePath);
      const destroy = startCli(host, ["destroy", "--auto-approve"]);
      const changed = () => {
        const now = fs.statSync(host.statePath, { throwIfNoEntry: false });
        return !now || now.mtimeMs !== before.mtimeMs || now.size !== before.size || now.ino !== before.ino;
      };
      await waitFor(() => changed() || destroy.child.exitCode !== null, 60_000, "the first state write of the destroy");
      destroy.kill("SIGKILL");
      await destroy.done;
      outcomes.push(`${fs.statSync(host.statePath).size} bytes`);
      // Follow what the commands say, at most three steps; none may exit 0 while the tree is still there.
      for (let step = 0; ; step++) {
        assert.ok(step < 3, `converged within three steps (${outcomes.join(", ")})`);
        const next = cutter(host, ["destroy", "--auto-approve"]);
        if (next.code === 0) {
          assert.equal(fs.existsSync(host.root), false, `destroy exited 0, so the tree is gone:\n${next.output.slice(-2000)}`);
          break;
        }
        runPrintedRestore(next.output);
      }
      assert.equal(recordCount(host), 0);
    }
  });
});

describe("a first deploy killed during its very first state write (records, no state at all)", () => {
  let host: TempHost;
  before(() => {
    host = new TempHost();
    prepareEngine(host);
  });
  after(() => host.dispose());

  // The tree remover is created (and written to state) before any path is recorded, so a real
  // kill lands here only while the engine writes its very first state: the deploy is killed once
  // the first path is recorded, then the state it wrote is taken away (no state, no .backup, no
  // verified copy), which is what that kill leaves. No destroy may report "nothing to destroy".
  test("destroy refuses (npm and cdktf) and says deploy first; deploy converges; destroy then removes the tree", async () => {
    const deploy = startEngine(host, APPLY);
    let ended = false;
    void deploy.done.then(() => (ended = true));
    await waitFor(() => recordCount(host) > 0 || ended, 60_000, "the first ownership record");
    deploy.kill();
    await deploy.done;
    assert.ok(recordCount(host) > 0, "killed after the first record");
    for (const p of [host.statePath, `${host.statePath}.backup`, recoveryDir(host)]) fs.rmSync(p, { recursive: true, force: true });
    for (const [how, result] of [
      ["npm", cutter(host, ["destroy", "--auto-approve"])],
      ["cdktf", host.cdktf("destroy")],
    ] as const) {
      assert.equal(result.code, 1, `${how}: ${result.output.slice(-2000)}`);
      assert.doesNotMatch(result.output, /No objects need to be destroyed/, how);
      assert.match(
        flat(result.output),
        /a first deploy was interrupted before the engine wrote its state\. A destroy would report "nothing to destroy" and leave them/,
        how,
      );
      assert.match(flat(result.output), /Deploy first \(it takes back the paths it recorded and writes the state\), then destroy/, how);
    }
    expectSuccess(cutter(host, ["deploy"]), "deploy");
    assertExactTree(host);
    expectSuccess(cutter(host, ["destroy", "--auto-approve"]), "destroy");
    assert.equal(fs.existsSync(host.root), false);
  });
});

describe("a state lost, or swapped for another stack's", () => {
  let host: TempHost;
  before(() => {
    host = new TempHost();
    expectSuccess(cutter(host, ["deploy"]), "deploy");
    expectSuccess(cutter(host, ["plan"]), "plan (keeps a verified copy)");
  });
  after(() => host.dispose());

  test("a deleted state is told from one never written: refused with the restore, then 0 changes", () => {
    const kept = fs.readFileSync(host.statePath);
    fs.rmSync(host.statePath);
    const result = cutter(host, ["deploy"]);
    assert.equal(result.code, 1, result.output);
    assert.match(
      flat(result.output),
      new RegExp(`\\.tfstate is missing, so the engine would see none of the ${synthesizedAddresses(host).length} resource\\(s\\) the stack had`),
    );
    assert.equal(fs.existsSync(host.statePath), false, "nothing written");
    runPrintedRestore(result.output);
    assert.deepEqual(JSON.parse(fs.readFileSync(host.statePath, "utf8")).resources, JSON.parse(kept.toString()).resources);
    assert.equal(modeOf(host.statePath), "0600");
    const plan = expectSuccess(cutter(host, ["plan"]), "plan");
    assert.match(plan.output, /engine plan: 0 to add, 0 to change, 0 to destroy/);
  });

  test("a state with another lineage (another stack's state copied over it) is refused", () => {
    const original = fs.readFileSync(host.statePath, "utf8");
    const other = JSON.parse(original);
    other.lineage = "00000000-1111-2222-3333-444444444444";
    fs.writeFileSync(host.statePath, JSON.stringify(other));
    const result = cutter(host, ["destroy", "--auto-approve"]);
    assert.equal(result.code, 1, result.output);
    assert.match(
      flat(result.output),
      /is not the state of stack cutter-runtime \(from environment variables\): its lineage is 00000000-1111-2222-3333-444444444444/,
    );
    assert.ok(fs.existsSync(host.root), "nothing destroyed");
    runPrintedRestore(result.output);
    assert.equal(JSON.parse(fs.readFileSync(host.statePath, "utf8")).lineage, JSON.parse(original).lineage);
  });

  test("a cut-off state (invalid JSON) is refused with the restore", () => {
    const bytes = fs.readFileSync(host.statePath);
    fs.writeFileSync(host.statePath, bytes.subarray(0, 4096));
    const result = cutter(host, ["plan"]);
    assert.notEqual(result.code, 0);
    assert.match(flat(result.output), /is not valid JSON \(4096 bytes: cut off while it was written\?\)/);
    runPrintedRestore(result.output);
    expectSuccess(cutter(host, ["plan"]), "plan after the restore");
  });

  test("only a few verified copies are kept, each 0600 in a 0700 directory", () => {
    const copies = fs.readdirSync(recoveryDir(host));
    assert.ok(copies.length >= 1 && copies.length <= 5, copies.join(", "));
    assert.equal(modeOf(recoveryDir(host)), "0700");
    for (const c of copies) {
      assert.match(c, /^cutter-runtime-\d{8}T\d{6}Z-verified(-\d+)?\.tfstate$/);
      assert.equal(modeOf(path.join(recoveryDir(host), c)), "0600");
    }
  });
});

describe("item 2: a full filesystem under the state", () => {
  let host: TempHost;
  let disk: string;
  before(() => {
    host = new TempHost();
    disk = path.dirname(host.statePath);
    fs.mkdirSync(disk);
    mount(["-t", "tmpfs", "-o", "size=40k,mode=0700", "tmpfs", disk]);
  });
  after(() => {
    umount(disk);
    host.dispose();
  });

  test("the engine leaves a cut-off state and errored.tfstate; every command refuses with the way back; after it, deploy converges", () => {
    prepareEngine(host);
    const failed = host.engine(APPLY);
    assert.notEqual(failed.code, 0);
    assert.match(flat(failed.output), /Failed to write state.*no space left on device/);
    const errored = path.join(host.stackDir, "errored.tfstate");
    assert.ok(fs.existsSync(errored), "the engine left errored.tfstate in its working directory");

    // Still full: the copy cannot move to the recovery directory; it stays, and the command says so.
    for (const [how, result] of [["npm", cutter(host, ["deploy"])]] as const) {
      assert.equal(result.code, 1, `${how}: ${result.output.slice(-2000)}`);
      assert.doesNotMatch(result.output, /Apply complete|Error refreshing state/, how);
      assert.match(
        flat(result.output),
        /The engine could not write the state and left the newest state it knew in \S+errored\.tfstate \(it could not be moved to \S+: ENOSPC: no space left on device, write; leave it there\)\. Once the cause is fixed \(often a full filesystem under the state: df -h \S+\), restore the last good state \(serial \d+, \d+ resource\(s\), lineage \S+\) and run the command again/,
        how,
      );
      assert.deepEqual(printedRestore(result.output), [errored, host.statePath], how);
    }
    assert.ok(fs.existsSync(errored), "kept in place, not removed by synth");

    // Space again: the next command moves it to the recovery directory (0600) and prints the command to put it back.
    mount(["-o", "remount,size=10m", disk]);
    const moved = cutter(host, ["deploy"]);
    assert.equal(moved.code, 1, moved.output);
    const [from, to] = printedRestore(moved.output);
    assert.equal(to, host.statePath);
    assert.match(path.basename(from), /^cutter-runtime-\d{8}T\d{6}Z-errored\.tfstate$/);
    assert.equal(modeOf(from), "0600");
    assert.equal(fs.existsSync(errored), false, "moved out of the stack directory");
    runPrintedRestore(moved.output);
    expectSuccess(cutter(host, ["deploy"]), "deploy after putting the state back");
    assertExactTree(host);
    const plan = expectSuccess(cutter(host, ["plan"]), "plan");
    assert.match(plan.output, /engine plan: 0 to add, 0 to change, 0 to destroy/);
  });

  test("a full filesystem is refused before the engine can cut the state off", () => {
    const before = fs.readFileSync(host.statePath);
    const filler = fillFilesystem(disk);
    try {
      const result = cutter(host, ["destroy", "--auto-approve"]);
      assert.equal(result.code, 1, result.output);
      assert.match(
        flat(result.output),
        /the filesystem holding \S+ has \d+ bytes free; the engine rewrites the state in place and keeps a backup, which needs about \d+\. Nothing was changed/,
      );
      assert.deepEqual(fs.readFileSync(host.statePath), before, "state untouched");
      assertExactTree(host);
    } finally {
      fs.rmSync(filler);
    }
    expectSuccess(cutter(host, ["destroy", "--auto-approve"]), "destroy once there is space");
    assert.equal(fs.existsSync(host.root), false);
  });
});
