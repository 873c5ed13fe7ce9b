/**
 * The plan-time read (observe.sh, arguments as TreeObservation passes them through
 * scriptCommand) and the survey (survey.sh, environment as TreeSurvey passes it), run
 * directly against fixtures in a temporary directory. Seconds, no engine.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { recordKey } from "../constructs";
import { ETC_FILE, Fixtures, HOSTILE_NAMES, mkfifo, mksocket, runScript, runScriptCommand, sha256, treeOf } from "./support/scripts";

let fx: Fixtures;
before(() => (fx = new Fixtures("scripts-observe")));
after(() => fx.remove());

/** TreeObservation's arguments: paths, `--`, their parents, `--`, the files to hash, `--`, the record directory and each path's key. */
function observeArgs(paths: string[], files: string[], records?: string): string[] {
  const parents = [...new Set(paths.map((p) => path.posix.dirname(p)))];
  return [...paths, "--", ...parents, "--", ...files, ...(records ? ["--", records, ...paths.map(recordKey)] : [])];
}

describe("observe.sh", () => {
  test("one stat line per existing path, a sha256 line per file, an R line per recorded path; missing paths drop out; data with hostile names is not read", () => {
    const d = fx.fresh("observe-normal");
    const root = path.join(d, "cutter");
    const a = path.join(root, "a");
    const f = path.join(root, "f");
    const missing = path.join(root, "missing");
    fs.mkdirSync(a, { recursive: true, mode: 0o750 });
    fs.chmodSync(root, 0o750);
    fs.chmodSync(a, 0o750);
    fs.writeFileSync(f, "content\n", { mode: 0o640 });
    fs.chmodSync(f, 0o640);
    for (const name of HOSTILE_NAMES) fs.writeFileSync(path.join(a, name), "data");
    const records = path.join(d, "records");
    fs.mkdirSync(records);
    fs.writeFileSync(path.join(records, recordKey(a)), `created ${a}\n`);
    fs.writeFileSync(path.join(records, recordKey(missing)), `created ${missing}\n`);
    const before = treeOf(d);
    const r = runScriptCommand("observe", observeArgs([root, a, f, missing], [f, missing], records));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    assert.deepEqual(r.stdout.split("\n"), [
      `S|${root}|directory|root|root|750|3`,
      `S|${a}|directory|root|root|750|2`,
      `S|${f}|regular file|root|root|640|1`,
      `${sha256("content\n")}  ${f}`,
      `R|${a}`,
      `R|${missing}`,
      "",
    ]);
    assert.deepEqual(treeOf(d), before, "a read changes nothing");
  });

  test("links at managed paths (into /etc, to a directory, dangling) and parents resolving elsewhere fail the plan, all named in one line", () => {
    const d = fx.fresh("observe-links");
    const root = path.join(d, "cutter");
    fs.mkdirSync(root);
    const elsewhere = fx.fresh("observe-links-elsewhere");
    const [toEtc, toDir, dangling] = ["f", "a", "c"].map((n) => path.join(root, n));
    fs.symlinkSync(ETC_FILE, toEtc);
    fs.symlinkSync(elsewhere, toDir);
    fs.symlinkSync(path.join(d, "nowhere"), dangling);
    const inLinked = path.join(toDir, "sub");
    const r = runScriptCommand("observe", observeArgs([root, toDir, dangling, toEtc, inLinked], [toEtc]));
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.equal(
      r.stderr,
      `cutter-runtime: refusing to plan: these managed paths are (or go through) symbolic links: ${toDir} ${dangling} ${toEtc} ${toDir}/. Nothing was changed. Replace each link with the real directory or file (or remove it) and run again.\n`,
    );
  });

  test("a FIFO, a socket or a directory where a file belongs fails the plan without being opened", () => {
    const d = fx.fresh("observe-special");
    const [fifo, socket, dir] = ["fifo", "socket", "dir"].map((n) => path.join(d, n));
    mkfifo(fifo);
    mksocket(socket);
    fs.mkdirSync(dir);
    const r = runScriptCommand("observe", observeArgs([d, fifo, socket, dir], [fifo, socket, dir]));
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      `cutter-runtime: refusing to plan: where a managed file belongs there is something else (a FIFO, socket, device or directory), which is never opened: ${fifo} ${socket} ${dir}. Nothing was read or changed. Move each out of the tree (it may be someone's) and run again.\n`,
    );
  });

  test("a hard link to a file outside is reported with its link count (2), for the plan to repair", () => {
    const d = fx.fresh("observe-hardlink");
    const outside = path.join(fx.fresh("observe-hardlink-outside"), "secret");
    fs.writeFileSync(outside, "secret\n");
    const f = path.join(d, "f");
    fs.linkSync(outside, f);
    const r = runScriptCommand("observe", observeArgs([f], [f]));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^S\\|${f}\\|regular file\\|root\\|root\\|\\d+\\|2\\n`));
  });
});

describe("survey.sh", () => {
  const surveyEnv = (records: string, observed: string, truncated = "0") => ({
    CUTTER_SURVEY_ACTION: "record",
    CUTTER_RECORD_DIR: records,
    CUTTER_SURVEY_NAME: "survey",
    CUTTER_ROOT: "/srv/cutter",
    CUTTER_OBSERVED: observed,
    CUTTER_OBSERVED_TRUNCATED: truncated,
  });

  test("records the observation's stat lines once, privately; a later run keeps the first; forget removes it", () => {
    const d = fx.fresh("survey-normal");
    const records = path.join(d, "records", "nested");
    const observed = "S|/srv/cutter|directory|root|root|750|2\nabc  /srv/cutter/f\nS|/srv/cutter/f|regular file|root|root|640|1";
    const r = runScript("survey", surveyEnv(records, observed));
    assert.deepEqual(r, { code: 0, stdout: "", stderr: "" });
    const file = path.join(records, "survey");
    const lines = fs.readFileSync(file, "utf8").split("\n");
    assert.equal(lines[0], "cutter-runtime-survey 1");
    assert.match(lines[1], /^recorded_at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.deepEqual(lines.slice(2), [
      "root /srv/cutter",
      "truncated 0",
      "observed S|/srv/cutter|directory|root|root|750|2",
      "observed S|/srv/cutter/f|regular file|root|root|640|1",
      "",
    ]);
    assert.equal((fs.statSync(file).mode & 0o777).toString(8), "600");
    assert.equal((fs.statSync(records).mode & 0o777).toString(8), "700");
    const first = fs.readFileSync(file, "utf8");
    const again = runScript("survey", surveyEnv(records, "S|/srv/cutter|directory|nobody|nogroup|777|2"));
    assert.equal(again.code, 0);
    assert.equal(again.stdout, `cutter-runtime: keeping the survey recorded earlier in ${file} (the state before the first deploy)\n`);
    assert.equal(fs.readFileSync(file, "utf8"), first);
    const forget = runScript("survey", { CUTTER_SURVEY_ACTION: "forget", CUTTER_RECORD_DIR: records, CUTTER_SURVEY_NAME: "survey" });
    assert.deepEqual(forget, { code: 0, stdout: "", stderr: "" });
    assert.deepEqual(fs.readdirSync(records), []);
  });

  test("a truncated observation keeps whole lines only; a link planted at the temporary name is replaced, never written through", () => {
    const d = fx.fresh("survey-truncated");
    const records = path.join(d, "records");
    fs.mkdirSync(records, { mode: 0o700 });
    const victim = path.join(fx.fresh("survey-victim"), "victim");
    fs.writeFileSync(victim, "victim\n");
    fs.symlinkSync(victim, path.join(records, "survey.tmp"));
    const r = runScript("survey", surveyEnv(records, "S|/srv/cutter|directory|root|root|750|2\nS|/srv/cutter/a|direc", "1"));
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(fs.readFileSync(path.join(records, "survey"), "utf8").split("\n").slice(3), [
      "truncated 1",
      "observed S|/srv/cutter|directory|root|root|750|2",
      "",
    ]);
    assert.equal(fs.readFileSync(victim, "utf8"), "victim\n");
    assert.deepEqual(fs.readdirSync(records), ["survey"]);
  });

  test("forget with no record directory (a destroy guard without records) removes nothing: never /NAME", () => {
    const d = fx.fresh("survey-no-records");
    fs.writeFileSync(path.join(d, "survey"), "kept\n");
    // Without the record directory, "$CUTTER_RECORD_DIR/$CUTTER_SURVEY_NAME" would be this file.
    const r = runScript("survey", { CUTTER_SURVEY_ACTION: "forget", CUTTER_RECORD_DIR: "", CUTTER_SURVEY_NAME: `${d.slice(1)}/survey` });
    assert.deepEqual(r, { code: 0, stdout: "", stderr: "" });
    assert.equal(fs.readFileSync(path.join(d, "survey"), "utf8"), "kept\n");
  });

  test("forget leaves a link or a directory at the survey's name alone; an unknown action fails naming it", () => {
    const d = fx.fresh("survey-forget");
    fs.symlinkSync(ETC_FILE, path.join(d, "survey"));
    fs.mkdirSync(path.join(d, "survey.tmp"));
    const r = runScript("survey", { CUTTER_SURVEY_ACTION: "forget", CUTTER_RECORD_DIR: d, CUTTER_SURVEY_NAME: "survey" });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(fs.readdirSync(d).sort(), ["survey", "survey.tmp"]);
    assert.ok(fs.existsSync(ETC_FILE));
    const bad = runScript("survey", { CUTTER_SURVEY_ACTION: "rm -rf", CUTTER_RECORD_DIR: d, CUTTER_SURVEY_NAME: "survey" });
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr, "cutter-runtime: survey: unknown action rm -rf\n");
  });
});
