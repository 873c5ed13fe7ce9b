/** Unit tests on the synthesized JSON of the drift observation (the real engine runs in e2e-drift). */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { LocalProvider } from "../constructs/local-provider";
import { TerraformStack, Testing } from "../constructs/cdk";
import { testApp } from "./support/test-app";
import { PathKind, RuntimeTree, TreeObservation, defaultOwnershipDirectory, recordKey, resolveLayout, statMode } from "../constructs";

function synthTree(): any {
  const app = testApp();
  const stack = new TerraformStack(app, "test");
  new LocalProvider(stack, "local");
  new RuntimeTree(stack, "Tree", { rootPath: "/srv/cutter", owner: "nobody", group: "nogroup" });
  return JSON.parse(Testing.synth(stack, true));
}

describe("TreeObservation in a RuntimeTree", () => {
  const json = synthTree();
  const layout = resolveLayout("/srv/cutter");
  const managed = [layout.root, ...layout.directories.map((d) => d.path), layout.configPath, layout.readmePath];
  /** One local per path (one big map made the engine's reference analysis quadratic), in observation order. */
  const local = (p: string) => `Tree_Observation_drift_${managed.indexOf(p)}`;

  test("one read: a link check and a special-file check, then one stat (-c, not -L) and one ls (ACLs) of every managed path, and a non-blocking hash of each file", () => {
    const commands = Object.values(json.data.local_command) as any[];
    assert.equal(commands.length, 1, "the link check and the observation share one process");
    const [observe] = commands;
    // Then the record directory and each path's record key: a missing path the records name is drift, one they do not is not there yet.
    assert.deepEqual(observe.arguments.slice(2), [
      "cutter-observe",
      ...managed,
      "--",
      "/srv",
      "/srv/cutter",
      "--",
      layout.configPath,
      layout.readmePath,
      "--",
      defaultOwnershipDirectory("/srv/cutter"),
      ...managed.map(recordKey),
    ]);
    assert.match(observe.arguments[1], /if \[ -f "\$record_dir\/\$1" \]; then echo "R\|\$p"; fi/);
    const script: string = observe.arguments[1];
    assert.match(script, /\nstat -c 'S\|%n\|%F\|%U\|%G\|%a\|%h' -- \$paths 2>\/dev\/null \|\| true\n/);
    assert.match(script, /\nacl_paths \$paths \$parents\n/);
    assert.match(script, /content_sha256 "\$f"/);
    assert.match(script, /iflag=nonblock/);
    assert.doesNotMatch(script, /sha256sum -- /, "no file is handed to sha256sum to open");
    assert.ok(script.indexOf("symbolic links:$found") < script.indexOf("\nstat -c"), "links are refused before anything is read");
    assert.ok(script.indexOf("which is never opened:$special") < script.indexOf("\nstat -c"), "special files are refused before anything is read");
    assert.equal(observe.depends_on, undefined, "read at plan time: no dependency defers it");
  });

  test("every repairing command re-runs on drift of its own path, and nothing else gets a repair trigger", () => {
    const all = Object.values(json.resource.terraform_data) as any[];
    const repairs = new Map<string, string>();
    for (const r of all.filter((r) => r.triggers_replace.directories))
      for (const [p, v] of Object.entries<string>(r.triggers_replace.directories)) repairs.set(p, v);
    // The files' owner/mode step: one entry per file in its `files` map.
    for (const r of all.filter((r) => r.triggers_replace.kind)) for (const [p, v] of Object.entries<string>(r.triggers_replace.files)) repairs.set(p, v);
    assert.deepEqual([...repairs.keys()].sort(), [...managed].sort());
    // In sync, the entry is what the path gets (the plan shows it beside the path); drifted, unknown until apply.
    for (const [p, repair] of repairs) {
      const wanted = managed.indexOf(p) < managed.length - 2 ? "nobody:nogroup 0750" : "nobody:nogroup 0640";
      assert.ok(repair.startsWith(`\${local.${local(p)} == "" ? "${wanted}" : (timestamp() == "" ? "never" : "${wanted}")`), repair);
    }
    // A write guard re-runs exactly when its file is missing or its content differs (the provider re-writes it then).
    // One guard for both files: its `files` map holds each file's entry.
    const guards = all.filter((r) => r.triggers_replace.files && !r.triggers_replace.kind);
    assert.equal(guards.length, 1);
    const entries = Object.entries<string>(guards[0].triggers_replace.files);
    assert.deepEqual(entries.map(([p]) => p).sort(), [layout.configPath, layout.readmePath].sort());
    for (const [p, revision] of entries) {
      const content = `${local(p)}_content`;
      assert.match(revision, new RegExp(`^\\$\\{local\\.${content} == "" \\? "([0-9a-f]{64})" : \\(timestamp\\(\\) == "" \\? "never" : "\\1"\\)\\}$`));
      assert.match(json.locals[content], /\? "missing" : lookup\(.*\) == "[0-9a-f]{64}" \? "" : "content"/);
    }
    const others = all.filter((r) => !r.triggers_replace.directories && !r.triggers_replace.kind && !r.triggers_replace.files);
    for (const r of others) assert.doesNotMatch(JSON.stringify(r.triggers_replace), /Observation/, "the destroy guard and the remover never react to drift");
  });

  test("one check per managed path whose message names the path", () => {
    const names = Object.keys(json.check).sort();
    const named = [...layout.layout.subdirectories.map((s) => s.name), layout.layout.configFileName, layout.layout.readmeFileName, "root"];
    assert.deepEqual(names, named.map((n) => `drift_${n.replace(/[^A-Za-z0-9]/g, "_")}`).sort());
    assert.equal(json.check.drift_runs.assert[0].error_message, `drift observed at plan: /srv/cutter/runs: \${local.${local("/srv/cutter/runs")}}`);
    // A missing path the records do not name was never created (a first deploy): no warning,
    // unless its text tells a hazard (a parent's POSIX ACL). Below a missing root, only the root's check reports.
    const plainMissing = (p: string) => `(local.${local(p)} == "missing (deploy creates it)" || local.${local(p)} == "missing (deploy writes it)")`;
    const inSync = (p: string) => `local.${local(p)} == "" || (${plainMissing(p)} && !contains(local.Tree_Observation_recorded, "${p}"))`;
    assert.equal(json.check.drift_runs.assert[0].condition, `\${${inSync("/srv/cutter/runs")} || startswith(local.${local("/srv/cutter")}, "missing")}`);
    assert.equal(json.check.drift_root.assert[0].condition, `\${${inSync("/srv/cutter")}}`);
    assert.match(json.locals.Tree_Observation_recorded, /startswith\(line, "R\|"\)/);
  });

  test("the drift texts compare with the owner, group, stat-style mode and content hash asked", () => {
    const drift = Object.fromEntries(managed.map((p) => [p, json.locals[local(p)]]));
    const driftLocals = Object.keys(json.locals).filter((n) => /^Tree_Observation_drift_\d+$/.test(n));
    assert.equal(driftLocals.length, managed.length, "one local per managed path");
    assert.ok(drift["/srv/cutter/runs"].includes('== "nobody:nogroup" ? "" : "owner'));
    assert.ok(drift["/srv/cutter/runs"].includes('== "750" ? "" : "mode'));
    assert.ok(drift[layout.configPath].includes('== "640" ? "" : "mode'));
    assert.match(drift[layout.configPath], /== "[0-9a-f]{64}" \? "" : "content sha256/);
    assert.doesNotMatch(drift["/srv/cutter/runs"], /content sha256/);
    for (const p of managed) assert.ok(drift[p].includes("a POSIX ACL grants access the mode does not show"), `ACL drift of ${p}`);
    assert.ok(drift[layout.configPath].includes('[5] == "1" ? "" : "'), "a file's link count is compared with 1");
    assert.match(drift[layout.configPath], /hard links: another name shares this file, so deploy refuses to write or chown it/);
    assert.doesNotMatch(drift["/srv/cutter/runs"], /hard links/);
    assert.equal(statMode("0750"), "750");
    assert.equal(statMode("2750"), "2750");
  });
});

describe("TreeObservation validation", () => {
  test("fails with one error naming every bad path, name, mode and hash", () => {
    const app = testApp();
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
