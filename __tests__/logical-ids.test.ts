/**
 * Short logical ids (issue 11's budget of the raw `cdktf deploy`): every resource of a
 * RuntimeStack has a short, readable address (`terraform_data.directories`,
 * `local_file.config`) instead of cdktf's construct path and hash, and a `moved` block from
 * the address earlier releases gave it. Since one write guard and one owner/mode step serve
 * both files and the destroy guard carries the survey, five steps of earlier releases are
 * retired (RETIRED_STEP_ADDRESSES).
 *
 * Upgrades are tested from main's real configuration (main at 4b176ea, synthesized and kept in
 * __tests__/golden/main-4b176ea.cdk.tf.json.gz, rewritten to each test's paths), under main's
 * short ids and under the construct ids of the releases before: the plan moves what continues,
 * creates the two shared steps, forgets the retired ones and replaces, writes or removes nothing
 * in the tree; the apply leaves the tree, the records and the survey as they were, runs no step
 * of a retired resource and prints no step line; the destroy guard and tree remover then act.
 * If main's config or README text changes, an upgrade rewrites that file and this test says so: make the
 * fixture again from that main (`git archive MAIN | tar -x -C DIR`, build there, then in DIR
 * `CUTTER_HOSTS_DIR=none CUTTER_RUNTIME_ROOT=/tmp/cutter-fixture/cutter
 * CUTTER_STATE_PATH=/tmp/cutter-fixture/state/cutter-runtime.tfstate CDKTF_OUTDIR=OUT node dist/main.js`,
 * `gzip -9n` OUT's stacks/cutter-runtime/cdk.tf.json).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { after, before, describe, test } from "node:test";
import { RETIRED_STEP_ADDRESSES } from "../constructs";
import { explainChanges } from "../cli/plan-summary";
import { REPO, TempHost, expectSuccess, snapshot } from "./support/harness";
import { cutter } from "./support/operator";

/** The resources that continue from main (e9cc2a7, and every release before the short ids): short id -> released address. */
const RELEASED: Record<string, string> = {
  "terraform_data.remover": "terraform_data.RuntimeTree_Remover_Remove_2ED8BE00",
  "terraform_data.root": "terraform_data.RuntimeTree_Root_Directories_07D0773F",
  "terraform_data.directories": "terraform_data.RuntimeTree_Dirs_Directories_C035C42C",
  "local_file.config": "local_file.RuntimeTree_OrchestratorConfig_File_85206B0F",
  "local_file.readme": "local_file.RuntimeTree_RuntimeReadme_File_8799B2B6",
  "terraform_data.destroy_guard": "terraform_data.RuntimeTree_DestroyGuard_Check_30353E3E",
};

/** The steps retired since main: main's short id -> the released address. */
const RETIRED: Record<string, string> = {
  "terraform_data.config_guard": "terraform_data.RuntimeTree_OrchestratorConfig_WriteGuard_76B9DB4D",
  "terraform_data.config_mode": "terraform_data.RuntimeTree_OrchestratorConfig_Permissions_Apply_382C82B7",
  "terraform_data.readme_guard": "terraform_data.RuntimeTree_RuntimeReadme_WriteGuard_D00277AA",
  "terraform_data.readme_mode": "terraform_data.RuntimeTree_RuntimeReadme_Permissions_Apply_49F20797",
  "terraform_data.survey": "terraform_data.RuntimeTree_Survey_Record_3AE0CDBC",
};

/** The two steps both files share, new since main: no release had them, so no moved block. */
const SHARED = ["terraform_data.files_guard", "terraform_data.files_mode"];

/** The parts of a synthesized configuration these tests read. */
type Synthesized = { resource: Record<string, Record<string, unknown>>; moved: { from: string; to: string }[] };

/** main's configuration, as far as the rewrite reads it. */
type MainConfig = Synthesized & {
  resource: {
    terraform_data: Record<string, { triggers_replace: { directories?: Record<string, string> } }>;
    local_file: Record<string, { filename: string; content: string }>;
  };
};

