/**
 * Issue 10 items 7 and 9, and odd names: nothing opens a non-regular file at a managed
 * path (a FIFO, socket or device there once hung plan, deploy and destroy forever), a
 * managed file with more than one hard link is never written or chowned (it is another
 * name's file too), and entries with hostile names are counted, kept and never
 * mistaken for the stack's. Every engine run is bounded: a hang fails the test by
 * timeout instead of hanging CI.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { snapshot } from "./support/harness";
import { Victims, assertExactTree } from "./support/safety";
import { verify } from "./support/tools";
import { EngineHost, oneLine } from "./support/tree-faults";

/** A bounded run must end by itself well inside its limit: a FIFO that blocks shows up as a timeout. */
const LIMIT_MS = 60_000;

function makeFifo(at: string): void {
  assert.equal(spawnSync("mkfifo", ["-m", "0600", at]).status, 0, `mkfifo ${at}`);
}

function makeSocket(at: string): boolean {
  const r = spawnSync("python3", ["-c", "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])", at]);
  return r.status === 0;
}

describe("items 7: a FIFO, socket or device where a managed file belongs", () => {
  let host: EngineHost;
  before(async () => {
    host = new EngineHost().prepare();
    await host.ok("apply");
  });
  after(() => host.dispose());

  /** Runs `verbs`, each of which must stop at once (no hang), naming `at`, and change nothing. */
  async function refusedAt(at: string, verbs: readonly ("plan" | "apply" | "destroy")[]): Promise<void> {
    const before = snapshot(host.root);
    for (const verb of verbs) {
      const r = await host.run(verb, { limitMs: LIMIT_MS });
      assert.equal(r.timedOut, false, `${verb} did not hang`);
      assert.equal(r.code, 1, `${verb} fails`);
      assert.match(
        oneLine(r.output),
        new RegExp(
          `refusing to plan: where a managed file belongs there is something else \\(a FIFO, socket, device or directory\\), which is never opened: ${at}\\. Nothing was read or changed`,
        ),
        verb,
      );
      assert.deepEqual(snapshot(host.root), before, `${verb} changed nothing`);
    }
  }

  test("a FIFO at the config: plan, deploy and destroy each stop at once naming it, open nothing and change nothing; once removed, one deploy converges", async () => {
    const at = host.layout.configPath;
    fs.rmSync(at);
    makeFifo(at);
    await refusedAt(at, ["plan", "apply", "destroy"]);
    fs.rmSync(at);
    await host.ok("apply");
    assertExactTree(host);
    const { add, change, destroy } = await host.planCounts();
    assert.deepEqual({ add, change, destroy }, { add: 0, change: 0, destroy: 0 });
  });

  const others: Array<[string, string, (at: string) => boolean]> = [
    ["a UNIX socket at the README", "readmePath", makeSocket],
    ["a character device (like /dev/null) at the config", "configPath", (at) => spawnSync("mknod", ["-m", "0600", at, "c", "1", "3"]).status === 0],
  ];
  for (const [what, which, make] of others) {
    test(`${what}: the plan stops at once naming it and changes nothing`, async (t) => {
      const at = which === "readmePath" ? host.layout.readmePath : host.layout.configPath;
      fs.renameSync(at, `${at}.aside`);
      try {
        if (!make(at)) return t.skip("could not make it on this host");
        await refusedAt(at, ["plan"]);
        fs.rmSync(at);
      } finally {
        fs.renameSync(`${at}.aside`, at);
      }
    });
  }

  test("a FIFO where runs/ belongs: shown as drift, deploy refuses at that path, destroy names it; nothing blocks", async () => {
    const runs = path.join(host.root, "runs");
    fs.rmdirSync(runs);
    makeFifo(runs);
    const plan = await host.run("plan", { limitMs: LIMIT_MS });
    assert.equal(plan.timedOut, false);
    assert.equal(plan.code, 0);
    assert.match(
      oneLine(plan.output),
      new RegExp(`drift observed at plan: ${runs}: is a fifo, expected a directory; deploy stops at this path and changes nothing`),
    );
    const deploy = await host.run("apply", { limitMs: LIMIT_MS });
    assert.equal(deploy.code, 1);
    assert.match(oneLine(deploy.output), new RegExp(`${runs} is not a directory; nothing was changed`));
    const destroy = await host.run("destroy", { limitMs: LIMIT_MS });
    assert.equal(destroy.code, 1);
    assert.match(oneLine(destroy.output), new RegExp(`kept ${runs}: it is not a directory`));
    assert.ok(fs.lstatSync(runs).isFIFO(), "the FIFO is left for its owner");
    fs.rmSync(runs);
    await host.ok("apply");
    assertExactTree(host);
  });

  test("a FIFO and a socket inside runs/ (data): destroy counts them and stops, reading neither; removed, destroy completes", async () => {
    const fifo = path.join(host.root, "runs", "events.fifo");
    makeFifo(fifo);
    const socket = path.join(host.root, "runs", "orchestrator.sock");
    const entries = makeSocket(socket) ? 2 : 1;
    const destroy = await host.run("destroy", { limitMs: LIMIT_MS });
    assert.equal(destroy.timedOut, false);
    assert.equal(destroy.code, 1);
    assert.match(oneLine(destroy.output), new RegExp(`kept ${host.root}/runs: holds ${entries === 1 ? "1 entry" : `${entries} entries`}`));
    fs.rmSync(fifo);
    fs.rmSync(socket, { force: true });
    await host.ok("destroy");
    host.assertTreeGone("after the special files were moved out");
  });
});

