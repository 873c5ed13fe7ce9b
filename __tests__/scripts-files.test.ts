/**
 * The per-file scripts (apply-permissions, guard-write, check-parent) run directly by
 * /bin/sh as the engine runs them (library + script, values in the environment as
 * PermissionCommand and ManagedFile pass them), against fixtures in a temporary
 * directory: the normal case, hostile names, links, special files, existing data.
 * Seconds, no engine.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { recordKey } from "../constructs";
import { ETC_FILE, Fixtures, HOSTILE_NAMES, mkfifo, mksocket, ownerMode, runScript, sha256, treeOf } from "./support/scripts";

let fx: Fixtures;
before(() => (fx = new Fixtures("scripts-files")));
after(() => fx.remove());

/** The environment PermissionCommand gives apply-permissions for `p` (one file of the step). */
function permissionEnv(p: string, mode = "0640", owner = "root", group = "root"): Record<string, string> {
  return { CUTTER_FILE_COUNT: "1", CUTTER_PATH_1: p, CUTTER_OWNER: owner, CUTTER_GROUP: group, CUTTER_MODE: mode };
}

/** The environment FileWriteGuard gives guard-write for files about to hold their contents. */
function guardEnvOf(files: ReadonlyArray<readonly [string, string]>, records: string, adopt = false): Record<string, string> {
  const env: Record<string, string> = { CUTTER_FILE_COUNT: String(files.length), CUTTER_RECORD_DIR: records, CUTTER_ADOPT: adopt ? "1" : "0" };
  files.forEach(([p, content], i) => {
    env[`CUTTER_PATH_${i + 1}`] = p;
    env[`CUTTER_SHA256_${i + 1}`] = sha256(content);
    env[`CUTTER_RECORD_KEY_${i + 1}`] = recordKey(p);
  });
  return env;
}

/** The environment FileWriteGuard gives guard-write for `p` (alone) about to hold `content`. */
function guardEnv(p: string, content: string, records: string, adopt = false): Record<string, string> {
  return guardEnvOf([[p, content]], records, adopt);
}

/** The environment PermissionCommand's destroy-time step gives check-parent for `p`. */
const parentEnv = (p: string) => ({ CUTTER_FILE_COUNT: "1", CUTTER_PATH_1: p });

