/**
 * Issue 10 items 8, 10 and 11: taking over what was there, and writing outside the
 * tree. An adopted config and README are backed up before the first write (and the
 * deploy says where), and destroy puts the originals back with owner and mode; the
 * root's parent swapped for a link between a saved plan and its apply never lets the
 * provider write or remove a file outside the tree; a root among system or package
 * directories is refused at synth with the rule; a link planted in the record
 * directory is never followed.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { recordKey } from "../constructs";
import { idOf, snapshot } from "./support/harness";
import { assertExactTree } from "./support/safety";
import { EngineHost, oneLine } from "./support/tree-faults";

describe("item 8: an adopted config and README", () => {
  let host: EngineHost;
  const daemon = () => [idOf("user", "daemon"), idOf("group", "daemon")];
  before(() => {
    host = new EngineHost({ CUTTER_ADOPT_EXISTING: "1" }).prepare();
    fs.mkdirSync(host.root, { mode: 0o755 });
    fs.chmodSync(host.root, 0o755);
    fs.writeFileSync(host.layout.configPath, '{"hand": "made"}\n', { mode: 0o644 });
    fs.chownSync(host.layout.configPath, daemon()[0], daemon()[1]);
    fs.writeFileSync(host.layout.readmePath, "# notes by hand\n", { mode: 0o600 });
  });
  after(() => host.dispose());

  test("deploy backs each original up (0600, next to the records) before the first write, and says so", async () => {
    const deploy = oneLine((await host.ok("apply")).output);
    const [uid, gid] = daemon();
    for (const [p, owner, mode, content] of [
      [host.layout.configPath, `${uid}:${gid}`, "644", '{"hand": "made"}\n'],
      [host.layout.readmePath, "0:0", "600", "# notes by hand\n"],
    ]) {
      const backup = path.join(host.ownershipDir, `${recordKey(p)}.original`);
      assert.match(
        deploy,
        new RegExp(`adopted pre-existing ${p}: its original \\(owner ${owner}, mode ${mode}\\) is kept at ${backup} \\(0600\\); destroy puts it back`),
      );
      assert.equal(fs.readFileSync(backup, "utf8"), content);
      assert.equal((fs.statSync(backup).mode & 0o777).toString(8), "600");
    }
    assert.match(deploy, new RegExp(`adopted pre-existing ${host.root} \\(mode=755 owner=0:0\\)`));
    assertExactTree(host);
  });

  test("a later deploy that re-writes the config keeps the first original, not the stack's content", async () => {
    const backup = path.join(host.ownershipDir, `${recordKey(host.layout.configPath)}.original`);
    host.inputs = { ...host.inputs, CUTTER_ENV_FILE: "/etc/cutter/other.env" };
    host.prepare();
    await host.ok("apply");
    assert.equal(fs.readFileSync(backup, "utf8"), '{"hand": "made"}\n');
    assertExactTree(host);
  });

  test("destroy never removes an adopted file: each original is back with its owner and mode, and the root with its own", async () => {
    const destroy = oneLine((await host.ok("destroy")).output);
    assert.match(destroy, new RegExp(`put back the original ${host.layout.configPath}`));
    const config = fs.statSync(host.layout.configPath);
    assert.equal(fs.readFileSync(host.layout.configPath, "utf8"), '{"hand": "made"}\n');
    assert.deepEqual([config.uid, config.gid, (config.mode & 0o777).toString(8)], [...daemon(), "644"]);
    const readme = fs.statSync(host.layout.readmePath);
    assert.equal(fs.readFileSync(host.layout.readmePath, "utf8"), "# notes by hand\n");
    assert.deepEqual([readme.uid, readme.gid, (readme.mode & 0o777).toString(8)], [0, 0, "600"]);
    assert.deepEqual(fs.readdirSync(host.root).sort(), ["README.md", "orchestrator.config.json"], "the stack's directories are gone, the adopted files stay");
    assert.equal((fs.statSync(host.root).mode & 0o7777).toString(8), "755", "the adopted root gets its mode back");
    assert.deepEqual(fs.readdirSync(host.ownershipDir), [], "records and backups are gone");
  });
});

describe("item 10: the root's parent swapped for a link between a saved plan and its apply", () => {
  let host: EngineHost;
  let parent: string;
  let elsewhere: string;
  let victims: ReturnType<typeof snapshot>;
  before(async () => {
    host = new EngineHost();
    parent = path.join(host.dir, "p");
    fs.mkdirSync(parent);
    host.inputs = { ...host.inputs, CUTTER_RUNTIME_ROOT: path.join(parent, "cutter") };
    host.prepare();
    await host.ok("apply");
    // Where the link points: a tree of the same shape holding someone else's files.
    elsewhere = path.join(host.dir, "elsewhere");
    fs.mkdirSync(path.join(elsewhere, "cutter"), { recursive: true });
    for (const name of ["orchestrator.config.json", "README.md"])
      fs.writeFileSync(path.join(elsewhere, "cutter", name), `someone else's ${name}\n`, { mode: 0o644 });
    victims = snapshot(elsewhere);
  });
  after(() => host.dispose());

  /** Plans into a file, swaps `parent` for a link to `elsewhere`, applies the saved plan, swaps back. */
  async function swappedApply(planName: string, env = host.env()) {
    const plan = await host.run("plan", { env, args: [`-out=${planName}`] });
    assert.equal(plan.code, 0, plan.output.slice(-2000));
    fs.renameSync(parent, `${parent}.real`);
    fs.symlinkSync(elsewhere, parent);
    try {
      return await host.run("apply", { env, args: [planName] });
    } finally {
      fs.unlinkSync(parent);
      fs.renameSync(`${parent}.real`, parent);
    }
  }

  const rewrites: Array<[string, () => void]> = [
    ["the config edited out of band (re-written because it drifted)", () => fs.writeFileSync(host.layout.configPath, "{}\n")],
    ["the config deleted out of band (re-written because it vanished)", () => fs.rmSync(host.layout.configPath)],
  ];
  for (const [what, drift] of rewrites) {
    test(`${what}: the real-path checks in the same apply refuse before any write or removal; nothing outside is touched`, async () => {
      drift();
      const apply = await swappedApply("drift.tfplan");
      assert.equal(apply.code, 1);
      assert.match(
        oneLine(apply.output),
        new RegExp(
          `refusing to (write|let the engine remove) ${host.layout.configPath}: ${parent}/cutter resolves to ${elsewhere}/cutter \\(a symbolic link in the path\\); nothing was changed`,
        ),
      );
      assert.deepEqual(snapshot(elsewhere), victims, "the files the link points at are untouched");
      await host.ok("apply");
      assertExactTree(host);
    });
  }

  test("a new config content (replaced: removed, then written): the check before the removal refuses; nothing outside is removed", async () => {
    const env = host.env({ CUTTER_ENV_FILE: "/etc/cutter/other.env" });
    host.prepare({ CUTTER_ENV_FILE: "/etc/cutter/other.env" });
    const apply = await swappedApply("change.tfplan", env);
    assert.equal(apply.code, 1);
    assert.match(
      oneLine(apply.output),
      new RegExp(`refusing to let the engine remove ${host.layout.configPath}: ${parent}/cutter resolves to ${elsewhere}/cutter`),
    );
    assert.deepEqual(snapshot(elsewhere), victims, "the file the link points at is not removed");
    host.inputs = { ...host.inputs, CUTTER_ENV_FILE: "/etc/cutter/other.env" };
    await host.ok("apply");
    assertExactTree(host);
  });
});

