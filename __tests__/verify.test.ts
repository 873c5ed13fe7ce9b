/**
 * `npm run verify` against a tree the real engine deployed: PASS on the tree as
 * deployed; FAIL, exit 1 and the offending path named for each kind of drift;
 * --json and --markdown; bad arguments and report paths refused before anything
 * is written.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { resolveLayout, readRuntimeInputs } from "../constructs";
import { expectedTree } from "../tools/expected-tree";
import { REPO, TempHost, expectSuccess, run } from "./support/harness";
import { verify } from "./support/tools";

const SECRET = "s3cret-Value-42";

describe("verify", () => {
  let host: TempHost;
  let layout: ReturnType<typeof resolveLayout>;
  let envFile: string;
  let config: Buffer;
  let readme: Buffer;
  const at = (name: string) => path.join(host.root, name);

  before(() => {
    const dir = fs.mkdtempSync("/tmp/cutter-verify-env-");
    envFile = path.join(dir, "secrets.env");
    fs.writeFileSync(envFile, `DOT_CUTTER_DB_HOST=db.internal\nDOT_CUTTER_EXEC_DB_PASSWORD="${SECRET}"\n`, { mode: 0o600 });
    host = new TempHost({ CUTTER_ENV_FILE: envFile });
    layout = resolveLayout(host.root);
    expectSuccess(host.cdktf("deploy"), "deploy");
    config = fs.readFileSync(layout.configPath);
    readme = fs.readFileSync(layout.readmePath);
  });
  after(() => {
    host.dispose();
    fs.rmSync(path.dirname(envFile), { recursive: true, force: true });
  });

  test("the tree as deployed: PASS, exit 0, the gate's line, no colour when piped", () => {
    const v = verify(host);
    assert.equal(v.code, 0, v.output);
    assert.match(v.stdout, /^Verified: 7 directories, all root:root 0750, 0 non-directory files\.$/m);
    for (const d of layout.directories) assert.match(v.stdout, new RegExp(`^  ${d.path}/ +root:root 0750  entries +0  files +0  ok$`, "m"));
    assert.match(v.stdout, /config .*root:root 0640  sha256 matches the stack  schema valid  secret values none  ok/);
    assert.match(v.stdout, /readme .*root:root 0640  sha256 matches the stack  ok/);
    assert.match(v.stdout, /\nPASS\n$/);
    assert.doesNotMatch(v.stdout, /\x1b\[/);
  });

  test("--json parses and matches the tree", () => {
    const v = verify(host, ["--json"]);
    assert.equal(v.code, 0, v.output);
    const report = JSON.parse(v.stdout);
    const tree = expectedTree(readRuntimeInputs({ CUTTER_RUNTIME_ROOT: host.root, CUTTER_STATE_PATH: host.statePath, CUTTER_ENV_FILE: envFile }));
    assert.equal(report.verdict, "PASS");
    assert.equal(report.root, host.root);
    assert.deepEqual(report.directories.map((d: any) => d.path), layout.directories.map((d) => d.path));
    assert.equal(report.directoryCount, 7);
    assert.equal(report.directoriesOk, 7);
    assert.equal(report.nonDirectoryFiles, 0);
    assert.deepEqual(report.problems, []);
    const [c, r] = report.files;
    assert.deepEqual([c.role, c.sha256, c.expectedSha256, c.schemaValid, c.secretFindings, c.mode], ["config", tree.config.sha256, tree.config.sha256, true, [], "0640"]);
    assert.deepEqual([r.role, r.sha256, r.mode, r.owner, r.group], ["readme", tree.readme.sha256, "0640", "root", "root"]);
  });

  test("PASS/FAIL is coloured on a terminal", () => {
    const script = `node ${path.join(REPO, "dist", "tools", "verify.js")}`;
    const r = run("script", ["-qec", script, "/dev/null"], { env: host.env({ NO_COLOR: "", TERM: "xterm" }) });
    assert.equal(r.code, 0, r.output);
    assert.ok(r.stdout.includes("\x1b[32mPASS\x1b[0m"), JSON.stringify(r.stdout.slice(-200)));
  });

  const restoreConfig = () => {
    fs.rmSync(layout.configPath, { force: true });
    fs.writeFileSync(layout.configPath, config, { mode: 0o640 });
  };
  const cases: Array<[string, () => void, () => void, () => string]> = [
    ["wrong directory mode", () => fs.chmodSync(at("runs"), 0o755), () => fs.chmodSync(at("runs"), 0o750), () => `${at("runs")}: mode 0755, expected 0750`],
    ["wrong root mode", () => fs.chmodSync(host.root, 0o700), () => fs.chmodSync(host.root, 0o750), () => `${host.root}: mode 0700, expected 0750`],
    ["wrong owner", () => fs.chownSync(at("artifacts"), 65534, 0), () => fs.chownSync(at("artifacts"), 0, 0), () => `${at("artifacts")}: owner nobody:root, expected root:root`],
    ["wrong group", () => fs.chownSync(at("approvals"), 0, 65534), () => fs.chownSync(at("approvals"), 0, 0), () => `${at("approvals")}: owner root:nogroup, expected root:root`],
    ["missing directory", () => fs.rmdirSync(at("backups")), () => { fs.mkdirSync(at("backups")); fs.chmodSync(at("backups"), 0o750); }, () => `${at("backups")}: missing`],
    ["a file where a directory belongs", () => { fs.rmdirSync(at("rollback")); fs.writeFileSync(at("rollback"), "x"); }, () => { fs.rmSync(at("rollback")); fs.mkdirSync(at("rollback")); fs.chmodSync(at("rollback"), 0o750); }, () => `${at("rollback")}: is a regular file, expected a directory`],
    ["a symbolic link where a directory belongs", () => { fs.rmdirSync(at("reports")); fs.symlinkSync(host.dir, at("reports")); }, () => { fs.rmSync(at("reports")); fs.mkdirSync(at("reports")); fs.chmodSync(at("reports"), 0o750); }, () => `${at("reports")}: is a symbolic link, expected a directory`],
    ["a non-directory file in a managed directory", () => fs.writeFileSync(at("locks/cutter.lock"), "1\n"), () => fs.rmSync(at("locks/cutter.lock")), () => `${at("locks")}: holds 1 non-directory file(s)`],
    ["config content changed", () => fs.writeFileSync(layout.configPath, config.toString().replace('"schema_version": 1', '"schema_version":  1')), restoreConfig, () => `${layout.configPath}: content sha256`],
    ["config mode changed", () => fs.chmodSync(layout.configPath, 0o600), () => fs.chmodSync(layout.configPath, 0o640), () => `${layout.configPath}: mode 0600, expected 0640`],
    ["config missing", () => fs.rmSync(layout.configPath), restoreConfig, () => `${layout.configPath}: missing`],
    ["config not schema-valid", () => fs.writeFileSync(layout.configPath, '{"schema_version": 2}\n'), restoreConfig, () => `${layout.configPath}: not schema-valid`],
    ["config holding a secret value from the env file", () => fs.writeFileSync(layout.configPath, config.toString().replace("resolved at runtime", `resolved at runtime ${SECRET}`)), restoreConfig, () => `${layout.configPath}: secret check: the value of DOT_CUTTER_EXEC_DB_PASSWORD from ${envFile} appears in the config`],
    ["config with a password key holding a value", () => { const d = JSON.parse(config.toString()); d.database.roles.exec.password = "hunter22"; fs.writeFileSync(layout.configPath, JSON.stringify(d)); }, restoreConfig, () => `${layout.configPath}: secret check: database.roles.exec.password: names a secret but is not an environment-variable NAME`],
    ["README content changed", () => fs.writeFileSync(layout.readmePath, "# mine\n"), () => fs.writeFileSync(layout.readmePath, readme), () => `${layout.readmePath}: content sha256`],
    ["README mode changed", () => fs.chmodSync(layout.readmePath, 0o644), () => fs.chmodSync(layout.readmePath, 0o640), () => `${layout.readmePath}: mode 0644, expected 0640`],
  ];
  for (const [what, cause, undo, message] of cases) {
    test(`fails for ${what}, naming the path (text and --json)`, () => {
      cause();
      try {
        const v = verify(host);
        assert.equal(v.code, 1, v.output);
        assert.match(v.stdout, /\nFAIL\n$/);
        assert.ok(v.stdout.includes(message()), `expected "${message()}" in:\n${v.stdout}`);
        assert.ok(!v.output.includes(SECRET), "a secret value is never printed");
        const report = JSON.parse(verify(host, ["--json"]).stdout);
        assert.equal(report.verdict, "FAIL");
        assert.ok(report.problems.some((p: string) => p.startsWith(message())), JSON.stringify(report.problems));
      } finally {
        undo();
      }
      assert.equal(verify(host).code, 0, `${what}: the undo restored a passing tree`);
    });
  }

  test("--allow-data passes a tree whose runs wrote data, and the count is reported", () => {
    fs.mkdirSync(at("runs/run-7"));
    fs.writeFileSync(at("runs/run-7/state.json"), "{}\n");
    try {
      assert.equal(verify(host).code, 1);
      const v = verify(host, ["--allow-data"]);
      assert.equal(v.code, 0, v.output);
      assert.match(v.stdout, /Verified: 7 directories, all root:root 0750, 1 non-directory files\./);
    } finally {
      fs.rmSync(at("runs/run-7"), { recursive: true });
    }
  });

  test("--markdown writes the gate report's sections where the operator points", () => {
    const file = path.join(host.dir, "gate-report.md");
    const v = verify(host, ["--markdown", file]);
    assert.equal(v.code, 0, v.output);
    const md = fs.readFileSync(file, "utf8");
    for (const heading of ["## 1. Survey", "## 2. Changes applied", "## 3. Non-sensitive config", "## 4. Exact changes and rollback", "## 5. Verdict"]) {
      assert.ok(md.includes(`\n${heading}\n`), heading);
    }
    const names = layout.directories.map((d) => path.basename(d.path)).join(",");
    for (const line of [
      `created_dirs: ${host.root} + {${names}}`,
      `created_files: ${layout.configPath} (non-sensitive)`,
      `               ${layout.readmePath}`,
      "secrets_written: NONE",
      "db_touched: NONE",
      "service_touched: NONE",
      `rollback: CUTTER_RUNTIME_ROOT=${host.root} CUTTER_ENV_FILE=${envFile} CUTTER_STATE_PATH=${host.statePath} npm run destroy`,
      "Verified: 7 directories, all root:root 0750, 0 non-directory files.",
      "verdict: PASS",
    ]) {
      assert.ok(md.split("\n").includes(line), `report line: ${line}\n${md}`);
    }
    assert.ok(md.includes("`DOT_CUTTER_EXEC_DB_PASSWORD`"), "env-var names are listed");
    assert.ok(!md.includes(SECRET));
  });

  test("--markdown refuses a path inside the managed tree (also through a symbolic link) and writes nothing", () => {
    const inside = at("reports/gate.md");
    const v = verify(host, ["--markdown", inside]);
    assert.equal(v.code, 2);
    assert.match(v.stderr, new RegExp(`--markdown: "${inside}" is inside the managed tree ${host.root}; verify never writes into the tree`));
    assert.equal(fs.existsSync(inside), false);
    const link = path.join(host.dir, "into-tree");
    fs.symlinkSync(at("reports"), link);
    const viaLink = verify(host, ["--markdown", path.join(link, "gate.md")]);
    assert.equal(viaLink.code, 2, viaLink.output);
    assert.match(viaLink.stderr, /is inside the managed tree/);
    assert.deepEqual(fs.readdirSync(at("reports")), []);
    fs.rmSync(link);
  });

  test("a host name with no host files is refused: exit 2, naming what to do", () => {
    const r = verify(host, ["production"]);
    assert.equal(r.code, 2);
    assert.match(r.output, /production/);
  });

  test("bad arguments and inputs: exit 2 with the input, value and fix named, nothing written", () => {
    const nowhere = verify(host, ["--markdown", path.join(host.dir, "no-such-dir", "r.md")]);
    assert.equal(nowhere.code, 2);
    assert.match(nowhere.stderr, /directory .*no-such-dir does not exist; create it or choose another path/);
    const missingValue = verify(host, ["--markdown"]);
    assert.equal(missingValue.code, 2);
    assert.match(missingValue.stderr, /--markdown needs a file path/);
    const unknown = verify(host, ["--jsn"]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown argument "--jsn"; use \[host\] --json, --markdown FILE, --allow-data/);
    const relative = verify(host, [], { CUTTER_RUNTIME_ROOT: "var/lib/cutter" });
    assert.equal(relative.code, 2);
    assert.match(relative.stderr, /CUTTER_RUNTIME_ROOT: "var\/lib\/cutter" must be an absolute path/);
    const owner = verify(host, [], { CUTTER_OWNER: "root;id" });
    assert.equal(owner.code, 2);
    assert.match(owner.stderr, /CUTTER_OWNER: "root;id" must be a POSIX user\/group name/);
  });
});
