/**
 * Issue 10 item 5: the ownership records are crash-safe. A create, a repair or a
 * destroy interrupted at an exact point (the engine's whole process group killed
 * while a script waits in a shim: record written but mkdir not done, mkdir done but
 * install not, a replacement being created while the object it replaces is deposed,
 * between two rmdirs of a destroy), a repair that fails (a file where runs/ belongs,
 * later moved out) and a repair on a full filesystem are each followed by a destroy
 * that removes exactly the stack's tree (and nothing beside it) and by a deploy that
 * converges (0 changes after).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { recordKey } from "../constructs";
import { snapshot } from "./support/harness";
import { assertExactTree, mount, umount } from "./support/safety";
import { EngineHost, Shims, Started, oneLine, settled, until } from "./support/tree-faults";

/**
 * Kills `run` (its whole process group) once the armed shim is reached and the state
 * file is quiet (see `settled`); fails if the shim is never reached.
 */
async function killWhenReached(run: Started, shims: Shims, what: string, statePath: string): Promise<string> {
  try {
    await until(() => shims.reached !== undefined, 60_000, what);
    await settled(statePath, 400, 30_000);
  } finally {
    run.kill();
  }
  const result = await run.done;
  assert.equal(result.code, null, `${what}: the engine was killed, not finished:\n${result.output.slice(-2000)}`);
  assert.doesNotMatch(result.output, /Apply complete|Destroy complete/, `${what}: really interrupted`);
  return shims.reached!;
}

/** A file beside the root (in the root's parent): nothing may touch it. */
function besideRoot(host: EngineHost): string {
  const file = path.join(path.dirname(host.root), "beside-the-root.txt");
  fs.writeFileSync(file, "not the stack's\n");
  return file;
}

describe("item 5: killed during the first deploy (create)", () => {
  let host: EngineHost;
  let shims: Shims;
  let beside: string;
  before(() => {
    host = new EngineHost().prepare();
    shims = new Shims();
    beside = besideRoot(host);
  });
  after(() => {
    shims.dispose();
    host.dispose();
  });

  const moments: Array<[string, Parameters<Shims["arm"]>[1], () => string]> = [
    ["the root's record written, its mkdir not done", "mkdir", () => "-m 0700 -- cutter"],
    ["the root made (0700), its owner and mode not applied", "install", () => "-- ."],
    ["the config's record being written (right before the write)", "mv", () => recordKey(host.layout.configPath)],
    ["the config written, its owner and mode not applied", "chown", () => "/proc/self/fd/3"],
  ];
  for (const [moment, command, args] of moments) {
    test(`killed when ${moment}: destroy removes exactly what was made, and the records`, async () => {
      const deploy = host.start("apply", { env: shims.arm(host.env(), command, args()) });
      const reached = await killWhenReached(deploy, shims, moment, host.statePath);
      assert.ok(reached.length > 0);
      const destroy = await host.ok("destroy");
      assert.match(destroy.output, /Destroy complete! Resources: \d+ destroyed\./);
      host.assertTreeGone(`after a kill when ${moment} (${reached}); destroy said:\n${destroy.output.slice(-3000)}`);
      assert.equal(fs.readFileSync(beside, "utf8"), "not the stack's\n");
    });
  }

  test("killed after some subdirectories were made: the next deploy converges exactly, 0 changes after", async () => {
    const deploy = host.start("apply", { env: shims.arm(host.env(), "mkdir", "-m 0700 -- ", 4) });
    await killWhenReached(deploy, shims, "the third subdirectory's mkdir", host.statePath);
    assert.ok(fs.existsSync(host.root), "the root was made before the kill");
    await host.ok("apply");
    assertExactTree(host);
    assert.equal((await host.planCounts()).add, 0);
    assert.deepEqual(await host.planCounts().then(({ add, change, destroy }) => ({ add, change, destroy })), { add: 0, change: 0, destroy: 0 });
  });
});

