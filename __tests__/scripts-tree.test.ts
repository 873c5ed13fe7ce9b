/**
 * The tree scripts (create-or-repair-directories, check-before-destroy, remove-tree) run
 * directly by /bin/sh as the engine runs them (library + script, the lists in the
 * environment as RuntimeDirectories, DestroyGuard and TreeRemover pass them: recordEntries,
 * recordKey, space-separated), against fixtures in a temporary directory. Managed paths
 * hold no whitespace or glob characters (validation's SEGMENT rule); the data in the tree
 * may hold anything, and links and special files may appear anywhere. Seconds, no engine.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { recordEntries, recordKey, scriptLibrary } from "../constructs";
import { SCRIPTS_DIR, SHELL } from "../constructs/shell";
import { ETC_FILE, Fixtures, HOSTILE_NAMES, mkfifo, mksocket, ownerMode, runScript, sha256, treeOf } from "./support/scripts";

let fx: Fixtures;
before(() => (fx = new Fixtures("scripts-tree")));
after(() => fx.remove());

/**
 * A root `<dir>/cutter` with directories a, a/b (unless `flat`, as the real layout is) and c,
 * files f and g, and its record directory `<dir>/records`.
 */
function layout(name: string, flat = false) {
  const dir = fx.fresh(name);
  const root = path.join(dir, "cutter");
  const at = (p: string) => path.join(root, p);
  const directories = flat ? [root, at("a"), at("c")] : [root, at("a"), at("a/b"), at("c")];
  const files = [at("f"), at("g")];
  const records = path.join(dir, "records");
  const record = (p: string, line: string) => {
    fs.mkdirSync(records, { recursive: true, mode: 0o700 });
    fs.writeFileSync(path.join(records, recordKey(p)), `${line}\n`);
  };
  return { dir, root, at, directories, files, records, record };
}

/** RuntimeDirectories' environment for create-or-repair-directories. */
function createEnv(directories: string[], records: string, adopt = false): Record<string, string> {
  return {
    CUTTER_ENTRIES: recordEntries(directories),
    CUTTER_OWNER: "root",
    CUTTER_GROUP: "root",
    CUTTER_MODE: "00750",
    CUTTER_RECORD_DIR: records,
    CUTTER_ADOPT: adopt ? "1" : "0",
  };
}

/** DestroyGuard's environment for check-before-destroy (the subdirectories, not the root; files hold `content` as the stack wrote it). */
function checkEnv(l: ReturnType<typeof layout>, content: Record<string, string>): Record<string, string> {
  const subdirectories = l.directories.filter((d) => d !== l.root);
  return {
    CUTTER_ROOT: l.root,
    CUTTER_ROOT_KEY: recordKey(l.root),
    CUTTER_ROOT_ENTRIES: [...subdirectories, ...l.files].map((p) => path.posix.basename(p)).join(" "),
    CUTTER_DIRECTORIES: subdirectories.join(" "),
    CUTTER_DIRECTORY_KEYS: subdirectories.map(recordKey).join(" "),
    CUTTER_FILES: l.files.join(" "),
    CUTTER_FILE_SHA256: l.files.map((f) => sha256(content[f] ?? "")).join(" "),
    CUTTER_RECORD_DIR: l.records,
    CUTTER_REMOVER_ID: "remover",
  };
}

/** TreeRemover's environment for remove-tree. */
function removeEnv(l: ReturnType<typeof layout>): Record<string, string> {
  return { CUTTER_DIRECTORIES: recordEntries([...l.directories].reverse()), CUTTER_FILES: recordEntries(l.files), CUTTER_RECORD_DIR: l.records };
}

/** Creates the layout with the real script and writes the files as the stack would (recorded with their sha256). */
function deployed(name: string, flat = false, content: Record<string, string> = {}) {
  const l = layout(name, flat);
  const r = runScript("create-or-repair-directories", createEnv(l.directories, l.records));
  assert.equal(r.code, 0, r.stderr);
  for (const f of l.files) {
    const text = content[f] ?? `${path.basename(f)}\n`;
    fs.writeFileSync(f, text, { mode: 0o640 });
    l.record(f, `created ${f} sha256=${sha256(text)}`);
  }
  return { ...l, content: Object.fromEntries(l.files.map((f) => [f, content[f] ?? `${path.basename(f)}\n`])) };
}

