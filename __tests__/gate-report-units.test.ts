/**
 * Unit tests of the gate report's parts (no engine): the env file read by name
 * (never a value), the backup key's flag against it, the new inputs and their
 * rules, the rollback command per kind of stack, the audit log's writes (0600,
 * one line per write even with concurrent writers, never through a link, no
 * secret), and the survey script run directly.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, test } from "node:test";
import { StackSpec, readHostFiles, readRuntimeInputs, scriptText } from "../constructs";
import { appendAuditEntry, checkAuditLogPath, countsIn, guarded, reasonsIn } from "../cli/audit-log";
import { envWiring, inspectEnvFile, scanAssignments } from "../cli/env-wiring";
import { AuditEntry, readAuditLog, readSurvey, touchedBeyondTree } from "../cli/gate-evidence";
import { abbreviateNames, rollbackCommand } from "../cli/gate-report";
import { REPO } from "./support/harness";

function withTempDir<T>(fn: (dir: string) => T): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cutter-gate-unit-"));
  try {
    return fn(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const SECRET = "Zq9-never-shown-42";

describe("env file, by name only", () => {
  test("reads names of dotenv assignments: export, quotes, multi-line values, comments, empty, last one wins", () => {
    const text = [
      "# comment DOT_CUTTER_DB_PORT=1",
      "DOT_CUTTER_DB_HOST=db.internal",
      "export DOT_CUTTER_DB_PORT = 5432  # inline comment",
      `DOT_CUTTER_EXEC_DB_PASSWORD="${SECRET}"`,
      "DOT_CUTTER_EXEC_DB_USER='exec'",
      'MULTI="line one',
      "NOT_A_NAME=inside the quoted value",
      'line three"',
      "DOT_CUTTER_DB_NAME=",
      "DOT_CUTTER_DB_SSLMODE=",
      "DOT_CUTTER_DB_SSLMODE=require",
      "DOT_CUTTER_VERIFY_DB_USER=verify",
      "DOT_CUTTER_VERIFY_DB_USER=",
      "  indented_name=x",
      "1BAD=x",
      "no equals sign",
      "",
    ].join("\n");
    const names: Array<[string, number]> = [];
    const buffer = Buffer.from(text);
    scanAssignments(buffer, (name, start, end) => names.push([name, end - start]));
    assert.deepEqual(
      names.map(([n]) => n),
      [
        "DOT_CUTTER_DB_HOST",
        "DOT_CUTTER_DB_PORT",
        "DOT_CUTTER_EXEC_DB_PASSWORD",
        "DOT_CUTTER_EXEC_DB_USER",
        "MULTI",
        "DOT_CUTTER_DB_NAME",
        "DOT_CUTTER_DB_SSLMODE",
        "DOT_CUTTER_DB_SSLMODE",
        "DOT_CUTTER_VERIFY_DB_USER",
        "DOT_CUTTER_VERIFY_DB_USER",
        "indented_name",
      ],
    );
    assert.deepEqual(
      names.find(([n]) => n === "DOT_CUTTER_DB_PORT"),
      ["DOT_CUTTER_DB_PORT", 4],
      "the value ends before the comment",
    );
    withTempDir((dir) => {
      const file = path.join(dir, ".env");
      fs.writeFileSync(file, text, { mode: 0o600 });
      const facts = inspectEnvFile(file, Buffer.from(`{"note": "x ${SECRET} y"}`));
      assert.deepEqual(facts.defined, [
        "DOT_CUTTER_DB_HOST",
        "DOT_CUTTER_DB_PORT",
        "DOT_CUTTER_EXEC_DB_PASSWORD",
        "DOT_CUTTER_EXEC_DB_USER",
        "MULTI",
        "DOT_CUTTER_DB_SSLMODE",
        "indented_name",
      ]);
      assert.deepEqual(facts.empty, ["DOT_CUTTER_DB_NAME", "DOT_CUTTER_VERIFY_DB_USER"]);
      assert.deepEqual(facts.valuesInConfig, ["DOT_CUTTER_EXEC_DB_PASSWORD"], "a value copied into the config is named (never shown)");
      assert.deepEqual([facts.type, facts.owner, facts.mode], ["regular file", "root", "0600"]);
      assert.ok(!JSON.stringify(facts).includes(SECRET), "no value in what is returned");
      assert.ok(!JSON.stringify(facts).includes("db.internal"));
    });
  });

  test("never blocks on a FIFO and never follows a link; reports what it is", () => {
    withTempDir((dir) => {
      const fifo = path.join(dir, "fifo.env");
      assert.equal(spawnSync("mkfifo", [fifo]).status, 0);
      const facts = inspectEnvFile(fifo);
      assert.equal(facts.type, "fifo");
      assert.match(facts.unreadable ?? "", /not a regular file/);
      const link = path.join(dir, "link.env");
      fs.writeFileSync(path.join(dir, "real.env"), `DOT_CUTTER_DB_HOST=${SECRET}\n`);
      fs.symlinkSync(path.join(dir, "real.env"), link);
      assert.deepEqual([inspectEnvFile(link).type, inspectEnvFile(link).defined], ["symbolic link", []]);
      assert.equal(inspectEnvFile(path.join(dir, "none.env")).type, "missing");
    });
  });

  test("the backup key's flag against the env file: both mismatches named, agreement quiet", () => {
    const facts = (defined: string[]) => ({
      path: "/e/.env",
      type: "regular file",
      owner: "root",
      group: "root",
      mode: "0600",
      defined,
      empty: [],
      valuesInConfig: [],
    });
    const names = ["A_HOST", "A_PORT"];
    const flaggedNotDefined = envWiring(facts(names), names, "BACKUP_GPG_FPR", "provisioned");
    assert.equal(flaggedNotDefined.backupKey.consistent, false);
    assert.match(flaggedNotDefined.problems.join("\n"), /the config flags BACKUP_GPG_FPR PROVISIONED, but \/e\/\.env does not define it/);
    const definedNotFlagged = envWiring(facts([...names, "BACKUP_GPG_FPR"]), names, "BACKUP_GPG_FPR", "not-provisioned");
    assert.match(definedNotFlagged.problems.join("\n"), /the config flags BACKUP_GPG_FPR NOT PROVISIONED, but \/e\/\.env defines it/);
    assert.deepEqual(envWiring(facts([...names, "BACKUP_GPG_FPR"]), names, "BACKUP_GPG_FPR", "provisioned").problems, []);
    assert.deepEqual(envWiring(facts(names), names, "BACKUP_GPG_FPR", "not-provisioned").problems, []);
    const missing = envWiring({ path: "/e/.env", type: "missing", defined: [], empty: [], valuesInConfig: [] }, names, "BACKUP_GPG_FPR", "provisioned");
    assert.deepEqual(missing.problems, ["env file /e/.env: missing; the orchestrator resolves every credential from it"], "an unread file claims no mismatch");
    assert.deepEqual(missing.missing, names);
  });
});

describe("gate inputs: backup key status, report reference, audit log", () => {
  test("defaults, and each given in a host file", () => {
    const inputs = readRuntimeInputs({ CUTTER_RUNTIME_ROOT: "/srv/cutter", CUTTER_STATE_PATH: "/srv/state/c.tfstate" });
    assert.deepEqual([inputs.backupKeyStatus, inputs.reportReference, inputs.auditLogPath], ["not-provisioned", "", "/srv/state/c.tfstate.audit.jsonl"]);
    assert.equal(readRuntimeInputs({ CUTTER_STATE_BACKEND: "pg", CUTTER_OWNERSHIP_DIR: "/srv/own" }).auditLogPath, "/srv/own.audit.jsonl");
    withTempDir((dir) => {
      fs.writeFileSync(
        path.join(dir, "alpha.json"),
        JSON.stringify({
          runtimeRoot: "/srv/cutter-a",
          backupKeyStatus: "provisioned",
          reportReference: "KB-7675",
          state: { auditLog: "/srv/audit/alpha.jsonl" },
        }),
      );
      const [spec] = readHostFiles(dir, dir);
      assert.deepEqual(
        [spec.inputs.backupKeyStatus, spec.inputs.reportReference, spec.inputs.auditLogPath],
        ["provisioned", "KB-7675", "/srv/audit/alpha.jsonl"],
      );
    });
  });

  const bad: Array<[Record<string, string>, RegExp]> = [
    [{ CUTTER_BACKUP_KEY_STATUS: "yes" }, /CUTTER_BACKUP_KEY_STATUS: "yes" must be one of not-provisioned, provisioned/],
    [{ CUTTER_REPORT_REFERENCE: "KB-1\nresult: G2 PASS" }, /CUTTER_REPORT_REFERENCE: "KB-1\\nresult: G2 PASS" must be one line of printable text/],
    [{ CUTTER_REPORT_REFERENCE: "x".repeat(201) }, /CUTTER_REPORT_REFERENCE: .* is 201 characters long; the limit is 200/],
    [
      { CUTTER_REPORT_REFERENCE: `db postgres://exec:${SECRET}@db/cutter` },
      /CUTTER_REPORT_REFERENCE: "\(value withheld\)" looks like it holds a secret or the execution switch \(CR-CONNECTION-STRING\)/,
    ],
    [{ CUTTER_REPORT_REFERENCE: "execution_enabled=true" }, /CUTTER_REPORT_REFERENCE: "\(value withheld\)" looks like .*CR-NO-EXECUTION-SWITCH/],
    [{ CUTTER_AUDIT_LOG: "audit.jsonl" }, /CUTTER_AUDIT_LOG: "audit.jsonl" must be an absolute path/],
    [{ CUTTER_AUDIT_LOG: "/srv/cutter/runs/audit.jsonl" }, /CUTTER_AUDIT_LOG: "\/srv\/cutter\/runs\/audit.jsonl" overlaps the managed tree \/srv\/cutter/],
    [{ CUTTER_AUDIT_LOG: "/srv/state/c.tfstate" }, /CUTTER_AUDIT_LOG: "\/srv\/state\/c.tfstate" is the state file/],
    [{ CUTTER_AUDIT_LOG: "/srv/state/c.tfstate.ownership/audit" }, /CUTTER_AUDIT_LOG: .* overlaps the ownership record directory/],
  ];
  bad.forEach(([env, message], i) =>
    test(`fails for bad input ${i + 1} (${Object.keys(env)[0]}), naming the input, the value (never a secret) and the rule`, () => {
      assert.throws(
        () => readRuntimeInputs({ CUTTER_RUNTIME_ROOT: "/srv/cutter", CUTTER_STATE_PATH: "/srv/state/c.tfstate", ...env }),
        (e: Error) => message.test(e.message) && !e.message.includes(SECRET) && /nothing was changed/.test(e.message),
      );
    }),
  );

  test("a bad field of a host file is named by file and field", () => {
    withTempDir((dir) => {
      fs.writeFileSync(
        path.join(dir, "alpha.json"),
        JSON.stringify({ runtimeRoot: "/srv/cutter-a", backupKeyStatus: "maybe", state: { auditLog: "rel/a.jsonl" } }),
      );
      assert.throws(
        () => readHostFiles(dir, dir),
        (e: Error) =>
          /alpha\.json: backupKeyStatus: "maybe" must be one of/.test(e.message) &&
          /alpha\.json: state\.auditLog: "rel\/a\.jsonl" must be an absolute path/.test(e.message),
      );
    });
  });
});

describe("rollback command: exactly this stack", () => {
  const spec = (env: Record<string, string>, hostName?: string): StackSpec => ({
    stackName: hostName ? `cutter-runtime-${hostName}` : "cutter-runtime",
    hostName,
    source: hostName ? `hosts/${hostName}.json` : "environment",
    inputs: readRuntimeInputs(env),
  });
  const prefix = `cd ${REPO} && ${fs.existsSync(path.join(REPO, "hosts")) ? "CUTTER_HOSTS_DIR=none " : ""}`;

  test("the env stack with defaults: no variable; with others: only those that differ from their defaults", () => {
    assert.deepEqual(rollbackCommand(spec({}), {}), { command: `${prefix}npm run destroy -- --auto-approve`, needs: undefined });
    const custom = rollbackCommand(
      spec({ CUTTER_RUNTIME_ROOT: "/srv/cutter", CUTTER_OWNER: "cutter", CUTTER_ADOPT_EXISTING: "1", CUTTER_REPORT_REFERENCE: "KB 1" }),
      {},
    );
    assert.equal(
      custom.command,
      `${prefix}CUTTER_RUNTIME_ROOT=/srv/cutter CUTTER_OWNER=cutter CUTTER_ADOPT_EXISTING=1 npm run destroy -- --auto-approve`,
      "the default state path follows the root; the report reference is no part of the stack",
    );
  });

  test("a pg stack names its schema and says what it needs (the connection string, never its value)", () => {
    const pg = rollbackCommand(spec({ CUTTER_STATE_BACKEND: "pg", CUTTER_STATE_PG_SCHEMA: "prod", CUTTER_STATE_PG_CONN_ENV: "PROD_PG" }), {
      PROD_PG: `postgres://u:${SECRET}@db/x`,
    });
    assert.equal(pg.command, `${prefix}CUTTER_STATE_BACKEND=pg CUTTER_STATE_PG_SCHEMA=prod CUTTER_STATE_PG_CONN_ENV=PROD_PG npm run destroy -- --auto-approve`);
    assert.equal(pg.needs, "PROD_PG set to the connection string of the PostgreSQL database holding schema prod (the state)");
    assert.ok(!JSON.stringify(pg).includes(SECRET));
  });

  test("a host-file stack: the host, and the hosts directory only when it is not the project's hosts/", () => {
    assert.equal(
      rollbackCommand(spec({}, "production"), { CUTTER_HOSTS_DIR: path.join(REPO, "hosts") }).command,
      `cd ${REPO} && npm run destroy -- production --auto-approve`,
    );
    assert.equal(
      rollbackCommand(spec({}, "production"), { CUTTER_HOSTS_DIR: "/etc/cutter/hosts" }).command,
      `cd ${REPO} && CUTTER_HOSTS_DIR=/etc/cutter/hosts npm run destroy -- production --auto-approve`,
    );
  });

  test("names are abbreviated as the gate report wrote them", () => {
    assert.equal(
      abbreviateNames(["DOT_CUTTER_DB_HOST", "DOT_CUTTER_DB_PORT", "DOT_CUTTER_DB_NAME", "DOT_CUTTER_DB_SSLMODE"]),
      "DOT_CUTTER_DB_HOST/PORT/NAME/SSLMODE",
    );
    assert.equal(abbreviateNames(["DOT_CUTTER_EXEC_DB_USER", "DOT_CUTTER_EXEC_DB_PASSWORD"]), "DOT_CUTTER_EXEC_DB_USER/PASSWORD");
    assert.equal(abbreviateNames(["A_X", "B_Y"]), "A_X/B_Y");
  });

  test("db/service touched: only types beyond the tree's own count, databases apart", () => {
    assert.deepEqual(touchedBeyondTree({ managed: { terraform_data: 9, local_file: 2 }, data: ["local_command"] }), { database: [], service: [] });
    assert.deepEqual(touchedBeyondTree({ managed: { terraform_data: 1, postgresql_role: 1, docker_container: 1 }, data: ["postgresql_schemas"] }), {
      database: ["data.postgresql_schemas", "postgresql_role"],
      service: ["docker_container"],
    });
  });
});

const entry = (over: Partial<AuditEntry> = {}): AuditEntry => ({
  format: "cutter-runtime-audit/1",
  time: new Date().toISOString(),
  command: "deploy",
  via: "npm run deploy",
  host: "h",
  user: "root",
  uid: 0,
  stack: "cutter-runtime",
  source: "environment",
  root: "/srv/cutter",
  counts: { add: 1, change: 0, destroy: 0 },
  result: "applied",
  reasons: [],
  durationMs: 1,
  ...over,
});

describe("audit log", () => {
  test("appends one line per entry, 0600 whatever the umask; the reader skips a torn line", () => {
    withTempDir((dir) => {
      const file = path.join(dir, "sub", "audit.jsonl");
      const mask = process.umask(0);
      try {
        appendAuditEntry(file, entry());
      } finally {
        process.umask(mask);
      }
      fs.chmodSync(file, 0o644);
      appendAuditEntry(file, entry({ command: "destroy", result: "refused", reasons: ["x holds 1 entries"] }));
      assert.equal(fs.statSync(file).mode & 0o777, 0o600, "an existing log is made 0600 again");
      assert.equal(fs.statSync(path.dirname(file)).mode & 0o777, 0o700);
      fs.appendFileSync(file, '{"format":"cutter-runtime-audit/1","command":"dep');
      const read = readAuditLog(file, "cutter-runtime");
      assert.equal(read.entries, 2);
      assert.equal(read.last?.result, "refused");
      assert.equal(read.lastApplied?.command, "deploy");
    });
  });

  test("concurrent writers: every line whole (one write each, O_APPEND)", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cutter-gate-unit-"));
    try {
      const file = path.join(dir, "audit.jsonl");
      const writer = `const { appendAuditEntry } = require(${JSON.stringify(path.join(REPO, "dist", "cli", "audit-log.js"))});
        for (let i = 0; i < 100; i++) appendAuditEntry(${JSON.stringify(file)}, { format: "cutter-runtime-audit/1", stack: "s", command: "deploy", writer: process.argv[1], i, reasons: ["${"r".repeat(3000)}"] });`;
      await Promise.all(
        [1, 2, 3, 4].map(
          (w) =>
            new Promise<void>((resolve, reject) => {
              const child = spawn(process.execPath, ["-e", writer, String(w)], { stdio: "inherit" });
              const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
              child.on("close", (code) => (clearTimeout(timer), code === 0 ? resolve() : reject(new Error(`writer ${w} exit ${code}`))));
            }),
        ),
      );
      const lines = fs.readFileSync(file, "utf8").split("\n").filter(Boolean);
      assert.equal(lines.length, 400);
      for (const line of lines) assert.equal(JSON.parse(line).reasons[0].length, 3000);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("refuses a link, a hard-linked file, and a path that resolves into the tree; writes nothing there", () => {
    withTempDir((dir) => {
      const root = path.join(dir, "cutter");
      fs.mkdirSync(root);
      const target = path.join(dir, "elsewhere.txt");
      fs.writeFileSync(target, "keep\n");
      const link = path.join(dir, "audit.jsonl");
      fs.symlinkSync(target, link);
      assert.throws(() => checkAuditLogPath(link, root), /audit log .* is a symbolic link; nothing was changed/);
      assert.throws(() => appendAuditEntry(link, entry()), /ELOOP/);
      assert.equal(fs.readFileSync(target, "utf8"), "keep\n");
      const hard = path.join(dir, "hard.jsonl");
      fs.linkSync(target, hard);
      assert.throws(() => checkAuditLogPath(hard, root), /has 2 names \(hard links\)/);
      fs.symlinkSync(root, path.join(dir, "into-tree"));
      assert.throws(() => checkAuditLogPath(path.join(dir, "into-tree", "audit.jsonl"), root), /resolves into the managed tree/);
    });
  });

  test("free text passes the written-files guard: a secret in a reason is withheld, never written", () => {
    assert.equal(guarded("/srv/cutter/runs holds 1 entries"), "/srv/cutter/runs holds 1 entries");
    assert.equal(guarded(`dial postgres://exec:${SECRET}@db:5432/cutter failed`), "[withheld: CR-CONNECTION-STRING]");
    assert.equal(guarded("token ghp_aK9xQ2mZ7vL4pR8tY3wB6nC1dF5gH0jS"), "[withheld: CR-HIGH-ENTROPY]");
    const output = [
      "terraform_data.Guard (local-exec): cutter-runtime: /srv/cutter/runs holds 1 entries",
      `terraform_data.Guard (local-exec): cutter-runtime: password=${SECRET}`,
      "terraform_data.Guard (local-exec): cutter-runtime: /srv/cutter/runs holds 1 entries",
      "terraform_data.A: Creation complete after 0s [id=1]",
      "terraform_data.B: Destruction complete after 0s",
      "│ Error: local-exec provisioner error",
    ].join("\n");
    const reasons = reasonsIn(output, "cutter: terraform apply failed (exit 1)");
    assert.deepEqual(reasons, ["/srv/cutter/runs holds 1 entries", "[withheld: CR-SECRET-KEY-VALUE, CR-CONNECTION-STRING]", "terraform apply failed (exit 1)"]);
    assert.deepEqual(countsIn(output), { add: 1, change: 0, destroy: 1 });
  });
});

describe("survey script, run directly", () => {
  const runSurvey = (env: Record<string, string>) =>
    spawnSync("/bin/sh", ["-c", scriptText("survey"), "cutter-survey"], { env: { PATH: process.env.PATH, ...env }, encoding: "utf8" });

  test("records once (the first survey is kept), drops a cut-off last line, and forgets on destroy", () => {
    withTempDir((dir) => {
      const records = path.join(dir, "records");
      const base = { CUTTER_RECORD_DIR: records, CUTTER_SURVEY_NAME: "survey", CUTTER_ROOT: "/srv/cutter", CUTTER_OBSERVED_TRUNCATED: "0" };
      const observed = "S|/srv/cutter|directory|daemon|daemon|755\n" + "0".repeat(64) + "  /srv/cutter/README.md\nS|/srv/cutter/runs|directory|root|root|700";
      const first = runSurvey({ ...base, CUTTER_SURVEY_ACTION: "record", CUTTER_OBSERVED: observed });
      assert.equal(first.status, 0, first.stderr);
      const file = path.join(records, "survey");
      const text = fs.readFileSync(file, "utf8");
      assert.match(
        text,
        /^cutter-runtime-survey 1\nrecorded_at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\nroot \/srv\/cutter\ntruncated 0\nobserved S\|\/srv\/cutter\|directory\|daemon\|daemon\|755\nobserved S\|\/srv\/cutter\/runs\|directory\|root\|root\|700\n$/,
      );
      assert.equal(fs.statSync(file).mode & 0o777, 0o600);
      assert.equal(fs.statSync(records).mode & 0o777, 0o700);
      const survey = readSurvey(records, ["/srv/cutter", "/srv/cutter/runs", "/srv/cutter/locks"]);
      assert.deepEqual(
        survey.paths.map((p) => [p.path, p.existed, p.owner, p.mode]),
        [
          ["/srv/cutter", true, "daemon", "0755"],
          ["/srv/cutter/runs", true, "root", "0700"],
          ["/srv/cutter/locks", false, undefined, undefined],
        ],
      );

      const second = runSurvey({ ...base, CUTTER_SURVEY_ACTION: "record", CUTTER_OBSERVED: "" });
      assert.equal(second.status, 0, second.stderr);
      assert.match(second.stdout, /keeping the survey recorded earlier/);
      assert.equal(fs.readFileSync(file, "utf8"), text, "the first survey is kept");

      assert.equal(runSurvey({ ...base, CUTTER_SURVEY_ACTION: "forget" }).status, 0);
      assert.equal(fs.existsSync(file), false);
      const cut = runSurvey({
        ...base,
        CUTTER_SURVEY_ACTION: "record",
        CUTTER_OBSERVED: "S|/srv/cutter|directory|root|root|750\nS|/srv/cutter/ru",
        CUTTER_OBSERVED_TRUNCATED: "1",
      });
      assert.equal(cut.status, 0, cut.stderr);
      assert.match(fs.readFileSync(file, "utf8"), /truncated 1\nobserved S\|\/srv\/cutter\|directory\|root\|root\|750\n$/);
    });
  });

  test("a link planted at the temporary file is not followed", () => {
    withTempDir((dir) => {
      const records = path.join(dir, "records");
      fs.mkdirSync(records, { mode: 0o700 });
      const victim = path.join(dir, "victim");
      fs.writeFileSync(victim, "keep\n");
      fs.symlinkSync(victim, path.join(records, "survey.tmp"));
      const r = runSurvey({
        CUTTER_SURVEY_ACTION: "record",
        CUTTER_RECORD_DIR: records,
        CUTTER_SURVEY_NAME: "survey",
        CUTTER_ROOT: "/srv/cutter",
        CUTTER_OBSERVED: "",
        CUTTER_OBSERVED_TRUNCATED: "0",
      });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(fs.readFileSync(victim, "utf8"), "keep\n");
      assert.match(fs.readFileSync(path.join(records, "survey"), "utf8"), /^cutter-runtime-survey 1\n/);
    });
  });
});