describe("item 5: a repair that fails, is killed, or runs out of space", () => {
  let host: EngineHost;
  let shims: Shims;
  let beside: string;
  before(async () => {
    host = new EngineHost().prepare();
    shims = new Shims();
    beside = besideRoot(host);
  });
  after(() => {
    shims.dispose();
    host.dispose();
  });

  /** Deploys a fresh tree, then drifts it: runs/ mode, locks/ removed, the README edited. */
  async function deployAndDrift(): Promise<void> {
    await host.ok("apply");
    fs.chmodSync(path.join(host.root, "runs"), 0o777);
    fs.rmdirSync(path.join(host.root, "locks"));
    fs.writeFileSync(host.layout.readmePath, "# edited by hand\n");
  }

  test("a file where runs/ belongs: the repair fails and changes nothing; once it is moved out, destroy removes exactly the tree", async () => {
    await host.ok("apply");
    const runs = path.join(host.root, "runs");
    fs.rmdirSync(runs);
    fs.writeFileSync(runs, "someone's notes\n");
    const repair = await host.run("apply");
    assert.equal(repair.code, 1);
    assert.match(oneLine(repair.output), new RegExp(`${runs} is not a directory; nothing was changed. Move it out of the tree, then deploy again`));
    const state = fs.readFileSync(host.statePath, "utf8");
    assert.match(state, /"status": "tainted"/, "the failed replacement is tainted in state");
    assert.match(state, /"deposed": "/, "the object it replaces is deposed");
    const moved = path.join(host.dir, "notes");
    fs.renameSync(runs, moved);
    // Before the tree remover, this destroy stopped at "refusing to remove ROOT: it holds 6 entries".
    const destroy = await host.ok("destroy");
    assert.doesNotMatch(destroy.output, /refusing/);
    host.assertTreeGone("after the failed repair");
    assert.equal(fs.readFileSync(moved, "utf8"), "someone's notes\n");
    assert.equal(fs.readFileSync(beside, "utf8"), "not the stack's\n");
  });

  test("the same failed repair, then the file moved out: one deploy converges, 0 changes after", async () => {
    await host.ok("apply");
    const runs = path.join(host.root, "runs");
    fs.rmdirSync(runs);
    fs.writeFileSync(runs, "x\n");
    assert.equal((await host.run("apply")).code, 1);
    fs.rmSync(runs);
    await host.ok("apply");
    assertExactTree(host);
    const { add, change, destroy } = await host.planCounts();
    assert.deepEqual({ add, change, destroy }, { add: 0, change: 0, destroy: 0 });
  });

  test("killed while the replacement of the subdirectories' resource runs (the old one deposed): destroy removes exactly the tree", async () => {
    await deployAndDrift();
    // The repair re-creates locks/: its mkdir comes after the record, inside the replacement.
    const repair = host.start("apply", { env: shims.arm(host.env(), "mkdir", "-m 0700 -- locks") });
    await killWhenReached(repair, shims, "the replacement's mkdir of locks/", host.statePath);
    await host.ok("destroy");
    host.assertTreeGone("after a kill during the repair");
  });

  test("killed in the replacement's install (after mkdir): the next deploy converges, 0 changes after", async () => {
    await deployAndDrift();
    const repair = host.start("apply", { env: shims.arm(host.env(), "install", "-- .", 2) });
    await killWhenReached(repair, shims, "the replacement's second install", host.statePath);
    await host.ok("apply");
    assertExactTree(host);
    const { add, change, destroy } = await host.planCounts();
    assert.deepEqual({ add, change, destroy }, { add: 0, change: 0, destroy: 0 });
  });
});

describe("item 5: killed during a destroy", () => {
  let host: EngineHost;
  let shims: Shims;
  before(() => {
    host = new EngineHost().prepare();
    shims = new Shims();
  });
  after(() => {
    shims.dispose();
    host.dispose();
  });

  test("between two rmdirs: the next destroy finishes the job; data that appears meanwhile is kept and named", async () => {
    await host.ok("apply");
    const destroy = host.start("destroy", { env: shims.arm(host.env(), "rmdir", "-- ", 3) });
    await killWhenReached(destroy, shims, "the third rmdir", host.statePath);
    const left = snapshot(host.root).filter((e) => e.type === "directory").length;
    assert.ok(left > 1 && left < 8, `some directories removed, some left (${left})`);
    // The destroy guard is gone from state by now: data written in between must still be safe.
    const data = path.join(host.root, "runs", "run-1.json");
    const hasRuns = fs.existsSync(path.dirname(data));
    if (hasRuns) fs.writeFileSync(data, '{"run":1}\n');
    const second = await host.run("destroy");
    if (hasRuns) {
      assert.equal(second.code, 1);
      assert.match(oneLine(second.output), new RegExp(`kept ${host.root}/runs: holds 1 entry \\(nothing in it was touched\\)`));
      assert.match(oneLine(second.output), /destroy removed everything else the stack created and kept the 2 path\(s\) above/);
      assert.equal(fs.readFileSync(data, "utf8"), '{"run":1}\n');
      fs.rmSync(data);
      await host.ok("destroy");
    } else {
      assert.equal(second.code, 0, second.output);
    }
    host.assertTreeGone("after a destroy killed between two rmdirs");
  });

  test("after the provider deleted the files, before the first rmdir: a deploy converges again, and destroy then completes", async () => {
    await host.ok("apply");
    const destroy = host.start("destroy", { env: shims.arm(host.env(), "rmdir", "-- ", 1) });
    await killWhenReached(destroy, shims, "the first rmdir", host.statePath);
    assert.equal(fs.existsSync(host.layout.configPath), false, "the files were deleted before the kill");
    await host.ok("apply");
    assertExactTree(host);
    const { add, change, destroy: removed } = await host.planCounts();
    assert.deepEqual({ add, change, removed }, { add: 0, change: 0, removed: 0 });
    await host.ok("destroy");
    host.assertTreeGone("after a killed destroy, a deploy and a destroy");
  });

  test("the state lost after a deploy (a fault of issues 10 items 1-2): deploy re-claims only what the records say the stack made, then destroy removes it", async () => {
    await host.ok("apply");
    const stray = path.join(host.root, "runs", "run-7");
    fs.mkdirSync(stray);
    fs.writeFileSync(host.statePath, "");
    await host.ok("apply");
    assertExactTree(host, "root", "root", [stray]);
    fs.rmdirSync(stray);
    await host.ok("destroy");
    host.assertTreeGone("after the state was lost and a deploy re-claimed the tree");
  });

  test("a state from a release without the tree remover: destroy stops before removing anything and says to deploy once", async () => {
    await host.ok("apply");
    const state = JSON.parse(fs.readFileSync(host.statePath, "utf8"));
    state.resources = state.resources.filter((r: any) => r.name !== "remover");
    for (const r of state.resources) {
      for (const i of r.instances) {
        delete i.attributes?.input?.value?.remover_id;
        delete i.attributes?.input?.type?.[1]?.remover_id;
        delete i.attributes?.output?.value?.remover_id;
        delete i.attributes?.output?.type?.[1]?.remover_id;
        i.dependencies = (i.dependencies ?? []).filter((d: string) => d !== "terraform_data.remover");
      }
    }
    state.serial += 1;
    fs.writeFileSync(host.statePath, JSON.stringify(state, null, 2));
    const before = snapshot(host.root);
    const destroy = await host.run("destroy");
    assert.equal(destroy.code, 1);
    assert.match(oneLine(destroy.output), /this state was written by an earlier release, which had no tree remover\. Run deploy once with this release/);
    assert.deepEqual(snapshot(host.root), before, "nothing removed");
    await host.ok("apply");
    await host.ok("destroy");
    host.assertTreeGone("after the upgrade deploy");
  });
});

describe("item 5: a repair on a full filesystem (records and tree on a small tmpfs)", () => {
  let host: EngineHost;
  let disk: string;
  let filler: string;
  before(async () => {
    host = new EngineHost();
    disk = path.join(host.dir, "disk");
    fs.mkdirSync(disk);
    mount(["-t", "tmpfs", "-o", "size=256k,mode=0755", "tmpfs", disk]);
    host.inputs = { ...host.inputs, CUTTER_RUNTIME_ROOT: path.join(disk, "cutter"), CUTTER_OWNERSHIP_DIR: path.join(disk, "records") };
    host.prepare();
    filler = path.join(disk, "filler");
  });
  after(() => {
    umount(disk);
    host.dispose();
  });

  function fill(): void {
    const fd = fs.openSync(filler, "w");
    try {
      for (;;) fs.writeSync(fd, Buffer.alloc(1024, 1));
    } catch (error) {
      assert.equal((error as NodeJS.ErrnoException).code, "ENOSPC");
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Drifts directories and removes the README, fills the disk, and lets a repair fail on the README's re-write. */
  async function failedRepairOnFullDisk(): Promise<void> {
    await host.ok("apply");
    const root = host.layout.root;
    fs.chmodSync(path.join(root, "runs"), 0o777);
    fs.rmdirSync(path.join(root, "locks"));
    // Removed, so its re-write needs a page the full disk does not have (a rewrite in place would reuse its own).
    fs.rmSync(host.layout.readmePath);
    fill();
    const repair = await host.run("apply");
    assert.equal(repair.code, 1, "the repair fails");
    assert.match(oneLine(repair.output), /no space left on device/i);
  }

  test("destroy, with the disk still full, removes exactly the tree", async () => {
    await failedRepairOnFullDisk();
    await host.ok("destroy");
    host.assertTreeGone("after a repair on a full disk");
    assert.deepEqual(
      fs.readdirSync(disk).filter((n) => n !== "filler" && n !== "records"),
      [],
      "only the filler is left on the disk",
    );
    fs.rmSync(filler);
  });

  test("or, once space is freed, one deploy converges, 0 changes after", async () => {
    await failedRepairOnFullDisk();
    fs.rmSync(filler);
    await host.ok("apply");
    assertExactTree(host);
    const { add, change, destroy } = await host.planCounts();
    assert.deepEqual({ add, change, destroy }, { add: 0, change: 0, destroy: 0 });
    await host.ok("destroy");
    host.assertTreeGone("after the full-disk repair and a deploy");
  });
});