describe("create-or-repair-directories.sh", () => {
  test("creates every directory with its owner and mode and a record each, one line per path; a second run prints nothing", () => {
    const l = layout("create-normal");
    const r = runScript("create-or-repair-directories", createEnv(l.directories, l.records));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    assert.deepEqual(
      r.stdout.split("\n").slice(0, -1),
      l.directories.map((p) => `created ${p} root:root 0750`),
    );
    for (const p of l.directories) {
      assert.equal(ownerMode(p), "root:root 750");
      assert.equal(fs.readFileSync(path.join(l.records, recordKey(p)), "utf8"), `created ${p}\n`);
    }
    assert.deepEqual(runScript("create-or-repair-directories", createEnv(l.directories, l.records)), { code: 0, stdout: "", stderr: "" });
  });

  test("repairs owner and mode in place: the directory keeps its inode and its data, hostile names included", () => {
    const l = deployed("create-repair");
    const a = l.at("a");
    for (const name of HOSTILE_NAMES) fs.writeFileSync(path.join(a, name), name);
    fs.symlinkSync(ETC_FILE, path.join(a, "to-etc"));
    mkfifo(path.join(a, "fifo"));
    const inode = fs.statSync(a).ino;
    fs.chownSync(a, 65534, 65534);
    fs.chmodSync(a, 0o2777);
    const data = treeOf(a);
    const r = runScript("create-or-repair-directories", createEnv(l.directories, l.records));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `set ${a} to root:root 0750 (was nobody:nogroup 2777)\n`);
    assert.equal(ownerMode(a), "root:root 750", "setgid cleared too");
    assert.equal(fs.statSync(a).ino, inode);
    assert.deepEqual(treeOf(a), data, "nothing inside touched");
  });

  test("a directory owned by a uid with no name is named by its number, never as UNKNOWN", () => {
    const l = deployed("create-unnamed");
    fs.chownSync(l.at("c"), 54321, 0);
    const r = runScript("create-or-repair-directories", createEnv(l.directories, l.records));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `set ${l.at("c")} to root:root 0750 (was 54321:root)\n`);
    assert.equal(ownerMode(l.at("c")), "root:root 750");
  });

  test("a link or a non-directory at any managed path refuses the whole run: one line each, then one line; nothing created", () => {
    const l = layout("create-refused");
    fs.mkdirSync(l.root);
    l.record(l.root, `created ${l.root}`);
    const elsewhere = fx.fresh("create-refused-elsewhere");
    fs.symlinkSync(elsewhere, l.at("a"));
    fs.symlinkSync(path.join(l.dir, "nowhere"), l.at("c"));
    const extra = [l.at("etc"), l.at("fifo"), l.at("socket"), l.at("file")];
    fs.symlinkSync("/etc", extra[0]);
    mkfifo(extra[1]);
    mksocket(extra[2]);
    fs.writeFileSync(extra[3], "data");
    const before = treeOf(l.dir);
    const r = runScript("create-or-repair-directories", createEnv([...l.directories, ...extra], l.records));
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    const link = (p: string) =>
      `cutter-runtime: refusing to change owner/mode of ${p}: it is a symbolic link (remove the link, or put the real directory back, and deploy again)`;
    const notDir = (p: string) => `cutter-runtime: ${p} is not a directory; nothing was changed. Move it out of the tree, then deploy again`;
    assert.deepEqual(r.stderr.split("\n"), [
      link(l.at("a")),
      link(l.at("c")),
      link(extra[0]),
      notDir(extra[1]),
      notDir(extra[2]),
      notDir(extra[3]),
      "cutter-runtime: deploy stopped before changing anything: 6 path(s) refused above.",
      "",
    ]);
    assert.deepEqual(treeOf(l.dir), before, "nothing created, nothing recorded, a/b not made through the link");
    assert.deepEqual(fs.readdirSync(elsewhere), []);
  });

  test("an existing directory the stack did not create is refused, or adopted with its owner and mode recorded", () => {
    const l = layout("create-existing");
    fs.mkdirSync(l.root);
    fs.writeFileSync(path.join(l.root, "data"), "precious");
    fs.chownSync(l.root, 65534, 65534);
    fs.chmodSync(l.root, 0o755);
    const r = runScript("create-or-repair-directories", createEnv(l.directories, l.records));
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      `cutter-runtime: refusing to take over ${l.root}: it already exists and this stack did not create it (no record in ${l.records}). Move it away and deploy again, or deploy with CUTTER_ADOPT_EXISTING=1 (adoptExisting in a host file) to adopt it: its owner and mode are then managed, and destroy leaves it and its contents in place.\n` +
        "cutter-runtime: deploy stopped before changing anything: 1 path(s) refused above.\n",
    );
    assert.deepEqual(fs.readdirSync(l.root), ["data"]);
    assert.equal(fs.existsSync(l.records), false);
    const adopted = runScript("create-or-repair-directories", createEnv(l.directories, l.records, true));
    assert.equal(adopted.code, 0, adopted.stderr);
    assert.deepEqual(adopted.stdout.split("\n").slice(0, 2), [
      `adopted pre-existing ${l.root} (mode=755 owner=65534:65534): owner and mode are managed from now on; destroy leaves it and its contents in place and puts that owner and mode back`,
      `set ${l.root} to root:root 0750 (was nobody:nogroup 0755)`,
    ]);
    assert.equal(fs.readFileSync(path.join(l.records, recordKey(l.root)), "utf8"), `adopted ${l.root} mode=755 owner=65534:65534\n`);
    assert.equal(fs.readFileSync(path.join(l.root, "data"), "utf8"), "precious");
  });
});

