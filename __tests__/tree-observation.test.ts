/** Unit tests on the synthesized JSON of the drift observation (the real engine runs in e2e-drift). */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { LocalProvider } from "@cdktf/provider-local/lib/provider";
import { TerraformStack, Testing } from "cdktf";
import { PathKind, RuntimeTree, TreeObservation, resolveLayout, statMode } from "../constructs";

function synthTree(): any {
  const app = Testing.app();
  const stack = new TerraformStack(app, "test");
  new LocalProvider(stack, "local");
  new RuntimeTree(stack, "Tree", { rootPath: "/srv/cutter", owner: "nobody", group: "nogroup" });
  return JSON.parse(Testing.synth(stack, true));
}

describe("TreeObservation in a RuntimeTree", () => {
  const json = synthTree();
  const layout = resolveLayout("/srv/cutter");
  const managed = [layout.root, ...layout.directories.map((d) => d.path), layout.configPath, layout.readmePath];

  test("one stat (no shell, -c not -L, missing paths allowed) lists every managed path once; sha256sum the two files", () => {
    // The observation's own reads (the link check of constructs/link-check.ts is another one).
    const commands = Object.entries(json.data.local_command).filter(([name]) => name.includes("Observation")).map(([, c]) => c) as any[];
    const stat = commands.find((c) => c.command === "stat");
    assert.deepEqual(stat.arguments, ["-c", "%n|%F|%U|%G|%a", "--", ...managed]);
    assert.equal(stat.allow_non_zero_exit_code, true);
    const sums = commands.find((c) => c.command === "sha256sum");
    assert.deepEqual(sums.arguments, ["--", layout.configPath, layout.readmePath]);
    assert.equal(commands.length, 2);
    assert.equal(stat.depends_on, undefined, "read at plan time: no dependency defers it");
  });

  test("every permission command re-runs on drift of its own path, and nothing else gets a repair trigger", () => {
    const permissions = (Object.values(json.resource.terraform_data) as any[]).filter((r) => r.triggers_replace.kind);
    assert.deepEqual(permissions.map((p) => p.triggers_replace.path).sort(), [...managed].sort());
    for (const p of permissions) {
      const key = JSON.stringify(p.triggers_replace.path);
      assert.match(p.triggers_replace.repair, /^\$\{local\.Tree_Observation_drift\[/);
      assert.ok(p.triggers_replace.repair.includes(`[${key}] == "" ? "in-sync" : (timestamp() == "" ? "never" : "in-sync")`), p.triggers_replace.repair);
    }
    const directories = Object.entries(json.resource.terraform_data).filter(([name]) => /_Directory_/.test(name)).map(([, r]) => r) as any[];
    assert.equal(directories.length, managed.length - 2);
    for (const d of directories) assert.deepEqual(Object.keys(d.triggers_replace), ["path"], "a directory resource never re-creates on drift");
  });

  test("one check per managed path whose message names the path", () => {
    const names = Object.keys(json.check).sort();
    assert.deepEqual(names, ["drift_README_md", "drift_approvals", "drift_artifacts", "drift_backups", "drift_locks", "drift_orchestrator_config_json", "drift_reports", "drift_rollback", "drift_root", "drift_runs"]);
    assert.equal(json.check.drift_runs.assert[0].error_message, 'drift observed at plan: /srv/cutter/runs: ${local.Tree_Observation_drift["/srv/cutter/runs"]}');
    // Below a missing root, only the root's check reports.
    assert.equal(json.check.drift_runs.assert[0].condition, '${local.Tree_Observation_drift["/srv/cutter/runs"] == "" || startswith(local.Tree_Observation_drift["/srv/cutter"], "missing")}');
    assert.equal(json.check.drift_root.assert[0].condition, '${local.Tree_Observation_drift["/srv/cutter"] == ""}');
  });

  test("the drift texts compare with the owner, group, stat-style mode and content hash asked", () => {
    const drift = json.locals.Tree_Observation_drift;
    assert.deepEqual(Object.keys(drift).sort(), [...managed].sort());
    assert.ok(drift["/srv/cutter/runs"].includes('== "nobody:nogroup" ? "" : "owner'));
    assert.ok(drift["/srv/cutter/runs"].includes('== "750" ? "" : "mode'));
    assert.ok(drift[layout.configPath].includes('== "640" ? "" : "mode'));
    assert.match(drift[layout.configPath], /== "[0-9a-f]{64}" \? "" : "content sha256/);
    assert.doesNotMatch(drift["/srv/cutter/runs"], /content sha256/);
    assert.equal(statMode("0750"), "750");
    assert.equal(statMode("2750"), "2750");
  });
});

describe("TreeObservation validation", () => {
  test("fails with one error naming every bad path, name, mode and hash", () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, "test");
    assert.throws(
      () =>
        new TreeObservation(stack, "Obs", {
          paths: [
            { path: "/srv/x", kind: PathKind.DIRECTORY, owner: "root", group: "root", mode: "0750" },
            { path: "/srv/x", kind: PathKind.DIRECTORY, owner: "ro ot", group: "root", mode: "75" },
            { path: "srv/y", kind: PathKind.DIRECTORY, owner: "root", group: "root", mode: "0750", contentSha256: "0".repeat(64) },
          ],
        }),
      (e: Error) =>
        /TreeObservation test\/Obs: 5 invalid value\(s\); nothing was changed/.test(e.message) &&
        /paths\[1\]\.path: "\/srv\/x" is listed twice/.test(e.message) &&
        /paths\[1\]\.owner: "ro ot" must be a POSIX/.test(e.message) &&
        /paths\[1\]\.mode: "75" must be an octal mode/.test(e.message) &&
        /paths\[2\]\.path: "srv\/y" must be an absolute path/.test(e.message) &&
        /paths\[2\]\.contentSha256: .* only for a file/.test(e.message),
    );
    assert.throws(() => new TreeObservation(stack, "Empty", { paths: [] }), /paths: \[\] must list at least one path/);
  });
});