describe("apply-permissions.sh", () => {
  const refusing = (p: string) => `cutter-runtime: refusing to change owner/mode of ${p}`;

  test("sets owner and mode, says what it was in one line, and says nothing when already right", () => {
    const d = fx.fresh("perm-normal");
    const f = path.join(d, "orchestrator.config.json");
    fs.writeFileSync(f, "{}\n", { mode: 0o644 });
    fs.chownSync(f, 65534, 65534);
    const first = runScript("apply-permissions", permissionEnv(f));
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout, `set ${f} to root:root 0640 (was nobody:nogroup 0644)\n`);
    assert.equal(first.stderr, "");
    assert.equal(ownerMode(f), "root:root 640");
    assert.equal(fs.readFileSync(f, "utf8"), "{}\n", "content untouched");
    const again = runScript("apply-permissions", permissionEnv(f));
    assert.deepEqual(again, { code: 0, stdout: "", stderr: "" });
    fs.chmodSync(f, 0o4755);
    assert.equal(runScript("apply-permissions", permissionEnv(f)).stdout, `set ${f} to root:root 0640 (was 4755)\n`, "setuid bits are cleared and named");
    assert.equal(ownerMode(f), "root:root 640");
  });

  test("an owner with no name (a uid not in /etc/passwd) is named by its number, never as UNKNOWN", () => {
    const d = fx.fresh("perm-unnamed");
    const f = path.join(d, "README.md");
    fs.writeFileSync(f, "x", { mode: 0o640 });
    fs.chmodSync(f, 0o640);
    fs.chownSync(f, 54321, 54322);
    const r = runScript("apply-permissions", permissionEnv(f));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `set ${f} to root:root 0640 (was 54321:54322)\n`);
    assert.equal(ownerMode(f), "root:root 640");
  });

  test("one step for several files: each gets owner and mode; only a changed one is named", () => {
    const d = fx.fresh("perm-several");
    const a = path.join(d, "a.json");
    const b = path.join(d, "b.md");
    fs.writeFileSync(a, "a", { mode: 0o640 });
    fs.writeFileSync(b, "b", { mode: 0o644 });
    fs.chmodSync(a, 0o640);
    fs.chmodSync(b, 0o644);
    const env = { CUTTER_FILE_COUNT: "2", CUTTER_PATH_1: a, CUTTER_PATH_2: b, CUTTER_OWNER: "root", CUTTER_GROUP: "root", CUTTER_MODE: "0640" };
    assert.deepEqual(runScript("apply-permissions", env), { code: 0, stdout: `set ${b} to root:root 0640 (was 0644)\n`, stderr: "" });
    assert.equal(ownerMode(a), "root:root 640");
    assert.equal(ownerMode(b), "root:root 640");
    assert.deepEqual(runScript("apply-permissions", env), { code: 0, stdout: "", stderr: "" }, "a re-run names nothing");
    fs.rmSync(a);
    const missing = runScript("apply-permissions", env);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, `cutter-runtime: refusing to change owner/mode of ${a}: it is missing or not a regular file; nothing was changed\n`);
  });

  test("hostile names in the path (a single value in the environment) reach the right file and nothing else", () => {
    for (const name of HOSTILE_NAMES) {
      const d = path.join(fx.fresh(`perm-hostile-${sha256(name).slice(0, 8)}`), name);
      fs.mkdirSync(d);
      const f = path.join(d, name);
      const sibling = path.join(d, "sibling");
      fs.writeFileSync(f, "x", { mode: 0o666 });
      fs.writeFileSync(sibling, "y", { mode: 0o666 });
      fs.chmodSync(f, 0o666);
      fs.chmodSync(sibling, 0o666);
      const r = runScript("apply-permissions", permissionEnv(f));
      assert.equal(r.code, 0, `${JSON.stringify(name)}: ${r.stderr}`);
      assert.equal(r.stdout, `set ${f} to root:root 0640 (was 0666)\n`);
      assert.equal(ownerMode(f), "root:root 640");
      assert.equal(ownerMode(sibling), "root:root 666", `${JSON.stringify(name)}: no other file changed`);
      assert.equal(fs.existsSync(path.join(d, "pwned")) || fs.existsSync("pwned"), false, "no command substitution ran");
    }
  });

  test("a symbolic link at the path (into /etc, to a directory, dangling) is refused and its target untouched", () => {
    const d = fx.fresh("perm-links");
    const etcBefore = ownerMode(ETC_FILE);
    fs.mkdirSync(path.join(d, "real-dir"));
    for (const [name, target] of [
      ["to-etc", ETC_FILE],
      ["to-dir", path.join(d, "real-dir")],
      ["dangling", path.join(d, "nowhere")],
    ]) {
      const f = path.join(d, name);
      fs.symlinkSync(target, f);
      const r = runScript("apply-permissions", permissionEnv(f, "0600", "nobody", "nogroup"));
      assert.equal(r.code, 1, name);
      assert.equal(r.stdout, "");
      assert.equal(r.stderr, `${refusing(f)}: it is a symbolic link; nothing was changed (remove the link; deploy writes the real file)\n`);
    }
    assert.equal(ownerMode(ETC_FILE), etcBefore);
    assert.equal(ownerMode(path.join(d, "real-dir")), "root:root 755");
  });

  test("a parent that is a symbolic link, or missing, is refused before anything is opened", () => {
    const d = fx.fresh("perm-parent");
    fs.mkdirSync(path.join(d, "real"));
    fs.writeFileSync(path.join(d, "real", "f"), "x", { mode: 0o644 });
    fs.symlinkSync(path.join(d, "real"), path.join(d, "link"));
    const viaLink = path.join(d, "link", "f");
    const r = runScript("apply-permissions", permissionEnv(viaLink));
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      `${refusing(viaLink)}: ${d}/link resolves to ${d}/real (a symbolic link in the path); nothing was changed. Replace the link with the real directory.\n`,
    );
    assert.equal(ownerMode(path.join(d, "real", "f")), "root:root 644");
    const missing = path.join(d, "gone", "f");
    const m = runScript("apply-permissions", permissionEnv(missing));
    assert.equal(m.code, 1);
    assert.equal(m.stderr, `${refusing(missing)}: ${d}/gone is missing or not a directory; nothing was changed\n`);
  });

  test("a FIFO, a socket, a directory or nothing at the path is refused without blocking", () => {
    const d = fx.fresh("perm-special");
    mkfifo(path.join(d, "fifo"));
    mksocket(path.join(d, "socket"));
    fs.mkdirSync(path.join(d, "dir"));
    const before = treeOf(d);
    for (const name of ["fifo", "socket", "dir", "missing"]) {
      const f = path.join(d, name);
      const r = runScript("apply-permissions", permissionEnv(f, "0600", "nobody", "nogroup"));
      assert.equal(r.code, 1, name);
      assert.equal(r.stderr, `${refusing(f)}: it is missing or not a regular file; nothing was changed\n`, name);
    }
    assert.deepEqual(treeOf(d), before);
  });

  test("a hard link to a file outside the tree is refused, naming the way to find the other name", () => {
    const d = fx.fresh("perm-hardlink");
    const outside = path.join(fx.fresh("perm-hardlink-outside"), "secret");
    fs.writeFileSync(outside, "secret\n", { mode: 0o600 });
    const f = path.join(d, "f");
    fs.linkSync(outside, f);
    const r = runScript("apply-permissions", permissionEnv(f, "0644", "nobody", "nogroup"));
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      `${refusing(f)}: it has 2 hard links, so another name (maybe outside the tree) shares this file; nothing was changed. Remove the other link (find it with: find / -xdev -samefile ${f}), then deploy again.\n`,
    );
    assert.equal(ownerMode(outside), "root:root 600");
  });
});