describe("check-before-destroy.sh", () => {
  test("a tree as the stack left it passes silently and nothing is changed", () => {
    const l = deployed("check-clean", true);
    const before = treeOf(l.dir);
    assert.deepEqual(runScript("check-before-destroy", checkEnv(l, l.content)), { code: 0, stdout: "", stderr: "" });
    assert.deepEqual(treeOf(l.dir), before);
  });

  test("a guard from a release without the remover stops at once with the way forward", () => {
    const l = deployed("check-old", true);
    const r = runScript("check-before-destroy", { ...checkEnv(l, l.content), CUTTER_REMOVER_ID: "" });
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      "cutter-runtime: destroy stopped before removing anything: this state was written by an earlier release, which had no tree remover. Run deploy once with this release (it adds the remover and changes nothing in the tree), then destroy again.\n",
    );
  });

  test("every problem is one `kept` line (data under hostile names, links, special files, edits), then one line; nothing removed", () => {
    const l = deployed("check-problems", true);
    // Root: data the stack did not create, under every hostile name, plus a link, a FIFO and a socket.
    for (const name of HOSTILE_NAMES) fs.writeFileSync(path.join(l.root, name), "data");
    fs.symlinkSync(path.join(l.dir, "nowhere"), path.join(l.root, "dangling"));
    mkfifo(path.join(l.root, "fifo"));
    mksocket(path.join(l.root, "socket"));
    const extra = HOSTILE_NAMES.length + 3;
    fs.writeFileSync(l.at("a/run.log"), "log");
    // c: a link to a directory holding data; f: edited; g: a link into /etc.
    const elsewhere = fx.fresh("check-problems-elsewhere");
    fs.writeFileSync(path.join(elsewhere, "theirs"), "x");
    fs.rmdirSync(l.at("c"));
    fs.symlinkSync(elsewhere, l.at("c"));
    fs.writeFileSync(l.at("f"), "edited by hand\n");
    fs.rmSync(l.at("g"));
    fs.symlinkSync(ETC_FILE, l.at("g"));
    const before = treeOf(l.dir);
    const r = runScript("check-before-destroy", checkEnv(l, l.content));
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.deepEqual(r.stderr.split("\n"), [
      `cutter-runtime: kept ${l.root}: holds ${extra} entries this stack did not create`,
      `cutter-runtime: kept ${l.at("a")}: holds 1 entry`,
      `cutter-runtime: kept ${l.at("c")}: it is a symbolic link, not the directory this stack created`,
      `cutter-runtime: kept ${l.at("f")}: edited (its content is not what this stack wrote)`,
      `cutter-runtime: kept ${l.at("g")}: it is a symbolic link, not the file this stack wrote`,
      `cutter-runtime: destroy stopped before removing anything (5 path(s) above; the tree and the state are as they were). Move the data out of ${l.root}, then destroy again; or keep the tree.`,
      "",
    ]);
    assert.deepEqual(treeOf(l.dir), before);
    assert.deepEqual(fs.readdirSync(elsewhere), ["theirs"]);
  });

  test("a FIFO or socket where a file belongs, a file where a directory belongs, and a symlinked root are named, never opened", () => {
    const l = deployed("check-special", true);
    fs.rmSync(l.at("f"));
    mkfifo(l.at("f"));
    fs.rmSync(l.at("g"));
    mksocket(l.at("g"));
    fs.rmdirSync(l.at("c"));
    fs.writeFileSync(l.at("c"), "a file");
    const r = runScript("check-before-destroy", checkEnv(l, l.content));
    assert.equal(r.code, 1);
    assert.deepEqual(r.stderr.split("\n").slice(0, 3), [
      `cutter-runtime: kept ${l.at("c")}: it is not a directory`,
      `cutter-runtime: kept ${l.at("f")}: it is not a regular file`,
      `cutter-runtime: kept ${l.at("g")}: it is not a regular file`,
    ]);
    const moved = path.join(l.dir, "moved");
    fs.renameSync(l.root, moved);
    fs.symlinkSync(moved, l.root);
    const link = runScript("check-before-destroy", checkEnv(l, l.content));
    assert.equal(link.code, 1);
    assert.equal(link.stderr.split("\n")[0], `cutter-runtime: kept ${l.root}: it is a symbolic link, not the directory this stack created`);
  });

  test("an emptied file (a write cut short) and an adopted directory holding data are no problem", () => {
    const l = deployed("check-fine", true);
    fs.writeFileSync(l.at("f"), "");
    l.record(l.at("c"), `adopted ${l.at("c")} mode=755 owner=0:0`);
    fs.writeFileSync(l.at("c/theirs"), "x");
    assert.deepEqual(runScript("check-before-destroy", checkEnv(l, l.content)), { code: 0, stdout: "", stderr: "" });
  });
});

