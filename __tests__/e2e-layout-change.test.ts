/**
 * A release that changes the layout, with the real engine: directories live in
 * chunks (one resource per up to 64), so adding one replaces its chunk. The
 * replacement must keep every existing directory (same inode, data untouched);
 * a directory dropped from the layout is left in place, never removed.
 * The layouts come from the bench app (the real RuntimeStack, N generated dirs).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { planJsonOf, writeSetOf } from "../cli/plan-summary";
import { REPO, TempHost, expectSuccess, planCounts, run } from "./support/harness";
import { flat } from "./support/safety";

describe("a release adds a directory, a later one drops it", () => {
  let host: TempHost;
  const at = (name: string) => path.join(host.root, name);
  /** Synthesizes the real stack with `count` generated directories (d0001…) and applies it. */
  const synth = (count: number) => {
    expectSuccess(
      run("node", [path.join(REPO, "dist", "bench", "bench-app.js")], { env: host.env({ CDKTF_OUTDIR: host.outDir, BENCH_DIRECTORIES: String(count) }) }),
      "synth",
    );
  };
  const apply = (what: string) => expectSuccess(host.engine(["apply", "-auto-approve", "-input=false", "-no-color"]), what);

  before(() => {
    host = new TempHost();
    synth(3);
    expectSuccess(host.engine(["init", "-input=false", "-no-color"]), "init");
    apply("first deploy");
    fs.writeFileSync(at("d0001/run.json"), '{"run":1}\n');
    fs.writeFileSync(at("d0003/kept.txt"), "data in the directory that a later release drops\n");
  });
  after(() => host.dispose());

  test("adding d0004 replaces the chunk: d0004 is created, d0001..d0003 keep inode and data", () => {
    const inodes = ["d0001", "d0002", "d0003"].map((n) => fs.statSync(at(n)).ino);
    synth(4);
    const w = writeSetOf(planJsonOf(host.stackDir, host.env()));
    assert.deepEqual(
      w.directoriesToCreate.map((d) => d.path),
      [at("d0004")],
    );
    assert.deepEqual(w.directoriesToRemove, []);
    const deploy = apply("deploy with d0004");
    assert.match(deploy.output, /Apply complete! Resources: \d+ added, \d+ changed, \d+ destroyed/);
    assert.deepEqual(
      ["d0001", "d0002", "d0003"].map((n) => fs.statSync(at(n)).ino),
      inodes,
      "no existing directory re-created",
    );
    assert.equal(fs.readFileSync(at("d0001/run.json"), "utf8"), '{"run":1}\n');
    assert.equal((fs.statSync(at("d0004")).mode & 0o7777).toString(8), "750");
    const plan = expectSuccess(host.engine(["plan", "-input=false", "-no-color"]), "plan after");
    assert.deepEqual(planCounts(plan.output), { add: 0, change: 0, destroy: 0 });
  });

  test("dropping d0003 and d0004 leaves both in place, d0003 with its data; the plan says so", () => {
    synth(2);
    const w = writeSetOf(planJsonOf(host.stackDir, host.env()));
    assert.deepEqual(
      w.directoriesLeftInPlace.map((d) => d.path),
      [at("d0003"), at("d0004")],
    );
    assert.deepEqual(w.directoriesToRemove, []);
    apply("deploy without d0003/d0004");
    assert.equal(fs.readFileSync(at("d0003/kept.txt"), "utf8"), "data in the directory that a later release drops\n");
    assert.ok(fs.statSync(at("d0004")).isDirectory(), "an empty dropped directory stays too");
    assert.equal(fs.readFileSync(at("d0001/run.json"), "utf8"), '{"run":1}\n');
  });

  test("destroy then stops on the left-over directories and the data, removing nothing", () => {
    const destroy = host.engine(["destroy", "-auto-approve", "-input=false", "-no-color"]);
    assert.notEqual(destroy.code, 0);
    assert.match(flat(destroy.output), new RegExp(`kept ${host.root}: holds 2 entries this stack did not create`));
    assert.match(flat(destroy.output), new RegExp(`kept ${at("d0001")}: holds 1 entry`));
    assert.deepEqual(fs.readdirSync(host.root).sort(), ["README.md", "d0001", "d0002", "d0003", "d0004", "orchestrator.config.json"]);
  });

  test("once the operator moves them and the data out, destroy removes everything", () => {
    for (const n of ["d0003", "d0004"]) fs.rmSync(at(n), { recursive: true });
    fs.rmSync(at("d0001/run.json"));
    expectSuccess(host.engine(["destroy", "-auto-approve", "-input=false", "-no-color"]), "destroy");
    assert.equal(fs.existsSync(host.root), false);
  });
});