describe("guard-write.sh", () => {
  const refusing = (p: string) => `cutter-runtime: refusing to write ${p}`;

  test("a new file is recorded as created with the content's sha256; later writes say why they happen", () => {
    const d = fx.fresh("guard-normal");
    const records = path.join(fx.dir, "guard-normal-records");
    fs.rmSync(records, { recursive: true, force: true });
    const f = path.join(d, "README.md");
    const key = recordKey(f);
    const first = runScript("guard-write", guardEnv(f, "v1", records));
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout, `writing ${f} (new file)\n`);
    assert.equal(fs.readFileSync(path.join(records, key), "utf8"), `created ${f} sha256=${sha256("v1")}\n`);
    assert.equal(ownerMode(records), "root:root 700", "the record directory is private");
    assert.equal(ownerMode(path.join(records, key)), "root:root 600");
    assert.equal(fs.existsSync(f), false, "the guard writes nothing in the tree");
    // The provider wrote it; someone edited it; the same content is written again.
    fs.writeFileSync(f, "edited");
    assert.equal(runScript("guard-write", guardEnv(f, "v1", records)).stdout, `writing ${f} (its content was changed by someone else)\n`);
    const v2 = runScript("guard-write", guardEnv(f, "v2", records));
    assert.equal(v2.stdout, `writing ${f} (new content)\n`);
    assert.equal(fs.readFileSync(path.join(records, key), "utf8"), `created ${f} sha256=${sha256("v2")}\n`);
    fs.rmSync(f);
    assert.equal(runScript("guard-write", guardEnv(f, "v2", records)).stdout, `writing ${f} (it was missing)\n`);
    assert.deepEqual(fs.readdirSync(records), [key], "no temporary left");
  });

  test("one guard for several files: a file the stack wrote that already holds its content passes without a word; the others say which write follows", () => {
    const d = fx.fresh("guard-several");
    const records = path.join(fx.dir, "guard-several-records");
    fs.rmSync(records, { recursive: true, force: true });
    const config = path.join(d, "orchestrator.config.json");
    const readme = path.join(d, "README.md");
    const first = runScript(
      "guard-write",
      guardEnvOf(
        [
          [config, "c1"],
          [readme, "r1"],
        ],
        records,
      ),
    );
    assert.deepEqual(first, { code: 0, stdout: `writing ${config} (new file)\nwriting ${readme} (new file)\n`, stderr: "" });
    // The provider wrote both; then only the README's content changes: the config already holds its content.
    fs.writeFileSync(config, "c1");
    fs.writeFileSync(readme, "r1");
    const recordBefore = fs.readFileSync(path.join(records, recordKey(config)), "utf8");
    const second = runScript(
      "guard-write",
      guardEnvOf(
        [
          [config, "c1"],
          [readme, "r2"],
        ],
        records,
      ),
    );
    assert.deepEqual(second, { code: 0, stdout: `writing ${readme} (new content)\n`, stderr: "" });
    assert.equal(fs.readFileSync(path.join(records, recordKey(config)), "utf8"), recordBefore, "the config's record is untouched");
    assert.equal(fs.readFileSync(path.join(records, recordKey(readme)), "utf8"), `created ${readme} sha256=${sha256("r2")}\n`);
    // Nothing to write at all: silent. A file edited by someone else is still named.
    fs.writeFileSync(readme, "r2");
    assert.deepEqual(
      runScript(
        "guard-write",
        guardEnvOf(
          [
            [config, "c1"],
            [readme, "r2"],
          ],
          records,
        ),
      ),
      { code: 0, stdout: "", stderr: "" },
    );
    fs.writeFileSync(config, "edited");
    assert.equal(
      runScript(
        "guard-write",
        guardEnvOf(
          [
            [config, "c1"],
            [readme, "r2"],
          ],
          records,
        ),
      ).stdout,
      `writing ${config} (its content was changed by someone else)\n`,
    );
    // A refusal for either file stops the step (the later file is not checked) with the file named.
    fs.rmSync(config);
    fs.symlinkSync(ETC_FILE, config);
    const refused = runScript(
      "guard-write",
      guardEnvOf(
        [
          [config, "c1"],
          [readme, "r3"],
        ],
        records,
      ),
    );
    assert.equal(refused.code, 1);
    assert.equal(refused.stdout, "");
    assert.match(refused.stderr, new RegExp(`^${refusing(config).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: it is a symbolic link`));
    assert.equal(fs.readFileSync(path.join(records, recordKey(readme)), "utf8"), `created ${readme} sha256=${sha256("r2")}\n`, "the README was not reached");
    // Not a number of files: refused before anything.
    const bad = runScript("guard-write", { ...guardEnvOf([[readme, "r2"]], records), CUTTER_FILE_COUNT: "1;id" });
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr, "cutter-runtime: CUTTER_FILE_COUNT must be a number, not '1;id'\n");
  });

  test("an existing file the stack did not write is refused (nothing changed), or adopted with its original kept", () => {
    const d = fx.fresh("guard-existing");
    const records = path.join(fx.dir, "guard-existing-records");
    fs.rmSync(records, { recursive: true, force: true });
    const f = path.join(d, "orchestrator.config.json");
    fs.writeFileSync(f, "operator's own\n", { mode: 0o604 });
    fs.chmodSync(f, 0o604);
    fs.chownSync(f, 65534, 65534);
    const refused = runScript("guard-write", guardEnv(f, "ours", records));
    assert.equal(refused.code, 1);
    assert.equal(refused.stdout, "");
    assert.equal(
      refused.stderr,
      `${refusing(f)}: it already exists and this stack did not write it (no record in ${records}); nothing was changed. Move it away and deploy again, or deploy with CUTTER_ADOPT_EXISTING=1 to let the stack take it over (its original is then kept and put back by destroy).\n`,
    );
    assert.equal(fs.existsSync(records), false, "no record, no record directory");
    assert.equal(fs.readFileSync(f, "utf8"), "operator's own\n");
    const key = recordKey(f);
    const adopted = runScript("guard-write", guardEnv(f, "ours", records, true));
    assert.equal(adopted.code, 0, adopted.stderr);
    const backup = path.join(records, `${key}.original`);
    assert.equal(adopted.stdout, `adopted pre-existing ${f}: its original (owner 65534:65534, mode 604) is kept at ${backup} (0600); destroy puts it back\n`);
    assert.equal(fs.readFileSync(backup, "utf8"), "operator's own\n");
    assert.equal(ownerMode(backup), "root:root 600");
    assert.equal(
      fs.readFileSync(path.join(records, key), "utf8"),
      `adopted ${f} sha256=${sha256("ours")} original=${key}.original mode=604 owner=65534:65534\n`,
    );
    // Adopted stays adopted across content changes, the original's fields kept.
    assert.equal(runScript("guard-write", guardEnv(f, "ours v2", records, false)).stdout, `writing ${f} (new content)\n`);
    assert.equal(
      fs.readFileSync(path.join(records, key), "utf8"),
      `adopted ${f} sha256=${sha256("ours v2")} original=${key}.original mode=604 owner=65534:65534\n`,
    );
  });

  test("links, special files and hard links at the path are refused; nothing is written or recorded", () => {
    const d = fx.fresh("guard-special");
    const records = path.join(fx.dir, "guard-special-records");
    fs.rmSync(records, { recursive: true, force: true });
    const outside = path.join(fx.fresh("guard-special-outside"), "secret");
    fs.writeFileSync(outside, "secret\n");
    fs.mkdirSync(path.join(d, "real-dir"));
    fs.symlinkSync(ETC_FILE, path.join(d, "to-etc"));
    fs.symlinkSync(path.join(d, "real-dir"), path.join(d, "to-dir"));
    fs.symlinkSync(path.join(d, "nowhere"), path.join(d, "dangling"));
    mkfifo(path.join(d, "fifo"));
    mksocket(path.join(d, "socket"));
    fs.linkSync(outside, path.join(d, "hardlink"));
    const before = treeOf(d);
    const etcBefore = `${ownerMode(ETC_FILE)} ${fs.readFileSync(ETC_FILE, "utf8")}`;
    const link = (p: string) => `${refusing(p)}: it is a symbolic link; nothing was written (remove the link and deploy again)\n`;
    const special = (p: string) =>
      `${refusing(p)}: something that is not a regular file is in its place; nothing was written (move it out of the tree and deploy again)\n`;
    const cases: [string, (p: string) => string][] = [
      ["to-etc", link],
      ["to-dir", link],
      ["dangling", link],
      ["fifo", special],
      ["socket", special],
      ["real-dir", special],
      [
        "hardlink",
        (p) =>
          `${refusing(p)}: it has 2 hard links, so another name (maybe outside the tree) shares this file and a write would change it; nothing was written. Remove the other link (find it with: find / -xdev -samefile ${p}), then deploy again.\n`,
      ],
    ];
    for (const [name, message] of cases) {
      const f = path.join(d, name);
      for (const adopt of [false, true]) {
        const r = runScript("guard-write", guardEnv(f, "ours", records, adopt));
        assert.equal(r.code, 1, `${name} adopt=${adopt}`);
        assert.equal(r.stderr, message(f), `${name} adopt=${adopt}`);
      }
    }
    assert.deepEqual(treeOf(d), before);
    assert.equal(fs.existsSync(records), false, "nothing recorded");
    assert.equal(`${ownerMode(ETC_FILE)} ${fs.readFileSync(ETC_FILE, "utf8")}`, etcBefore);
    assert.equal(fs.readFileSync(outside, "utf8"), "secret\n");
  });

  test("a parent that resolves elsewhere is refused", () => {
    const d = fx.fresh("guard-parent");
    fs.mkdirSync(path.join(d, "real"));
    fs.symlinkSync(path.join(d, "real"), path.join(d, "link"));
    const f = path.join(d, "link", "README.md");
    const r = runScript("guard-write", guardEnv(f, "ours", path.join(d, "records")));
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      `${refusing(f)}: ${d}/link resolves to ${d}/real (a symbolic link in the path); nothing was changed. Replace the link with the real directory.\n`,
    );
    assert.deepEqual(fs.readdirSync(d).sort(), ["link", "real"]);
  });

  test("a record-directory path planted as a link at the record's temporary name is never written through", () => {
    const d = fx.fresh("guard-tmp-link");
    const records = path.join(d, "records");
    fs.mkdirSync(records, { mode: 0o700 });
    const f = path.join(d, "README.md");
    const victim = path.join(fx.fresh("guard-tmp-victim"), "victim");
    fs.writeFileSync(victim, "victim\n");
    fs.symlinkSync(victim, path.join(records, `${recordKey(f)}.tmp`));
    const r = runScript("guard-write", guardEnv(f, "ours", records));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(fs.readFileSync(victim, "utf8"), "victim\n");
    assert.equal(fs.readFileSync(path.join(records, recordKey(f)), "utf8"), `created ${f} sha256=${sha256("ours")}\n`);
  });
});