describe("remove-tree.sh", () => {
  test("removes exactly what the records name: an unrecorded directory stays, temporaries of cut-short writes go", () => {
    const l = deployed("remove-normal");
    fs.rmSync(path.join(l.records, recordKey(l.at("c"))));
    fs.writeFileSync(path.join(l.records, `${recordKey(l.at("f"))}.tmp`), "cut short");
    const r = runScript("remove-tree", removeEnv(l));
    assert.equal(r.code, 1, "the root still holds c");
    assert.equal(r.stdout, "");
    assert.deepEqual(r.stderr.split("\n"), [
      `cutter-runtime: kept ${l.root}: holds 1 entry (nothing in it was touched)`,
      "cutter-runtime: destroy removed everything else the stack created and kept the 1 path(s) above. Move the data out, then destroy again (or keep the tree).",
      "",
    ]);
    assert.deepEqual(fs.readdirSync(l.root), ["c"]);
    assert.deepEqual(fs.readdirSync(l.records), [recordKey(l.root)]);
  });

  test("links, special files, hard links and hostile-named data are kept and listed; their targets untouched", () => {
    const l = deployed("remove-hostile");
    const outside = path.join(fx.fresh("remove-hostile-outside"), "secret");
    fs.writeFileSync(outside, l.content[l.at("g")]);
    const elsewhere = fx.fresh("remove-hostile-elsewhere");
    fs.rmSync(l.at("f"));
    fs.symlinkSync(ETC_FILE, l.at("f"));
    fs.rmSync(l.at("g"));
    fs.linkSync(outside, l.at("g"));
    fs.rmdirSync(l.at("c"));
    fs.symlinkSync(elsewhere, l.at("c"));
    for (const name of HOSTILE_NAMES) fs.writeFileSync(path.join(l.at("a/b"), name), "data");
    mkfifo(path.join(l.at("a"), "fifo"));
    const etcBefore = `${ownerMode(ETC_FILE)} ${fs.readFileSync(ETC_FILE, "utf8")}`;
    const before = treeOf(l.root);
    const r = runScript("remove-tree", removeEnv(l));
    assert.equal(r.code, 1);
    assert.deepEqual(r.stderr.split("\n"), [
      `cutter-runtime: kept ${l.at("f")}: it is a symbolic link`,
      `cutter-runtime: kept ${l.at("g")}: it is not what this stack wrote (edited, or another name links to it)`,
      `cutter-runtime: kept ${l.at("c")}: it is a symbolic link`,
      `cutter-runtime: kept ${l.at("a/b")}: holds ${HOSTILE_NAMES.length} entries (nothing in it was touched)`,
      `cutter-runtime: kept ${l.at("a")}: holds 2 entries (nothing in it was touched)`,
      `cutter-runtime: kept ${l.root}: holds 4 entries (nothing in it was touched)`,
      "cutter-runtime: destroy removed everything else the stack created and kept the 6 path(s) above. Move the data out, then destroy again (or keep the tree).",
      "",
    ]);
    assert.deepEqual(treeOf(l.root), before, "nothing removed");
    assert.equal(`${ownerMode(ETC_FILE)} ${fs.readFileSync(ETC_FILE, "utf8")}`, etcBefore);
    assert.equal(fs.readFileSync(outside, "utf8"), l.content[l.at("g")]);
  });

  test("a FIFO where a file was and a parent swapped for a link are kept without being opened or followed", () => {
    const l = deployed("remove-special");
    fs.rmSync(l.at("f"));
    mkfifo(l.at("f"));
    const moved = path.join(l.dir, "moved-a");
    fs.renameSync(l.at("a"), moved);
    fs.symlinkSync(moved, l.at("a"));
    const r = runScript("remove-tree", removeEnv(l));
    assert.equal(r.code, 1);
    const lines = r.stderr.split("\n");
    assert.ok(lines.includes(`cutter-runtime: kept ${l.at("f")}: it is not a regular file`), r.stderr);
    assert.ok(
      lines.includes(`cutter-runtime: kept ${l.at("a/b")}: ${l.at("a")} is not the real directory (a symbolic link in the path?); nothing in it was removed`),
      r.stderr,
    );
    assert.ok(lines.includes(`cutter-runtime: kept ${l.at("a")}: it is a symbolic link`), r.stderr);
    assert.ok(fs.statSync(path.join(moved, "b")).isDirectory(), "b behind the link untouched");
    assert.equal(fs.existsSync(l.at("g")), false, "g (ours, intact) removed");
    assert.equal(fs.existsSync(l.at("c")), false, "c (ours, empty) removed");
  });

  test("an adopted directory is left with its data and gets back the owner and mode it had", () => {
    const l = deployed("remove-adopted");
    l.record(l.at("c"), `adopted ${l.at("c")} mode=755 owner=65534:65534`);
    fs.writeFileSync(l.at("c/theirs"), "x");
    fs.rmSync(l.at("f"));
    fs.rmSync(l.at("g"));
    const r = runScript("remove-tree", removeEnv(l));
    assert.equal(r.code, 1, "the root holds c");
    assert.ok(
      r.stdout.includes(
        `left ${l.at("c")} in place with its contents: it existed before this stack (adopted); its owner 65534:65534 and mode 755 are put back\n`,
      ),
      r.stdout,
    );
    assert.equal(ownerMode(l.at("c")), "nobody:nogroup 755");
    assert.deepEqual(fs.readdirSync(l.at("c")), ["theirs"]);
  });
});