/** One entry of a plan's `resource_changes`, as far as these tests read it. */
interface PlannedChange {
  address: string;
  mode: string;
  type: string;
  previous_address?: string;
  action_reason?: string;
  change: { actions: string[]; before: { triggers_replace?: unknown } | null; after: { triggers_replace?: unknown } | null };
}

const addresses = (json: Synthesized): string[] =>
  Object.entries<Record<string, unknown>>(json.resource).flatMap(([type, byName]) => Object.keys(byName).map((n) => `${type}.${n}`));
const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

/** Where main's configuration was synthesized (CUTTER_RUNTIME_ROOT=/tmp/cutter-fixture/cutter, CUTTER_STATE_PATH=/tmp/cutter-fixture/state/…). */
const FIXTURE_DIR = "/tmp/cutter-fixture";

/**
 * main's cdk.tf.json (4b176ea) for `host`: its paths, and the values derived from paths (record
 * keys: sha256 of a path) and from the files' contents (which name paths), recomputed.
 */
function mainConfigFor(host: TempHost): Synthesized {
  const fixture = zlib.gunzipSync(fs.readFileSync(path.join(REPO, "__tests__", "golden", "main-4b176ea.cdk.tf.json.gz"))).toString("utf8");
  const swap = (text: string) => text.split(FIXTURE_DIR).join(host.dir);
  const old = JSON.parse(fixture) as MainConfig;
  const files = Object.values(old.resource.local_file);
  const derived = [
    FIXTURE_DIR,
    ...Object.keys(old.resource.terraform_data.root.triggers_replace.directories ?? {}),
    ...Object.keys(old.resource.terraform_data.directories.triggers_replace.directories ?? {}),
    ...files.map((f) => f.filename),
    ...files.map((f) => f.content),
  ];
  let text = swap(fixture);
  for (const value of derived) text = text.split(sha256(value)).join(sha256(swap(value)));
  return JSON.parse(text) as Synthesized;
}

/**
 * A configuration as the releases before the short ids synthesized it: every resource under
 * its `moved.from` address, references rewritten, no `moved` blocks.
 */
function underReleasedAddresses(json: Synthesized): Synthesized {
  const moves: { from: string; to: string }[] = json.moved;
  let text = JSON.stringify({ ...json, moved: undefined });
  for (const { from, to } of [...moves].sort((a, b) => b.to.length - a.to.length)) {
    text = text.replace(new RegExp(`(?<![\\w.])${to.replace(/\./g, "\\.")}(?![\\w])`, "g"), from);
  }
  const old = JSON.parse(text) as Synthesized;
  for (const { from, to } of moves) {
    const [type, name] = to.split(".");
    const [, oldName] = from.split(".");
    old.resource[type][oldName] = old.resource[type][name];
    delete old.resource[type][name];
  }
  return old;
}

const deployedAddresses = (host: TempHost): string[] =>
  JSON.parse(expectSuccess(host.engine(["show", "-json"]), "show").stdout)
    .values.root_module.resources.filter((r: { mode: string }) => r.mode === "managed")
    .map((r: { address: string }) => r.address)
    .sort();