describe("check-parent.sh", () => {
  test("a real parent passes silently; a parent that is a link (to a directory or dangling) stops the removal", () => {
    const d = fx.fresh("parent");
    fs.mkdirSync(path.join(d, "real"));
    fs.writeFileSync(path.join(d, "real", "f"), "x");
    assert.deepEqual(runScript("check-parent", parentEnv(path.join(d, "real", "f"))), { code: 0, stdout: "", stderr: "" });
    assert.deepEqual(
      runScript("check-parent", parentEnv(path.join(d, "gone", "f"))),
      { code: 0, stdout: "", stderr: "" },
      "a parent already gone leaves nothing to remove",
    );
    fs.symlinkSync("/etc", path.join(d, "to-etc"));
    const etc = path.join(d, "to-etc", "hostname");
    const r = runScript("check-parent", parentEnv(etc));
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      `cutter-runtime: refusing to let the engine remove ${etc}: ${d}/to-etc resolves to /etc (a symbolic link in the path); nothing was changed. Replace the link with the real directory.\n`,
    );
    fs.symlinkSync(path.join(d, "nowhere"), path.join(d, "dangling"));
    const dangling = path.join(d, "dangling", "f");
    const g = runScript("check-parent", parentEnv(dangling));
    assert.equal(g.code, 1);
    assert.equal(g.stderr, `cutter-runtime: refusing to let the engine remove ${dangling}: ${d}/dangling is missing or not a directory; nothing was changed\n`);
    fs.writeFileSync(path.join(d, "file"), "x");
    const notDir = runScript("check-parent", parentEnv(path.join(d, "file", "f")));
    assert.equal(notDir.code, 1);
    assert.match(notDir.stderr, /file is missing or not a directory; nothing was changed\n$/);
    // Several files (one owner/mode step): any one whose parent is a link stops the removal.
    const two = runScript("check-parent", { CUTTER_FILE_COUNT: "2", CUTTER_PATH_1: path.join(d, "real", "f"), CUTTER_PATH_2: etc });
    assert.equal(two.code, 1);
    assert.equal(two.stderr, r.stderr);
  });
});
