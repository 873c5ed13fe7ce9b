/**
 * `npm run verify` against a tree the real engine deployed: PASS on the tree as
 * deployed; FAIL, exit 1 and the offending path named for each kind of drift and
 * for each former false PASS (a stray entry in the root, an empty nested directory);
 * the env-wiring check on env files with all names, some missing, an empty one,
 * wrong mode or owner, a link, none, and the backup key flagged against it (a WARN,
 * a FAIL with --require-env), never showing a value; --json and --markdown; bad
 * arguments and report paths refused before anything is written.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { CUTTER_LAYOUT, DB_ENV_NAMES, resolveLayout, readRuntimeInputs } from "../constructs";
import { expectedTree } from "../cli/expected-tree";
import { REPO, TempHost, expectSuccess, run } from "./support/harness";
import { cutter } from "./support/operator";
import { verify } from "./support/tools";

const SECRET = "s3cret-Value-42";
/** Every name the config points to, each with a value planted to prove no value is ever shown. */
const ENV_NAMES: readonly string[] = Object.values(DB_ENV_NAMES);
/** The layout's directory count (never restated: read from the layout). */
const N = CUTTER_LAYOUT.subdirectories.length;
const E = ENV_NAMES.length;
const valueOf = (name: string) => (name === "DOT_CUTTER_EXEC_DB_PASSWORD" ? SECRET : `planted-${name.toLowerCase()}-value`);
const envText = (names: readonly string[], extra = "") =>
  `# the orchestrator's secrets\n${names.map((n, i) => (i % 2 === 0 ? `${n}=${valueOf(n)}` : `export ${n}="${valueOf(n)}"`)).join("\n")}\n${extra}`;

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
    fs.writeFileSync(envFile, envText(ENV_NAMES), { mode: 0o600 });
    host = new TempHost({ CUTTER_ENV_FILE: envFile });
    layout = resolveLayout(host.root);
    expectSuccess(cutter(host, ["deploy"]), "deploy");
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
    assert.match(v.stdout, new RegExp(`^Verified: ${layout.directories.length} directories, all root:root 0750, 0 non-directory files\\.$`, "m"));
    for (const d of layout.directories) assert.match(v.stdout, new RegExp(`^  ${d.path}/ +root:root 0750  entries +0  below +0  files +0  ok$`, "m"));
    assert.match(v.stdout, /config .*root:root 0640 {2}sha256 matches the stack {2}schema valid {2}secret values none {2}ok/);
    assert.match(v.stdout, /readme .*root:root 0640 {2}sha256 matches the stack {2}ok/);
    assert.match(v.stdout, new RegExp(`env +${envFile}  root:root 0600  names 8 of 8 defined  BACKUP_GPG_FPR not defined \\(flagged not-provisioned\\)  ok`));
    assert.doesNotMatch(v.stdout, /WARN/);
    assert.match(v.stdout, /\nPASS\n$/);
    // eslint-disable-next-line no-control-regex -- ESC is the point: no colour escape in the output
    assert.doesNotMatch(v.stdout, /\x1b\[/);
  });

  test("--json parses and matches the tree", () => {
    const v = verify(host, ["--json"]);
    assert.equal(v.code, 0, v.output);
    const report = JSON.parse(v.stdout);
    const tree = expectedTree(readRuntimeInputs({ CUTTER_RUNTIME_ROOT: host.root, CUTTER_STATE_PATH: host.statePath, CUTTER_ENV_FILE: envFile }));
    assert.equal(report.verdict, "PASS");
    assert.equal(report.root, host.root);
    assert.deepEqual(
      report.directories.map((d: any) => d.path),
      layout.directories.map((d) => d.path),
    );
    assert.equal(report.directoryCount, layout.directories.length);
    assert.equal(report.directoriesOk, layout.directories.length);
    assert.equal(report.nonDirectoryFiles, 0);
    assert.deepEqual(report.problems, []);
    const [c, r] = report.files;
    assert.deepEqual(
      [c.role, c.sha256, c.expectedSha256, c.schemaValid, c.secretFindings, c.mode],
      ["config", tree.config.sha256, tree.config.sha256, true, [], "0640"],
    );
    assert.deepEqual([r.role, r.sha256, r.mode, r.owner, r.group], ["readme", tree.readme.sha256, "0640", "root", "root"]);
  });

  test("PASS/FAIL is coloured on a terminal", () => {
    const script = `node ${path.join(REPO, "dist", "cli", "verify.js")}`;
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
    [
      "wrong owner",
      () => fs.chownSync(at("artifacts"), 65534, 0),
      () => fs.chownSync(at("artifacts"), 0, 0),
      () => `${at("artifacts")}: owner nobody:root, expected root:root`,
    ],
    [
      "wrong group",
      () => fs.chownSync(at("approvals"), 0, 65534),
      () => fs.chownSync(at("approvals"), 0, 0),
      () => `${at("approvals")}: owner root:nogroup, expected root:root`,
    ],
    [
      "missing directory",
      () => fs.rmdirSync(at("backups")),
      () => {
        fs.mkdirSync(at("backups"));
        fs.chmodSync(at("backups"), 0o750);
      },
      () => `${at("backups")}: missing`,
    ],
    [
      "a file where a directory belongs",
      () => {
        fs.rmdirSync(at("rollback"));
        fs.writeFileSync(at("rollback"), "x");
      },
      () => {
        fs.rmSync(at("rollback"));
        fs.mkdirSync(at("rollback"));
        fs.chmodSync(at("rollback"), 0o750);
      },
      () => `${at("rollback")}: is a regular file, expected a directory`,
    ],
    [
      "a symbolic link where a directory belongs",
      () => {
        fs.rmdirSync(at("reports"));
        fs.symlinkSync(host.dir, at("reports"));
      },
      () => {
        fs.rmSync(at("reports"));
        fs.mkdirSync(at("reports"));
        fs.chmodSync(at("reports"), 0o750);
      },
      () => `${at("reports")}: is a symbolic link, expected a directory`,
    ],
    [
      "a non-directory file in a managed directory",
      () => fs.writeFileSync(at("locks/cutter.lock"), "1\n"),
      () => fs.rmSync(at("locks/cutter.lock")),
      () => `${at("locks")}: holds 1 entry at any depth (1 non-directory file(s), 0 directories); the gate expects it empty`,
    ],
    // Former false PASSes: only the entry count showed them.
    [
      "a stray file in the root",
      () => fs.writeFileSync(at("notes.txt"), "x\n"),
      () => fs.rmSync(at("notes.txt")),
      () => `${host.root}: holds 1 entry the layout does not have: "notes.txt"; the gate expects only its ${N} directories, the config and the README`,
    ],
    [
      "an extra directory in the root",
      () => fs.mkdirSync(at("cache"), { mode: 0o750 }),
      () => fs.rmdirSync(at("cache")),
      () => `${host.root}: holds 1 entry the layout does not have: "cache"`,
    ],
    [
      "a symbolic link in the root",
      () => fs.symlinkSync("/etc", at("etc")),
      () => fs.rmSync(at("etc")),
      () => `${host.root}: holds 1 entry the layout does not have: "etc"`,
    ],
    [
      "an empty nested directory (runs/run-1) without --allow-data",
      () => fs.mkdirSync(at("runs/run-1")),
      () => fs.rmdirSync(at("runs/run-1")),
      () =>
        `${at("runs")}: holds 1 entry at any depth (0 non-directory file(s), 1 directory); the gate expects it empty (pass --allow-data once runs have written data)`,
    ],
    [
      "the execution switch set in the config",
      () => {
        const d = JSON.parse(config.toString());
        d.execution.enabled = true;
        fs.writeFileSync(layout.configPath, JSON.stringify(d));
      },
      restoreConfig,
      () => `${layout.configPath}: secret check: CR-NO-EXECUTION-SWITCH: $.execution.enabled: a key that sets the execution switch`,
    ],
    [
      "config content changed",
      () => fs.writeFileSync(layout.configPath, config.toString().replace('"schema_version": ', '"schema_version":  ')),
      restoreConfig,
      () => `${layout.configPath}: content sha256`,
    ],
    [
      "config mode changed",
      () => fs.chmodSync(layout.configPath, 0o600),
      () => fs.chmodSync(layout.configPath, 0o640),
      () => `${layout.configPath}: mode 0600, expected 0640`,
    ],
    ["config missing", () => fs.rmSync(layout.configPath), restoreConfig, () => `${layout.configPath}: missing`],
    [
      "config not schema-valid",
      () => fs.writeFileSync(layout.configPath, '{"schema_version": 2}\n'),
      restoreConfig,
      () => `${layout.configPath}: not schema-valid`,
    ],
    [
      "config holding a secret value from the env file",
      () => fs.writeFileSync(layout.configPath, config.toString().replace("resolved at runtime", `resolved at runtime ${SECRET}`)),
      restoreConfig,
      () => `${layout.configPath}: secret check: the value of DOT_CUTTER_EXEC_DB_PASSWORD from ${envFile} appears in the config`,
    ],
    [
      "config with a password key holding a value",
      () => {
        const d = JSON.parse(config.toString());
        d.database.roles.exec.password = "hunter22";
        fs.writeFileSync(layout.configPath, JSON.stringify(d));
      },
      restoreConfig,
      () => `${layout.configPath}: secret check: CR-SECRET-KEY-VALUE: $.database.roles.exec.password holds "hu…", not an environment-variable name`,
    ],
    [
      "README content changed",
      () => fs.writeFileSync(layout.readmePath, "# mine\n"),
      () => fs.writeFileSync(layout.readmePath, readme),
      () => `${layout.readmePath}: content sha256`,
    ],
    [
      "README mode changed",
      () => fs.chmodSync(layout.readmePath, 0o644),
      () => fs.chmodSync(layout.readmePath, 0o640),
      () => `${layout.readmePath}: mode 0644, expected 0640`,
    ],
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
        assert.ok(
          report.problems.some((p: string) => p.startsWith(message())),
          JSON.stringify(report.problems),
        );
      } finally {
        undo();
      }
      assert.equal(verify(host).code, 0, `${what}: the undo restored a passing tree`);
    });
  }

  test("--allow-data passes a tree whose runs wrote data, and the count is reported; a stray root entry still fails", () => {
    fs.mkdirSync(at("runs/run-7/kb"), { recursive: true });
    fs.writeFileSync(at("runs/run-7/state.json"), "{}\n");
    try {
      const strict = verify(host);
      assert.equal(strict.code, 1);
      assert.match(strict.stdout, new RegExp(`^Found: ${N} of ${N} directories root:root 0750, 1 non-directory files, 2 nested directories\\.$`, "m"));
      const v = verify(host, ["--allow-data"]);
      assert.equal(v.code, 0, v.output);
      assert.match(v.stdout, new RegExp(`Verified: ${N} directories, all root:root 0750, 1 non-directory files, 2 nested directories\\.`));
      fs.writeFileSync(at("stray"), "");
      assert.equal(verify(host, ["--allow-data"]).code, 1, "data is allowed below the directories, never beside them in the root");
    } finally {
      fs.rmSync(at("runs/run-7"), { recursive: true });
      fs.rmSync(at("stray"), { force: true });
    }
  });

  /** Writes the env file, runs verify (text, --json, --markdown, --require-env), restores it. */
  const envCases: Array<[string, () => void, RegExp]> = [
    [
      "some names missing",
      () => fs.writeFileSync(envFile, envText(ENV_NAMES.filter((n) => !n.startsWith("DOT_CUTTER_VERIFY")))),
      new RegExp(`2 of ${E} variable\\(s\\) the config names are not defined: DOT_CUTTER_VERIFY_DB_USER, DOT_CUTTER_VERIFY_DB_PASSWORD`),
    ],
    [
      "a name defined empty",
      () =>
        fs.writeFileSync(
          envFile,
          envText(
            ENV_NAMES.filter((n) => n !== "DOT_CUTTER_DB_NAME"),
            "DOT_CUTTER_DB_NAME=\n",
          ),
        ),
      new RegExp(`1 of ${E} variable\\(s\\) the config names are not defined: DOT_CUTTER_DB_NAME \\(empty: DOT_CUTTER_DB_NAME\\)`),
    ],
    ["a wrong mode (0644: readable by others)", () => fs.chmodSync(envFile, 0o644), /mode 0644: readable or writable by others/],
    ["a wrong owner", () => fs.chownSync(envFile, 65534, 0), /owner nobody:root, expected root/],
    ["no env file", () => fs.renameSync(envFile, `${envFile}.aside`), /missing; the orchestrator resolves every credential from it/],
    [
      "a symbolic link instead of the file",
      () => (fs.renameSync(envFile, `${envFile}.aside`), fs.symlinkSync(`${envFile}.aside`, envFile)),
      /names not read: it is a symbolic link, not a regular file/,
    ],
    [
      "the backup key defined while flagged NOT PROVISIONED",
      () => fs.writeFileSync(envFile, envText(ENV_NAMES, "BACKUP_GPG_FPR=0123456789ABCDEF0123456789ABCDEF01234567\n")),
      /backup key: the config flags BACKUP_GPG_FPR NOT PROVISIONED, but .* defines it; deploy with CUTTER_BACKUP_KEY_STATUS=provisioned/,
    ],
  ];
  for (const [what, cause, problem] of envCases) {
    test(`env wiring: ${what} is a WARN, a FAIL with --require-env, and no value is ever shown`, () => {
      const original = fs.readFileSync(envFile);
      cause();
      try {
        const file = path.join(host.dir, "env-report.md");
        const v = verify(host, ["--markdown", file]);
        assert.equal(v.code, 0, `a WARN does not fail the gate:\n${v.output}`);
        assert.match(v.stdout, /^Warnings \(not failing\):$/m);
        assert.match(v.stdout, new RegExp(`WARN env file ${envFile}: |WARN backup key: `));
        assert.match(v.stdout, problem);
        const md = fs.readFileSync(file, "utf8");
        assert.match(md, /^- env_wiring: WARN — \d problem\(s\) \(a FAIL with --require-env\)$/m);
        assert.match(md, /^g2: PASS$/m);
        const required = verify(host, ["--json", "--require-env"]);
        assert.equal(required.code, 1, required.output);
        const json = JSON.parse(required.stdout);
        assert.equal(json.verdict, "FAIL");
        assert.ok(
          json.problems.some((p: string) => problem.test(p)),
          JSON.stringify(json.problems),
        );
        assert.equal(json.gate.envWiring.status, "FAIL");
        assert.match(json.gate.result, /^G2 FAIL — GAP5 OPEN \(env wiring; /);
        for (const text of [v.output, required.output, md]) {
          for (const name of ENV_NAMES) assert.ok(!text.includes(valueOf(name)), `the value of ${name} is never shown (${what})`);
          assert.ok(!text.includes("0123456789ABCDEF0123456789ABCDEF01234567"), "the backup key's value is never shown");
        }
      } finally {
        if (fs.existsSync(`${envFile}.aside`)) {
          fs.rmSync(envFile, { force: true });
          fs.renameSync(`${envFile}.aside`, envFile);
        }
        fs.writeFileSync(envFile, original);
        fs.chmodSync(envFile, 0o600);
        fs.chownSync(envFile, 0, 0);
      }
      const again = verify(host, ["--require-env"]);
      assert.equal(again.code, 0, `${what}: the restored env file passes even with --require-env\n${again.output}`);
    });
  }

  test("env wiring with every name: the section lists all of them defined, none missing, the backup key consistent", () => {
    const file = path.join(host.dir, "env-ok.md");
    const v = verify(host, ["--require-env", "--markdown", file]);
    assert.equal(v.code, 0, v.output);
    const md = fs.readFileSync(file, "utf8");
    const section = md.slice(md.indexOf("## 3a. Env wiring"), md.indexOf("## 4."));
    assert.ok(section.includes(`## 3a. Env wiring — ${envFile} (names only)`), section);
    assert.ok(section.includes("- file: regular file root:root 0600"), section);
    assert.ok(section.includes(`- defined (${E} of ${E}): ${ENV_NAMES.join(", ")}`), section);
    assert.ok(section.includes("- missing: none"), section);
    assert.ok(section.includes("- BACKUP_GPG_FPR: not defined; the config flags it NOT PROVISIONED — consistent"), section);
    assert.ok(section.includes("- env_wiring: OK — every name defined; backup key flag agrees"), section);
    for (const name of ENV_NAMES) assert.ok(!md.includes(valueOf(name)), name);
  });

  test("--markdown writes the gate report's sections where the operator points", () => {
    const file = path.join(host.dir, "gate-report.md");
    const v = verify(host, ["--markdown", file]);
    assert.equal(v.code, 0, v.output);
    const md = fs.readFileSync(file, "utf8");
    for (const heading of [
      "## 1. Survey",
      `## 2. Changes applied — ${host.root} runtime tree`,
      "## 3. Non-sensitive config authored",
      `## 3a. Env wiring — ${envFile} (names only)`,
      "## 4. Exact changes & rollback",
      "## 5. Verdict",
    ]) {
      assert.ok(md.includes(`\n${heading}\n`), heading);
    }
    const names = layout.directories.map((d) => path.basename(d.path)).join(",");
    for (const line of [
      "- result: G2 PASS — GAP5 CLOSED (filesystem-only, non-sensitive, reversible)",
      `created_dirs: ${host.root} + {${names}}`,
      `created_files: ${layout.configPath} (non-sensitive)`,
      `               ${layout.readmePath}`,
      "secrets_written: NONE",
      `rollback: cd ${REPO} && ${fs.existsSync(path.join(REPO, "hosts")) ? "CUTTER_HOSTS_DIR=none " : ""}CUTTER_RUNTIME_ROOT=${host.root} CUTTER_ENV_FILE=${envFile} CUTTER_STATE_PATH=${host.statePath} npm run destroy -- --auto-approve`,
      `Verified: ${N} directories, all root:root 0750, 0 non-directory files.`,
      `gap5_runtime_dirs: CLOSED — ${N} dirs created, root:root 0750, empty`,
      "g2: PASS",
    ]) {
      assert.ok(md.split("\n").includes(line), `report line: ${line}\n${md}`);
    }
    assert.match(md, /^db_touched: NONE \(the state holds local_file, terraform_data, data\.local_command; .*; the state itself is a local file\)$/m);
    assert.ok(
      md.includes("DOT_CUTTER_DB_HOST/PORT/NAME/SSLMODE, DOT_CUTTER_EXEC_DB_USER/PASSWORD, DOT_CUTTER_VERIFY_DB_USER/PASSWORD"),
      "env-var names are listed",
    );
    assert.ok(!md.includes(SECRET));
  });

  test("--markdown on a failing tree: the result and every verdict line in their failing forms", () => {
    fs.writeFileSync(at("notes.txt"), "x\n");
    fs.chmodSync(layout.configPath, 0o600);
    try {
      const file = path.join(host.dir, "failing.md");
      const v = verify(host, ["--markdown", file]);
      assert.equal(v.code, 1, v.output);
      const md = fs.readFileSync(file, "utf8");
      for (const line of [
        "- result: G2 FAIL — GAP5 OPEN (runtime dirs, config; 2 problem(s), listed under Problems)",
        `Found: ${N} of ${N} directories root:root 0750, 0 non-directory files, 1 entry in the root the layout does not have.`,
        'gap5_runtime_dirs: OPEN — root: holds 1 entry the layout does not have: "notes.txt"',
        "gap5_config: OPEN — orchestrator.config.json: mode 0600, expected 0640",
        "mutation_class: filesystem-only, reversible (npm run destroy)",
        "secrets: none written",
        "g2: FAIL",
        `- ${host.root}: holds 1 entry the layout does not have: "notes.txt"; the gate expects only its ${N} directories, the config and the README (move them out; destroy refuses while they are there)`,
        `- ${layout.configPath}: mode 0600, expected 0640`,
      ]) {
        assert.ok(md.split("\n").includes(line), `report line: ${line}\n${md}`);
      }
    } finally {
      fs.rmSync(at("notes.txt"));
      fs.chmodSync(layout.configPath, 0o640);
    }
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
    assert.match(unknown.stderr, /unknown argument "--jsn"; use \[host\] --json, --markdown FILE, --allow-data, --require-env/);
    const relative = verify(host, [], { CUTTER_RUNTIME_ROOT: "var/lib/cutter" });
    assert.equal(relative.code, 2);
    assert.match(relative.stderr, /CUTTER_RUNTIME_ROOT: "var\/lib\/cutter" must be an absolute path/);
    const owner = verify(host, [], { CUTTER_OWNER: "root;id" });
    assert.equal(owner.code, 2);
    assert.match(owner.stderr, /CUTTER_OWNER: "root;id" must be a POSIX user\/group name/);
  });
});