describe("collect problems, then fail: written once, in lib.sh", () => {
  test("problem counts and prints each; stop_if_problems fails once, naming the count; none: no output", () => {
    const run = (body: string) => spawnSync(SHELL, ["-c", `set -eu\n${scriptLibrary()}${body}`], { encoding: "utf8", env: { PATH: process.env.PATH! } });
    const two = run('problem "kept a: why"; problem "kept b: why"; stop_if_problems "stopped: $problems path(s) above."; echo not reached');
    assert.equal(two.status, 1);
    assert.equal(two.stdout, "");
    assert.equal(two.stderr, "cutter-runtime: kept a: why\ncutter-runtime: kept b: why\ncutter-runtime: stopped: 2 path(s) above.\n");
    const none = run('stop_if_problems "stopped"; echo went on');
    assert.deepEqual([none.status, none.stdout, none.stderr], [0, "went on\n", ""]);
  });

  test("no script keeps its own problem counter or defines the pattern again", () => {
    for (const file of fs.readdirSync(SCRIPTS_DIR).filter((f) => f.endsWith(".sh") && f !== "lib.sh")) {
      const text = fs.readFileSync(path.join(SCRIPTS_DIR, file), "utf8");
      assert.doesNotMatch(text, /^\s*(problem|stop_if_problems)\s*\(\)/m, `${file} redefines the library's functions`);
      assert.doesNotMatch(text, /\b(\w+)=\$\(\(\1 \+ 1\)\);?\s*\}/, `${file}: a function counting into its own variable (use problem)`);
      assert.doesNotMatch(
        text,
        /\[ "\$\w+" -(eq|ne) 0 \] (\|\||&&) fail|if \[ "\$\w+" -ne 0 \]; then\s*\n\s*echo "cutter-runtime:/,
        `${file}: its own end-of-collection check (use stop_if_problems)`,
      );
    }
  });
});