describe("item 9: a managed file with more than one hard link is not the stack's to write", () => {
  let host: EngineHost;
  let victims: Victims;
  before(async () => {
    host = new EngineHost().prepare();
    victims = new Victims();
    await host.ok("apply");
  });
  after(() => {
    host.dispose();
    victims.dispose();
  });

  test("the config replaced by a hard link to a file outside the tree: drift in the plan, deploy refuses before any write, verify FAILs; the outside file keeps owner, mode and bytes", async () => {
    const config = host.layout.configPath;
    fs.rmSync(config);
    fs.linkSync(victims.file, config);
    const plan = await host.run("plan");
    assert.equal(plan.code, 0);
    assert.match(
      oneLine(plan.output),
      new RegExp(`drift observed at plan: ${config}: .*2 hard links: another name shares this file, so deploy refuses to write or chown it`),
    );
    const deploy = await host.run("apply");
    assert.equal(deploy.code, 1);
    assert.match(
      oneLine(deploy.output),
      new RegExp(`refusing to (write|change owner/mode of) ${config}: it has 2 hard links, so another name \\(maybe outside the tree\\) shares this file`),
    );
    victims.assertUntouched();
    const v = verify(host, ["--allow-data"]);
    assert.equal(v.code, 1, v.output);
    assert.match(v.stdout, new RegExp(`${config}: 2 hard links: another name shares this file`));
    fs.rmSync(config);
    await host.ok("apply");
    assertExactTree(host);
    victims.assertUntouched();
  });

  test("the stack's own README hard-linked from outside (same bytes): deploy refuses to chown it and says how to find the other name", async () => {
    const other = path.join(victims.dir, "copy-of-config");
    fs.linkSync(host.layout.readmePath, other);
    try {
      const plan = await host.run("plan");
      assert.match(oneLine(plan.output), new RegExp(`drift observed at plan: ${host.layout.readmePath}: 2 hard links`));
      const deploy = await host.run("apply");
      assert.equal(deploy.code, 1);
      assert.match(
        oneLine(deploy.output),
        new RegExp(`refusing to change owner/mode of ${host.layout.readmePath}: it has 2 hard links.*find / -xdev -samefile ${host.layout.readmePath}`),
      );
      assert.equal(verify(host).code, 1);
    } finally {
      fs.rmSync(other);
    }
    await host.ok("apply");
    const { add, change, destroy } = await host.planCounts();
    assert.deepEqual({ add, change, destroy }, { add: 0, change: 0, destroy: 0 }, "once the other name is gone, one deploy converges");
  });

  test("a hard link swapped in between a saved plan and its apply: the write guard refuses, the outside file is untouched", async () => {
    fs.writeFileSync(host.layout.configPath, "{}\n");
    const plan = await host.run("plan", { args: ["-out=hard.tfplan"] });
    assert.equal(plan.code, 0, plan.output.slice(-2000));
    fs.rmSync(host.layout.configPath);
    fs.linkSync(victims.file, host.layout.configPath);
    const apply = await host.run("apply", { args: ["hard.tfplan"] });
    assert.equal(apply.code, 1);
    assert.match(oneLine(apply.output), new RegExp(`refusing to write ${host.layout.configPath}: it has 2 hard links`));
    victims.assertUntouched();
    fs.rmSync(host.layout.configPath);
    await host.ok("apply");
    assertExactTree(host);
  });
});

describe("odd names inside the tree", () => {
  let host: EngineHost;
  before(async () => {
    host = new EngineHost().prepare();
    await host.ok("apply");
  });
  after(() => host.dispose());

  test("entries named -rf, *, a newline, a space, .., a backslash and a hidden name: destroy counts each, stops, removes nothing; once moved out it completes", async () => {
    const names = ["-rf", "*", "a\nb", " ", "...", "\\", ".hidden", "--", "$(touch x)"];
    const runs = path.join(host.root, "runs");
    for (const n of names) fs.writeFileSync(path.join(runs, n), "data\n");
    fs.mkdirSync(path.join(host.root, "-n"));
    const before = snapshot(host.root);
    const destroy = await host.run("destroy");
    assert.equal(destroy.code, 1);
    assert.match(oneLine(destroy.output), new RegExp(`kept ${runs}: holds ${names.length} entries`));
    assert.match(oneLine(destroy.output), new RegExp(`kept ${host.root}: holds 1 entry this stack did not create`));
    assert.deepEqual(snapshot(host.root), before, "nothing removed, nothing renamed");
    assert.equal(fs.existsSync(path.join(host.dir, "x")) || fs.existsSync("x"), false, "no name was run as a command");
    for (const n of names) fs.rmSync(path.join(runs, n));
    fs.rmdirSync(path.join(host.root, "-n"));
    await host.ok("destroy");
    host.assertTreeGone("after the odd names were moved out");
  });
});