describe("item 11: where a runtime root may live", () => {
  let host: EngineHost;
  before(() => {
    host = new EngineHost();
  });
  after(() => host.dispose());

  for (const root of ["/etc/ssh", "/etc/cron.d", "/root/.ssh", "/var/lib/dpkg", "/dev/shm", "/var/lib/postgresql", "/etc/cutter", "/dev/shm/cutter"]) {
    test(`${root} is refused at synth, even with adoption on, naming the variable, the value and the rule`, () => {
      const before = fs.existsSync(root) ? fs.statSync(root) : undefined;
      const synth = host.synth({ CUTTER_RUNTIME_ROOT: root, CUTTER_ADOPT_EXISTING: "1" });
      assert.equal(synth.code, 1);
      assert.match(
        oneLine(synth.output),
        new RegExp(
          `CUTTER_RUNTIME_ROOT: "${root.replace(/\./g, "\\.")}" is not allowed: .*a runtime root must be a directory named cutter\\* strictly below /var/lib, /srv, /opt, /tmp, /var/tmp`,
        ),
      );
      assert.doesNotMatch(synth.output, /^\s+at /m, "one clear error, no stack trace");
      const after = fs.existsSync(root) ? fs.statSync(root) : undefined;
      assert.deepEqual([after?.mode, after?.uid, after?.mtimeMs], [before?.mode, before?.uid, before?.mtimeMs], "untouched");
    });
  }
});

describe("a link planted in the ownership record directory", () => {
  let host: EngineHost;
  let victim: string;
  before(() => {
    host = new EngineHost().prepare();
    victim = path.join(host.dir, "victim.txt");
    fs.writeFileSync(victim, "victim\n", { mode: 0o644 });
    fs.mkdirSync(host.ownershipDir, { recursive: true, mode: 0o700 });
    // Where the next record of the root would be written first.
    fs.symlinkSync(victim, path.join(host.ownershipDir, `${recordKey(host.root)}.tmp`));
  });
  after(() => host.dispose());

  test("is never written through: the record write replaces the link, the target keeps its bytes", async () => {
    await host.ok("apply");
    assert.equal(fs.readFileSync(victim, "utf8"), "victim\n");
    assert.equal(spawnSync("stat", ["-c", "%a", victim], { encoding: "utf8" }).stdout.trim(), "644");
    assert.equal(fs.readFileSync(path.join(host.ownershipDir, recordKey(host.root)), "utf8"), `created ${host.root}\n`);
    await host.ok("destroy");
    host.assertTreeGone("after a deploy with a planted link");
  });
});
