/**
 * No chown, chmod, write or remove ever follows a symbolic link at a managed
 * path, whether the link is there at plan time or swapped in between plan and
 * apply. Links point at a file and a directory outside the temp root owned by
 * daemon:daemon; their owner, mode and content are checked after every attempt.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, afterEach, before, describe, test } from "node:test";
import { resolveLayout } from "../constructs";
import { TempHost, expectSuccess, snapshot } from "./support/harness";
import { Victims, assertExactTree, flat, assertNoChanges, engineRun, restoreFromLink, swapForLink } from "./support/safety";

describe("a root that is a symbolic link before the first deploy", () => {
  let host: TempHost;
  let victims: Victims;
  before(() => {
    host = new TempHost();
    victims = new Victims();
    fs.symlinkSync(victims.directory, host.root);
  });
  after(() => {
    host.dispose();
    victims.dispose();
  });

  test("deploy fails at plan naming the link; the target directory is untouched", () => {
    const deploy = engineRun(host, "apply");
    assert.notEqual(deploy.code, 0);
    assert.match(flat(deploy.output), new RegExp(`refusing to plan: these managed paths are \\(or go through\\) symbolic links: ${host.root} `));
    victims.assertUntouched();
    assert.equal(fs.readlinkSync(host.root), victims.directory, "the link itself is left as it was");
  });
});

describe("links swapped into a deployed tree", () => {
  let host: TempHost;
  let victims: Victims;
  let layout: ReturnType<typeof resolveLayout>;
  before(() => {
    host = new TempHost();
    victims = new Victims();
    layout = resolveLayout(host.root);
    expectSuccess(host.cdktf("deploy"), "deploy");
  });
  afterEach(() => victims.assertUntouched());
  after(() => {
    host.dispose();
    victims.dispose();
  });

  test("a subdirectory replaced by a link to a directory: plan and deploy fail, nothing follows it", () => {
    const aside = swapForLink(layout.sidecarRoot, victims.directory);
    try {
      for (const verb of ["plan", "apply"] as const) {
        const result = engineRun(host, verb);
        assert.notEqual(result.code, 0, verb);
        assert.match(flat(result.output), new RegExp(`symbolic links:.* ${layout.sidecarRoot}`), verb);
      }
    } finally {
      restoreFromLink(layout.sidecarRoot, aside);
    }
  });

  test("the config replaced by a link to a file: deploy does not write through it", () => {
    const aside = swapForLink(layout.configPath, victims.file);
    try {
      const deploy = engineRun(host, "apply");
      assert.notEqual(deploy.code, 0);
      assert.match(flat(deploy.output), new RegExp(`symbolic links:.* ${layout.configPath}`));
    } finally {
      restoreFromLink(layout.configPath, aside);
    }
  });

  test("destroy with a link in the tree fails before removing anything", () => {
    const aside = swapForLink(path.join(host.root, "locks"), victims.directory);
    try {
      const before = snapshot(host.root);
      const destroy = engineRun(host, "destroy");
      assert.notEqual(destroy.code, 0);
      assert.match(flat(destroy.output), new RegExp(`symbolic links:.* ${host.root}/locks`));
      assert.deepEqual(snapshot(host.root), before, "nothing removed");
    } finally {
      restoreFromLink(path.join(host.root, "locks"), aside);
    }
  });

  test("links swapped in between plan and apply (saved plan): every command refuses, targets untouched", () => {
    // A plan that re-owns every path and re-writes the config (new env-file path).
    const change = { CUTTER_OWNER: "nobody", CUTTER_GROUP: "nogroup", CUTTER_ENV_FILE: "/etc/cutter/other.env" };
    const plan = engineRun(host, "plan", change, ["-out=swap.tfplan"]);
    assert.equal(plan.code, 0, plan.output.slice(-3000));
    const swaps = [
      [layout.sidecarRoot, victims.directory],
      [path.join(host.root, "approvals"), victims.directory],
      [layout.configPath, victims.file],
      [layout.readmePath, victims.file],
    ].map(([at, target]) => [at, swapForLink(at, target)]);
    try {
      const apply = host.engine(["apply", "-input=false", "-no-color", "swap.tfplan"], change);
      assert.notEqual(apply.code, 0, "apply fails");
      const output = flat(apply.output);
      assert.match(output, new RegExp(`refusing to change owner/mode of ${layout.sidecarRoot}: it is a symbolic link`));
      assert.match(output, new RegExp(`refusing to change owner/mode of ${host.root}/approvals: it is a symbolic link`));
      // The provider replaces a re-written file by removing the old entry first: the link itself
      // goes (never its target) and the guard then sees a free path.
      for (const file of [layout.configPath, layout.readmePath]) {
        const st = fs.lstatSync(file, { throwIfNoEntry: false });
        assert.ok(st === undefined || st.isFile(), `${file} is a real file or absent, never the link written through`);
      }
    } finally {
      for (const [at, aside] of swaps) {
        fs.rmSync(at, { force: true });
        fs.renameSync(aside, at);
      }
    }
  });

  test("with the links gone, one deploy converges and plan shows 0 changes", () => {
    expectSuccess(host.cdktf("deploy"), "deploy");
    assertExactTree(host);
    assertNoChanges(host);
  });
});

describe("a link placed where a file is about to be written for the first time", () => {
  let host: TempHost;
  let victims: Victims;
  before(() => {
    host = new TempHost({ CUTTER_ADOPT_EXISTING: "1" });
    victims = new Victims();
    fs.mkdirSync(host.root, { mode: 0o750 });
  });
  after(() => {
    host.dispose();
    victims.dispose();
  });

  test("planned with the path free, linked before apply: the write guard refuses and the target keeps its bytes", () => {
    const layout = resolveLayout(host.root);
    const plan = engineRun(host, "plan", {}, ["-out=first.tfplan"]);
    assert.equal(plan.code, 0, plan.output.slice(-3000));
    fs.symlinkSync(victims.file, layout.configPath);
    const apply = host.engine(["apply", "-input=false", "-no-color", "first.tfplan"]);
    assert.notEqual(apply.code, 0);
    assert.match(flat(apply.output), new RegExp(`refusing to write ${layout.configPath}: it is a symbolic link; nothing was written`));
    victims.assertUntouched();
    assert.equal(fs.readlinkSync(layout.configPath), victims.file, "the link is left for the operator to see");
  });
});
