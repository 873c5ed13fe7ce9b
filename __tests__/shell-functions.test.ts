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
import { TerraformStack, Testing } from "../constructs/cdk";
import { testApp } from "./support/test-app";
import { RuntimeDirectories, TreeRemover, fromTerraformLiteral, recordKey, scriptLibrary, terraformLiteral } from "../constructs";

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
    assert.match(
      refused.stderr,
      new RegExp(`cutter-runtime: refusing test: ${dir}/link resolves to ${real} \\(a symbolic link in the path\\); nothing was changed`),
    );
  });
});

describe("terraformLiteral", () => {
  test("escapes ${ and %{ so the engine hands the shell exactly the text (a replacement string would eat a $)", () => {
    const text = 'a=${b%% *} c="$d${e#f}" %{x}';
    assert.equal(terraformLiteral(text), 'a=$${b%% *} c="$d$${e#f}" %%{x}');
    assert.equal(fromTerraformLiteral(terraformLiteral(text)), text);
  });
});

describe("reading without blocking", () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cutter-shell-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("content_sha256 hashes a regular file, and returns at once for a FIFO nobody writes to", () => {
    const file = path.join(dir, "f");
    fs.writeFileSync(file, "abc\n");
    const want = spawnSync("sha256sum", [file], { encoding: "utf8" }).stdout.slice(0, 64);
    assert.equal(sh('content_sha256 "$F"; echo "$sha256"', { F: file }).stdout.trim(), want);
    const fifo = path.join(dir, "fifo");
    assert.equal(spawnSync("mkfifo", [fifo]).status, 0);
    const r = spawnSync("/bin/sh", ["-c", `set -eu\n${scriptLibrary()}content_sha256 "$F"; echo "[$sha256]"`], {
      encoding: "utf8",
      env: { PATH: process.env.PATH, F: fifo },
      timeout: 10_000,
    });
    assert.equal(r.error, undefined, "returned before the 10 s timeout");
    assert.match(r.stdout, /^\[[0-9a-f]{64}\]\n$/, "the hash of nothing: never a match for what the stack wrote");
  });

  test("acl_paths lists exactly the paths GNU ls marks with +, in one process", { skip: !hasSetfacl() && "setfacl missing (apt-get install acl)" }, () => {
    const plain = path.join(dir, "plain");
    const withAcl = path.join(dir, "acl");
    const withDefault = path.join(dir, "default");
    for (const d of [plain, withAcl, withDefault]) fs.mkdirSync(d);
    assert.equal(spawnSync("setfacl", ["-m", "u:nobody:rx", withAcl]).status, 0);
    assert.equal(spawnSync("setfacl", ["-d", "-m", "u:nobody:rx", withDefault]).status, 0);
    const out = sh('acl_paths "$A" "$B" "$C" "$D/missing"; echo "[$acl]"', { A: plain, B: withAcl, C: withDefault, D: dir }).stdout;
    assert.equal(out, `[ ${withAcl} ${withDefault} ]\n`);
  });
});

function hasSetfacl(): boolean {
  return spawnSync("sh", ["-c", "command -v setfacl"]).status === 0;
}

/** Runs a provisioner's script as the engine would, with `${self...}` values filled in from `self`. */
function runScript(
  p: { interpreter: string[]; environment: Record<string, string> },
  self: Record<string, string> = {},
  extraEnv: Record<string, string> = {},
) {
  const env: Record<string, string> = { PATH: process.env.PATH!, ...extraEnv };
  for (const [k, v] of Object.entries(p.environment)) env[k] = v.replace(/\$\{self\.input\.([a-z_]+)\}/, (_, key) => self[key]);
  return spawnSync("/bin/sh", ["-c", fromTerraformLiteral(p.interpreter[2])], { encoding: "utf8", env });
}

