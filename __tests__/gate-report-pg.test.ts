/**
 * The gate report for a stack whose state is in PostgreSQL (a real PostgreSQL 15 on
 * loopback): the report reads the state through the engine without creating anything,
 * says the state itself lives in a database, ties itself to the serial the audit log
 * recorded, prints the rollback with the backend and what it needs, and neither the
 * report nor the audit log ever holds the connection string's password.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { TempHost, engineEnv, expectSuccess, run } from "./support/harness";
import { cutter, filesContaining } from "./support/operator";
import { TempPostgres } from "./support/postgres";
import { verify } from "./support/tools";

const CONN_ENV = "CUTTER_GATE_PG_CONN";
const SCHEMA = "cutter_runtime_gate";

describe("gate report: pg state backend", () => {
  let pg: TempPostgres;
  let host: TempHost;
  let ownership: string;
  before(async () => {
    pg = await TempPostgres.start();
    host = new TempHost({ CUTTER_STATE_BACKEND: "pg", CUTTER_STATE_PG_SCHEMA: SCHEMA, CUTTER_STATE_PG_CONN_ENV: CONN_ENV });
    ownership = path.join(host.dir, "state", "ownership");
    host.inputs.CUTTER_OWNERSHIP_DIR = ownership;
    delete host.inputs.CUTTER_STATE_PATH;
    host.inputs[CONN_ENV] = pg.connStr;
    expectSuccess(cutter(host, ["deploy"]), "deploy (pg)");
  });
  after(() => {
    host?.dispose();
    pg?.stop();
  });

  test("reads the state through the engine, says it lives in PostgreSQL, and ties to the audited serial", () => {
    const file = path.join(host.dir, "pg.md");
    const v = verify(host, ["--json", "--markdown", file]);
    assert.equal(v.code, 0, v.output);
    const { gate, warnings } = JSON.parse(v.stdout);
    const serial = Number(pg.query(`SELECT (data::jsonb->>'serial') FROM ${SCHEMA}.states WHERE name = 'default'`));
    assert.equal(gate.reviewed.state.read, true, JSON.stringify(gate.reviewed.state));
    assert.equal(gate.reviewed.state.serial, serial);
    assert.equal(gate.reviewed.appliedBy.via, "node dist/cli/cutter.js deploy", "the audit log's serial is the state's");
    assert.deepEqual(
      warnings.filter((w: string) => !w.startsWith("env file ")),
      [],
      "no warning but the (absent) env file's",
    );
    const audit = fs
      .readFileSync(`${ownership}.audit.jsonl`, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      audit.map((e) => [e.command, e.result, e.state.backend, e.state.location, e.state.serial]),
      [["deploy", "applied", "pg", `PostgreSQL schema ${SCHEMA}`, serial]],
    );
    const md = fs.readFileSync(file, "utf8");
    assert.match(
      md,
      new RegExp(
        `^db_touched: NONE \\(the state holds .*; the state itself is stored in PostgreSQL \\(schema ${SCHEMA}\\): deploy and destroy write that one state row, nothing else in any database\\)$`,
        "m",
      ),
    );
    const rollback = /^rollback: (.*)$/m.exec(md)![1];
    assert.match(
      rollback,
      new RegExp(
        `CUTTER_STATE_BACKEND=pg CUTTER_STATE_PG_SCHEMA=${SCHEMA} CUTTER_STATE_PG_CONN_ENV=${CONN_ENV} CUTTER_OWNERSHIP_DIR=${ownership} npm run destroy -- --auto-approve$`,
      ),
    );
    assert.ok(md.includes(`          (needs ${CONN_ENV} set to the connection string of the PostgreSQL database holding schema ${SCHEMA} (the state))`), md);
    assert.deepEqual(filesContaining(host.dir, pg.password), [], "the password is in no report, log or record");
  });

  test("without the connection string the state is not read (a warning), and reading another schema creates nothing", () => {
    const unset = verify(host, ["--json"], { [CONN_ENV]: "" });
    assert.equal(unset.code, 0, unset.output);
    assert.ok(
      JSON.parse(unset.stdout).warnings.some((w: string) => w.startsWith(`state (PostgreSQL schema ${SCHEMA}): not read: ${CONN_ENV} is not set`)),
      unset.stdout,
    );
    const other = verify(host, ["--json"], { CUTTER_STATE_PG_SCHEMA: "cutter_runtime_nothing_here" });
    assert.match(JSON.parse(other.stdout).gate.reviewed.state.reason, /could not (open|read) it|no state in that schema/);
    assert.equal(
      pg.query("SELECT count(*) FROM information_schema.schemata WHERE schema_name = 'cutter_runtime_nothing_here'"),
      "0",
      "verify created no schema",
    );
  });

  test("the rollback as printed (with the connection string set) destroys; what remains says how to drop the schema", () => {
    const md = fs.readFileSync(path.join(host.dir, "pg.md"), "utf8");
    const rollback = /^rollback: (.*)$/m.exec(md)![1];
    const destroyed = run("bash", ["-c", `${rollback} --output ${host.outDir}`], { env: engineEnv({ [CONN_ENV]: pg.connStr }) });
    assert.equal(destroyed.code, 0, destroyed.output.slice(-3000));
    assert.equal(fs.existsSync(host.root), false);
    assert.ok(
      destroyed.stdout.includes(
        `  state:     PostgreSQL schema ${SCHEMA} (no resources left)\n             remove: psql "$${CONN_ENV}" -c 'DROP SCHEMA ${SCHEMA} CASCADE'`,
      ),
      destroyed.stdout,
    );
    assert.deepEqual(filesContaining(host.dir, pg.password), []);
  });
});