describe("short logical ids with moved blocks from the released ones; upgrades from main's configuration", () => {
  let host: TempHost;
  before(() => {
    host = new TempHost();
    fs.mkdirSync(path.dirname(host.statePath), { recursive: true });
    expectSuccess(host.synth(), "synth");
  });
  after(() => host.dispose());

  test("every resource has a short id and one moved block from exactly the address the released stack used; the shared steps have none", () => {
    const json = host.synthesized;
    assert.deepEqual(addresses(json).sort(), [...Object.keys(RELEASED), ...SHARED].sort());
    assert.deepEqual(Object.fromEntries(json.moved.map((m: { from: string; to: string }) => [m.to, m.from])), RELEASED);
    assert.ok(
      addresses(json).every((a) => a.length <= 30),
      "every address is short",
    );
    assert.deepEqual(
      [...RETIRED_STEP_ADDRESSES].sort(),
      [...Object.keys(RETIRED), ...Object.values(RETIRED)].sort(),
      "the plan summary knows every retired address",
    );
  });

  test("the plan summary tells the destroy guard and the tree remover apart, by their roles", () => {
    expectSuccess(host.engine(["init", "-input=false"]), "init");
    expectSuccess(host.engine(["plan", "-input=false", "-out=first.tfplan"]), "plan");
    const plan = JSON.parse(expectSuccess(host.engine(["show", "-json", "first.tfplan"]), "show").stdout);
    fs.rmSync(path.join(host.stackDir, "first.tfplan"));
    assert.deepEqual(explainChanges(plan.resource_changes), [
      "8 new: 2 directory resources, 2 files, 1 file write check, 1 file owner/mode step, 1 destroy guard, 1 tree remover",
    ]);
  });

  for (const [name, ids] of [
    ["main's short ids", "short"],
    ["the releases' construct ids", "released"],
  ] as const) {
    test(`a tree deployed by main under ${name}: the plan moves what continues, forgets the retired steps and creates the shared ones, nothing in the tree replaced or removed; npm run plan says so; npm run deploy leaves the tree, records and survey as they were and runs no retired step`, () => {
      const upgraded = new TempHost();
      try {
        fs.mkdirSync(path.dirname(upgraded.statePath), { recursive: true });
        expectSuccess(upgraded.synth(), "synth");
        const configFile = path.join(upgraded.stackDir, "cdk.tf.json");
        const current = fs.readFileSync(configFile, "utf8");
        const main = mainConfigFor(upgraded);
        const old = ids === "short" ? main : underReleasedAddresses(main);
        const retired = ids === "short" ? Object.keys(RETIRED) : Object.values(RETIRED);
        fs.writeFileSync(configFile, JSON.stringify(old, null, 2));
        expectSuccess(upgraded.engine(["init", "-input=false"]), "init");
        expectSuccess(upgraded.engine(["apply", "-auto-approve", "-input=false"]), `apply main's configuration under ${name}`);
        assert.deepEqual(deployedAddresses(upgraded), addresses(old).sort(), `deployed under ${name}`);
        const tree = snapshot(upgraded.root);
        const recordDir = `${upgraded.statePath}.ownership`;
        const records = snapshot(recordDir);
        assert.ok(fs.existsSync(path.join(recordDir, "survey")), "main's deploy recorded the survey");

        // The engine's plan: what continues moves (or stays), the retired steps are forgotten, the shared steps are new.
        fs.writeFileSync(configFile, current);
        expectSuccess(upgraded.engine(["plan", "-input=false", "-out=upgrade.tfplan"]), "plan with this release");
        const plan = JSON.parse(expectSuccess(upgraded.engine(["show", "-json", "upgrade.tfplan"]), "show").stdout);
        const text = expectSuccess(upgraded.engine(["show", "-no-color", "upgrade.tfplan"]), "show").stdout;
        fs.rmSync(path.join(upgraded.stackDir, "upgrade.tfplan"));
        const changes = (plan.resource_changes as PlannedChange[]).filter((rc) => rc.mode === "managed");
        const by = (action: string) =>
          changes
            .filter((rc) => rc.change.actions.join("/") === action)
            .map((rc) => rc.address)
            .sort();
        assert.deepEqual(by("delete"), [...retired].sort(), "only the retired steps are removed");
        for (const rc of changes.filter((c) => c.change.actions.includes("delete")))
          assert.equal(rc.action_reason, "delete_because_no_resource_config", rc.address);
        assert.deepEqual(by("create"), SHARED, "only the shared steps are new");
        assert.deepEqual(
          changes.filter((rc) => rc.change.actions.length > 1).map((rc) => rc.address),
          [],
          "nothing is replaced",
        );
        for (const rc of changes.filter((c) => c.change.actions.includes("update"))) {
          // An update in place (e.g. a role marker added to a state that has none) changes `input` only and runs nothing.
          assert.equal(rc.type, "terraform_data", rc.address);
          assert.deepEqual(rc.change.before?.triggers_replace, rc.change.after?.triggers_replace, `${rc.address}: triggers unchanged`);
        }
        assert.deepEqual(
          by("no-op").filter((a) => a.startsWith("local_file.")),
          ["local_file.config", "local_file.readme"],
          "the files are not written",
        );
        if (ids === "released") {
          for (const [to, from] of Object.entries(RELEASED)) {
            assert.equal(changes.find((rc) => rc.address === to)?.previous_address, from, `${from} moves to ${to}`);
            assert.ok(text.includes(`# ${from} has moved to ${to}`) || text.includes(`# (moved from ${from})`), `the plan text names the move of ${from}`);
          }
        }

        // What the operator's `npm run plan` says: the retired steps by address, nothing for review, no file written.
        const reviewed = expectSuccess(cutter(upgraded, ["plan"]), "npm run plan (cutter plan)");
        assert.ok(
          reviewed.stdout.includes(
            `steps of an earlier release to forget (${retired.length}; no longer configured, so none of them runs and nothing on disk changes):`,
          ),
          reviewed.stdout,
        );
        for (const r of retired) assert.ok(reviewed.stdout.includes(`    x ${r}\n`), `npm run plan names ${r}:\n${reviewed.stdout}`);
        assert.match(reviewed.stdout, /secrets\/DB\/services touched: none/);
        assert.doesNotMatch(reviewed.stdout, /files to write|directories to (create|remove)|REVIEW/);

        const deployed = expectSuccess(cutter(upgraded, ["deploy"]), "npm run deploy");
        // No step of a retired resource ran (a destroy-time step runs only while configured), and the new steps said nothing.
        for (const r of retired) assert.doesNotMatch(deployed.output, new RegExp(`${r.replace(/\./g, "\\.")}.*Provisioning`), r);
        assert.doesNotMatch(deployed.output, /writing \/|set \/|created \//, "the shared steps found the files as they are");
        assert.deepEqual(snapshot(upgraded.root), tree, "the tree is untouched");
        assert.deepEqual(snapshot(recordDir), records, "the records and the survey are as they were");
        assert.deepEqual(deployedAddresses(upgraded), [...Object.keys(RELEASED), ...SHARED].sort(), "the state holds this release's addresses");
        const again = expectSuccess(upgraded.engine(["plan", "-input=false", "-no-color", "-detailed-exitcode"]), "a no-op plan after the upgrade");
        assert.match(again.output, /No changes\./);

        // The destroy guard still refuses a tree holding data (the survey kept); then the remover removes the tree and the survey goes.
        const data = path.join(upgraded.root, "backups", "dump.sql.gpg");
        fs.writeFileSync(data, "x\n");
        const refused = upgraded.engine(["destroy", "-auto-approve", "-input=false", "-no-color"]);
        assert.notEqual(refused.code, 0, "destroy refused");
        assert.match(refused.output, /destroy stopped before removing anything/);
        assert.ok(fs.existsSync(data), "the data is kept");
        assert.ok(fs.existsSync(path.join(recordDir, "survey")), "a refused destroy keeps the survey");
        fs.rmSync(data);
        expectSuccess(upgraded.engine(["destroy", "-auto-approve", "-input=false"]), "destroy");
        assert.equal(fs.existsSync(upgraded.root), false, "the tree is removed");
        assert.equal(fs.existsSync(path.join(recordDir, "survey")), false, "the survey is removed with the tree");
      } finally {
        upgraded.dispose();
      }
    });
  }
});