describe("RuntimeDirectories and TreeRemover scripts, run by /bin/sh on real directories", () => {
  let dir: string;
  let root: string;
  let records: string;
  let create: { interpreter: string[]; environment: Record<string, string> };
  let remover: { provisioner: { interpreter: string[]; environment: Record<string, string> }; input: Record<string, string> };
  const at = (name: string) => path.join(root, name);
  const recordOf = (p: string) => path.join(records, recordKey(p));
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cutter-dirs-"));
    root = path.join(dir, "cutter");
    records = path.join(dir, "records");
    const stack = new TerraformStack(testApp(), "t");
    new RuntimeDirectories(stack, "D", { paths: [root, at("a"), at("a/b")], ownership: { directory: records } });
    new TreeRemover(stack, "R", { rootPath: root, directories: [root, at("a"), at("a/b")], files: [at("f"), at("g")], ownership: { directory: records } });
    const data = JSON.parse(Testing.synth(stack)).resource.terraform_data;
    create = Object.values<any>(data).find((r) => r.triggers_replace.directories).provisioner[0]["local-exec"];
    const r = Object.values<any>(data).find((x) => x.triggers_replace.root);
    remover = { provisioner: r.provisioner[0]["local-exec"], input: r.input };
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("create records each path once, before mkdir, naming no resource; a repair rewrites no record", () => {
    const first = runScript(create);
    assert.equal(first.status, 0, first.stderr);
    // One line per path, in words, and nothing else.
    assert.deepEqual(
      first.stdout.trim().split("\n"),
      [root, at("a"), at("a/b")].map((p) => `created ${p} root:root 0750`),
    );
    assert.equal(fs.readFileSync(recordOf(at("a")), "utf8"), `created ${at("a")}\n`);
    assert.equal((fs.statSync(recordOf(at("a"))).mode & 0o777).toString(8), "600", "records are private whatever the umask");
    const before = fs.statSync(recordOf(at("a/b"))).mtimeMs;
    fs.chmodSync(at("a"), 0o2770);
    const again = runScript(create, {}, {});
    assert.equal(again.status, 0, again.stderr);
    assert.equal(again.stdout, `set ${at("a")} to root:root 0750 (was 2770)\n`, "only the path it changed, old -> new");
    assert.equal(fs.statSync(recordOf(at("a/b"))).mtimeMs, before, "record untouched by a repair");
    assert.equal((fs.statSync(at("a")).mode & 0o7777).toString(8), "750", "setgid cleared (five-digit mode)");
  });

  test("the remover removes created empty directories deepest first, keeps one holding data, and a later run carries on", () => {
    fs.writeFileSync(at("a/b/data"), "precious\n");
    const kept = runScript(remover.provisioner, remover.input);
    assert.equal(kept.status, 1);
    assert.match(kept.stderr, new RegExp(`kept ${at("a/b")}: holds 1 entry \\(nothing in it was touched\\)`));
    assert.match(kept.stderr, /destroy removed everything else the stack created and kept the 3 path\(s\) above/);
    assert.equal(fs.readFileSync(at("a/b/data"), "utf8"), "precious\n");
    fs.rmSync(at("a/b/data"));
    const done = runScript(remover.provisioner, remover.input);
    assert.equal(done.status, 0, done.stderr);
    assert.equal(done.stdout, "removed the tree: the 3 directories and 0 files this stack created are gone\n");
    assert.equal(fs.existsSync(root), false);
    assert.deepEqual(fs.readdirSync(records), [], "records forgotten");
    const again = runScript(remover.provisioner, remover.input);
    assert.equal(again.status, 0, "nothing left to do is success");
  });

  test("files: removed only when they hold what the stack wrote (or nothing); adopted ones get their original back", () => {
    fs.mkdirSync(root);
    fs.writeFileSync(recordOf(root), `created ${root}\n`);
    const sha = (text: string) =>
      spawnSync("sh", ["-c", 'printf %s "$T" | sha256sum | cut -c1-64'], { encoding: "utf8", env: { PATH: process.env.PATH, T: text } }).stdout.trim();
    // f: written by the stack, then edited by hand; g: adopted, the stack's content in place, original kept aside.
    fs.writeFileSync(at("f"), "edited\n");
    fs.writeFileSync(recordOf(at("f")), `created ${at("f")} sha256=${sha("ours\n")}\n`);
    fs.writeFileSync(at("g"), "ours\n");
    fs.writeFileSync(path.join(records, "g.original"), "the original\n");
    fs.writeFileSync(recordOf(at("g")), `adopted ${at("g")} sha256=${sha("ours\n")} original=g.original mode=604 owner=1:1\n`);
    const first = runScript(remover.provisioner, remover.input);
    assert.equal(first.status, 1);
    assert.match(first.stderr, new RegExp(`kept ${at("f")}: it is not what this stack wrote`));
    assert.match(first.stdout, new RegExp(`put back the original ${at("g")} \\(adopted before the first deploy; owner 1:1, mode 604\\)`));
    assert.equal(fs.readFileSync(at("g"), "utf8"), "the original\n");
    const st = fs.statSync(at("g"));
    assert.deepEqual([st.uid, st.gid, (st.mode & 0o777).toString(8)], [1, 1, "604"]);
    assert.equal(fs.readFileSync(at("f"), "utf8"), "edited\n", "the edited file is kept");
    // An emptied file (a write cut short) holds nothing to lose.
    fs.writeFileSync(at("f"), "");
    const second = runScript(remover.provisioner, remover.input);
    assert.match(second.stderr, new RegExp(`kept ${root}: holds 1 entry`), "the root keeps the adopted file");
    assert.equal(fs.existsSync(at("f")), false);
    assert.deepEqual(fs.readdirSync(records), [recordKey(root)]);
  });
});
