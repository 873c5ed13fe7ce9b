/**
 * Issue 10 items 6 and 12, and the umask: special mode bits (setuid, setgid, sticky)
 * and POSIX ACLs, which mode bits do not show, are drift that the plan names and one
 * deploy removes; a tree created under a parent with a default ACL inherits nothing;
 * a host without setfacl is told which package to install; and a deploy under umask
 * 000 or 077 gives exactly the same tree, with private records.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { snapshot } from "./support/harness";
import { assertExactTree } from "./support/safety";
import { verify } from "./support/tools";
import { EngineHost, oneLine } from "./support/tree-faults";

const HAS_ACL = spawnSync("sh", ["-c", "command -v setfacl && command -v getfacl"]).status === 0;
const NO_ACL = !HAS_ACL && "setfacl/getfacl missing: apt-get install acl";

function setfacl(...args: string[]): void {
  const r = spawnSync("setfacl", args, { encoding: "utf8" });
  assert.equal(r.status, 0, `setfacl ${args.join(" ")}: ${r.stderr}`);
}

/** Paths below (and including) `top` that carry any extended ACL entry, access or default. */
function withAcl(top: string): string[] {
  const r = spawnSync("getfacl", ["-R", "-s", "-p", top], { encoding: "utf8" });
  return [...r.stdout.matchAll(/^# file: (.*)$/gm)].map((m) => m[1]);
}

describe("item 6: setuid, setgid and sticky bits", () => {
  let host: EngineHost;
  before(async () => {
    host = new EngineHost().prepare();
    await host.ok("apply");
  });
  after(() => host.dispose());

  test("directories at 4750, 2770, 6750, 1770 and a config at 6640: each shown in the plan, one deploy clears them all, 0 changes after", async () => {
    const modes: Array<[string, number, string]> = [
      [host.root, 0o2750, "2750"],
      [path.join(host.root, "runs"), 0o4750, "4750"],
      [path.join(host.root, "approvals"), 0o2770, "2770"],
      [path.join(host.root, "artifacts"), 0o6750, "6750"],
      [path.join(host.root, "backups"), 0o1770, "1770"],
      [host.layout.configPath, 0o6640, "6640"],
    ];
    for (const [p, mode] of modes) fs.chmodSync(p, mode);
    const plan = oneLine((await host.ok("plan")).output);
    for (const [p, , shown] of modes) assert.match(plan, new RegExp(`drift observed at plan: ${p}: mode ${shown}, expected 0(750|640)`), p);
    await host.ok("apply");
    assertExactTree(host);
    const { add, change, destroy, output } = await host.planCounts();
    assert.deepEqual({ add, change, destroy }, { add: 0, change: 0, destroy: 0 }, output.slice(-2000));
    assert.doesNotMatch(output, /drift observed/);
  });
});

describe("item 12: POSIX ACLs", { skip: NO_ACL }, () => {
  let host: EngineHost;
  before(async () => {
    host = new EngineHost().prepare();
  });
  after(() => host.dispose());

  test("a default ACL on the root's parent before the first deploy: nothing in the tree inherits it", async () => {
    const parent = path.dirname(host.root);
    setfacl("-d", "-m", "u:nobody:rwx", parent);
    try {
      const plan = oneLine((await host.ok("plan")).output);
      assert.match(
        plan,
        new RegExp(
          `drift observed at plan: ${host.root}: missing \\(deploy creates it; ${parent} carries a POSIX ACL, and deploy strips whatever the new directory inherits from it before anything is written inside\\)`,
        ),
      );
      await host.ok("apply");
      assert.deepEqual(withAcl(host.root), [], "no path of the tree carries an ACL");
      assertExactTree(host);
      // What the orchestrator writes later inherits nothing either.
      fs.writeFileSync(path.join(host.root, "runs", "state.json"), "{}\n");
      assert.deepEqual(withAcl(host.root), []);
      fs.rmSync(path.join(host.root, "runs", "state.json"));
      const { add, change, destroy } = await host.planCounts();
      assert.deepEqual({ add, change, destroy }, { add: 0, change: 0, destroy: 0 });
    } finally {
      setfacl("-k", parent);
    }
  });

  test("an access ACL on the root and the config, a default ACL on runs/: plan and verify name each; one deploy removes them; data keeps its own", async () => {
    const runs = path.join(host.root, "runs");
    const data = path.join(runs, "run-1.json");
    fs.writeFileSync(data, "{}\n");
    setfacl("-m", "u:nobody:rx", data);
    setfacl("-m", "u:nobody:rx", host.root);
    setfacl("-m", "u:nobody:r", host.layout.configPath);
    setfacl("-d", "-m", "u:nobody:rwx", runs);
    const acl = "a POSIX ACL grants access the mode does not show";
    const plan = oneLine((await host.ok("plan")).output);
    for (const p of [host.root, host.layout.configPath, runs]) assert.match(plan, new RegExp(`drift observed at plan: ${p}: .*${acl}`), p);
    const v = verify(host, ["--allow-data"]);
    assert.equal(v.code, 1, v.output);
    for (const p of [host.root, host.layout.configPath, runs]) assert.ok(v.stdout.includes(`${p}: ${acl}`), `verify names ${p}`);
    await host.ok("apply");
    assert.deepEqual(withAcl(host.root), [data], "the stack's paths carry no ACL; the data file is not the stack's to change");
    assertExactTree(host, "root", "root", [data]);
    assert.equal(verify(host, ["--allow-data"]).code, 0);
    const { add, change, destroy } = await host.planCounts();
    assert.deepEqual({ add, change, destroy }, { add: 0, change: 0, destroy: 0 });
    fs.rmSync(data);
  });

  test("no setfacl on the host and an ACL found: deploy refuses with one line naming the package, and changes nothing", async () => {
    const runs = path.join(host.root, "runs");
    setfacl("-m", "u:nobody:rwx", runs);
    fs.chmodSync(path.join(host.root, "locks"), 0o700);
    const bin = withoutAclTools();
    try {
      const before = snapshot(host.root);
      const env = { ...host.env(), PATH: bin };
      const deploy = await host.run("apply", { env });
      assert.equal(deploy.code, 1, deploy.output.slice(-2000));
      assert.match(
        oneLine(deploy.output),
        new RegExp(
          `${runs} carries a POSIX ACL \\(permissions beyond owner, group and mode\\) and setfacl is not installed; nothing was changed\\. Install Debian's acl package \\(apt-get install acl\\), then deploy again\\.`,
        ),
      );
      assert.deepEqual(snapshot(host.root), before, "nothing changed, not even the other drifted directory");
    } finally {
      fs.rmSync(bin, { recursive: true, force: true });
    }
    await host.ok("apply");
    assert.deepEqual(withAcl(host.root), []);
    assertExactTree(host);
  });
});

/** A directory of links to every command on PATH except setfacl and getfacl (a host without Debian's acl package). */
function withoutAclTools(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cutter-noacl-"));
  for (const from of ["/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin", path.dirname(process.env.CUTTER_ENGINE_PATH ?? "/nonexistent")]) {
    if (!fs.existsSync(from)) continue;
    for (const name of fs.readdirSync(from)) {
      if (name === "setfacl" || name === "getfacl" || fs.existsSync(path.join(dir, name))) continue;
      fs.symlinkSync(path.join(from, name), path.join(dir, name));
    }
  }
  return dir;
}

describe("the umask of whoever deploys (000 or 077) changes nothing in the tree", () => {
  for (const mask of [0o000, 0o077]) {
    test(`umask ${mask.toString(8).padStart(3, "0")}: exactly the tree, private records, 0 changes after, and destroy removes it`, async () => {
      const host = new EngineHost({ CUTTER_ADOPT_EXISTING: "1" }).prepare();
      try {
        // An adopted README, so a backup is written too.
        fs.mkdirSync(host.root, { mode: 0o750 });
        fs.writeFileSync(host.layout.readmePath, "hand-written\n", { mode: 0o644 });
        const old = process.umask(mask);
        let apply;
        try {
          apply = host.start("apply");
        } finally {
          process.umask(old);
        }
        const r = await apply.done;
        assert.equal(r.code, 0, r.output.slice(-3000));
        assertExactTree(host);
        const records = host.ownershipDir;
        assert.equal((fs.statSync(records).mode & 0o777).toString(8), "700", "record directory");
        for (const name of fs.readdirSync(records)) assert.equal((fs.statSync(path.join(records, name)).mode & 0o777).toString(8), "600", `record ${name}`);
        assert.ok(
          fs.readdirSync(records).some((n) => n.endsWith(".original")),
          "the adopted README's original is kept",
        );
        const { add, change, destroy } = await host.planCounts();
        assert.deepEqual({ add, change, destroy }, { add: 0, change: 0, destroy: 0 });
        await host.ok("destroy");
        assert.equal(fs.readFileSync(host.layout.readmePath, "utf8"), "hand-written\n");
      } finally {
        host.dispose();
      }
    });
  }
});
