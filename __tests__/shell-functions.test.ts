/**
 * The shared shell functions, run by the real /bin/sh on real directories: they
 * replaced per-path processes (find | wc, sha256sum, pwd), so they must say the same.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { TerraformStack, Testing } from "cdktf";
import { RuntimeDirectories, fromTerraformLiteral, recordKey, scriptLibrary } from "../constructs";

function sh(script: string, env: Record<string, string> = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync("/bin/sh", ["-c", `set -eu\n${scriptLibrary()}${script}`], { encoding: "utf8", env: { PATH: process.env.PATH, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("shell functions", () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cutter-shell-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("count_entries counts every entry, hidden ones and links included, like find -mindepth 1 -maxdepth 1", () => {
    const d = path.join(dir, "count");
    fs.mkdirSync(d);
    const count = () => sh('count_entries "$D"; echo "$entries"', { D: d }).stdout.trim();
    assert.equal(count(), "0");
    for (const name of ["visible", ".hidden", "..dots", "with space", "*"]) fs.writeFileSync(path.join(d, name), "x");
    fs.mkdirSync(path.join(d, "sub"));
    fs.symlinkSync("/nonexistent", path.join(d, ".dangling"));
    const find = spawnSync("find", [d, "-mindepth", "1", "-maxdepth", "1", "-printf", "x"], { encoding: "utf8" }).stdout.length;
    assert.equal(find, 7);
    assert.equal(count(), String(find));
    // Under `set -f` (the scripts' default) it still globs, and leaves -f set afterwards.
    assert.equal(sh('set -f; count_entries "$D"; echo "$entries"; case $- in *f*) echo noglob ;; esac', { D: d }).stdout, "7\nnoglob\n");
  });

  test("records are named by recordKey (sha256 of the path), written atomically and read without a process", () => {
    const records = path.join(dir, "records");
    const p = "/srv/cutter/runs";
    const key = recordKey(p);
    const sum = spawnSync("sh", ["-c", 'printf %s "$P" | sha256sum | cut -c1-64'], { encoding: "utf8", env: { PATH: process.env.PATH, P: p } }).stdout.trim();
    assert.equal(key, sum, "the same name earlier releases gave a record");
    const env = { CUTTER_RECORD_DIR: records, K: key, P: p };
    assert.equal(sh('record_of "$K"; echo "[$owned]"', env).stdout, "[]\n");
    assert.equal(sh('record "$K" created "$P"; record_of "$K"; echo "[$owned]"', env).stdout, "[created]\n");
    assert.equal(fs.readFileSync(path.join(records, key), "utf8"), `created ${p}\n`);
    assert.equal((fs.statSync(records).mode & 0o777).toString(8), "700");
    assert.deepEqual(fs.readdirSync(records), [key], "no temporary file left behind");
    assert.equal(sh('forget "$K"; forget "$K"; record_of "$K"; echo "[$owned]"', env).stdout, "[]\n");
    assert.equal(sh('record "$K" created "$P"; echo done', { ...env, CUTTER_RECORD_DIR: "" }).stdout, "done\n", "no record directory: nothing is written");
  });

  test("enter_real_dir enters a real directory and refuses one reached through a link", () => {
    const real = path.join(dir, "real");
    fs.mkdirSync(real);
    fs.symlinkSync(real, path.join(dir, "link"));
    assert.equal(sh('enter_real_dir "$D" test; pwd -P', { D: real }).stdout.trim(), real);
    const refused = sh('enter_real_dir "$D" "refusing test"; echo entered', { D: path.join(dir, "link") });
    assert.equal(refused.code, 1);
    assert.equal(refused.stdout, "");
    assert.match(refused.stderr, new RegExp(`cutter-runtime: refusing test: ${dir}/link resolves to ${real} \\(a symbolic link in the path\\); nothing was changed`));
  });
});

describe("RuntimeDirectories scripts, run by /bin/sh on real directories", () => {
  let dir: string;
  let root: string;
  let records: string;
  let create: { interpreter: string[]; environment: Record<string, string> };
  let remove: { interpreter: string[]; environment: Record<string, string> };
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cutter-dirs-"));
    root = path.join(dir, "root");
    records = path.join(dir, "records");
    fs.mkdirSync(root);
    const stack = new TerraformStack(Testing.app(), "t");
    new RuntimeDirectories(stack, "D", { paths: [path.join(root, "a"), path.join(root, "b")], ownership: { directory: records } });
    const [resource] = Object.values<any>(JSON.parse(Testing.synth(stack)).resource.terraform_data);
    [create, remove] = resource.provisioner.map((p: any) => p["local-exec"]);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Runs a provisioner's script as the engine would, with `${self...}` values filled in. */
  const runScript = (p: { interpreter: string[]; environment: Record<string, string> }, self: { id: string; entries: string }) => {
    const env: Record<string, string> = { PATH: process.env.PATH! };
    for (const [k, v] of Object.entries(p.environment)) {
      env[k] = v.replace("${self.id}", self.id).replace("${self.input.entries}", self.entries).replace("${self.input.record_dir}", records);
    }
    return spawnSync("/bin/sh", ["-c", fromTerraformLiteral(p.interpreter[2])], { encoding: "utf8", env });
  };

  test("a replacement claims every path; the object it replaced then removes none of them, even empty ones", () => {
    const entries = create.environment.CUTTER_ENTRIES;
    const first = runScript(create, { id: "first", entries });
    assert.equal(first.status, 0, first.stderr);
    assert.deepEqual(fs.readdirSync(root).sort(), ["a", "b"]);
    assert.equal(fs.readFileSync(path.join(records, recordKey(path.join(root, "a"))), "utf8"), `created ${root}/a first\n`);
    // A new mode, say: the new object is created first and claims both directories...
    const second = runScript(create, { id: "second", entries });
    assert.equal(second.status, 0, second.stderr);
    assert.equal(fs.readFileSync(path.join(records, recordKey(path.join(root, "b"))), "utf8"), `created ${root}/b second\n`);
    // ...so removing the replaced object (were an engine to run it) leaves them, empty as they are.
    const old = runScript(remove, { id: "first", entries });
    assert.equal(old.status, 0, old.stderr);
    assert.match(old.stdout, /leaving .*\/a in place: a newer resource of this stack manages it/);
    assert.deepEqual(fs.readdirSync(root).sort(), ["a", "b"]);
    // The real destroy of the current object removes them.
    const destroy = runScript(remove, { id: "second", entries });
    assert.equal(destroy.status, 0, destroy.stderr);
    assert.deepEqual(fs.readdirSync(root), []);
    assert.deepEqual(fs.readdirSync(records), [], "records forgotten");
  });
});
