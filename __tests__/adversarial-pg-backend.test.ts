/**
 * The PostgreSQL state backend under faults and attack (issue 16 items 5-9 and own
 * attacks), against a real PostgreSQL 15 started by the test: a malformed connection
 * string never reaches the engine and is never printed; a server killed during
 * `deploy --plan` leaves the newest state in the recovery directory with a command that
 * puts it back; a migration never overwrites another state unless forced; a role that
 * cannot write the state is stopped before the disk changes; the raw cdktf CLI agrees
 * with `npm run` on which connection a stack uses.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { TempHost, expectSuccess, planCounts, run, snapshot } from "./support/harness";
import { CUTTER_JS, cutter } from "./support/operator";
import { TempPostgres } from "./support/postgres";

const CONN_ENV = "CUTTER_TEST_PG_CONN";

function pgHost(connStr: string, schema: string, connEnv = CONN_ENV): TempHost {
  const host = new TempHost({ CUTTER_STATE_BACKEND: "pg", CUTTER_STATE_PG_SCHEMA: schema, CUTTER_STATE_PG_CONN_ENV: connEnv });
  host.inputs.CUTTER_OWNERSHIP_DIR = path.join(host.dir, "state", "ownership");
  delete host.inputs.CUTTER_STATE_PATH;
  host.inputs[connEnv] = connStr;
  return host;
}

/** No 6-character piece of `secret` appears in `output`. */
function assertNoPieceOf(output: string, secret: string, what: string): void {
  for (let i = 0; i + 6 <= secret.length; i++)
    assert.ok(!output.includes(secret.slice(i, i + 6)), `${what}: a piece of the password (${i}) was printed:\n${output.slice(-2000)}`);
}

const schemaExists = (pg: TempPostgres, schema: string) => pg.query(`SELECT count(*) FROM information_schema.schemata WHERE schema_name = '${schema}'`) === "1";
const stateRow = (pg: TempPostgres, schema: string) => pg.query(`SELECT coalesce((SELECT data FROM ${schema}.states WHERE name = 'default'), '')`);
const resourcesIn = (row: string) => (row === "" ? 0 : JSON.parse(row).resources.filter((r: any) => r.mode === "managed").length);

describe("pg backend under faults and attack", () => {
  let pg: TempPostgres;
  const hosts: TempHost[] = [];
  let item6: TempHost;
  const newHost = (...args: Parameters<typeof pgHost>) => {
    const host = pgHost(...args);
    hosts.push(host);
    return host;
  };
  before(async () => {
    pg = await TempPostgres.start();
  });
  after(() => {
    for (const host of hosts) host.dispose();
    pg?.stop();
  });

  test("item 5 and own: a malformed connection string is refused before the engine, naming the variable, never printing any part of it", () => {
    const host = newHost(pg.connStr, "cutter_runtime_item5");
    const secret = "Zq7f3a9c1e5b";
    const base = `127.0.0.1:${pg.port}/cutter_state?sslmode=disable`;
    const cases: Array<[string, string, RegExp]> = [
      ["# in the password", `postgres://cutter:${secret}#x${secret}@${base}`, /holds "#" \(the URL would end there\): percent-encode it as %23/],
      ["bad port", `postgres://cutter:${secret}@127.0.0.1:5x32/cutter_state`, /has a port that is not a number from 1 to 65535/],
      ["bad % escape", `postgres://cutter:${secret}%zz@${base}`, /holds a "%" that does not start a %XX escape/],
      ["/ in the password", `postgres://cutter:${secret}/x${secret}@${base}`, /has a port that is not a number|has a host that is not/],
      [
        "space in a key=value password",
        `host=127.0.0.1 port=${pg.port} user=cutter password=${secret} ${secret}x dbname=cutter_state`,
        /is neither a postgres:\/\/ URL nor key=value pairs/,
      ],
      ["another scheme", `POSTGRES://cutter:${secret}@${base}`, /is a URL of another scheme/],
      [
        "bad sslmode",
        `postgres://cutter:${secret}@127.0.0.1:${pg.port}/cutter_state?sslmode=prefer`,
        /has an sslmode that is not one of disable, require, verify-ca, verify-full/,
      ],
    ];
    for (const [what, conn, rule] of cases) {
      const result = cutter(host, ["plan"], { [CONN_ENV]: conn });
      assert.equal(result.code, 1, `${what}: ${result.output.slice(-1500)}`);
      assert.match(result.output, new RegExp(`the PostgreSQL connection string in ${CONN_ENV} `), what);
      assert.match(result.output, rule, what);
      assert.match(result.output, /Nothing was changed, and the value is not shown/, what);
      assert.doesNotMatch(result.output, /Initializing the backend/, `${what}: the engine never saw it`);
      assertNoPieceOf(result.output, secret, what);
    }
    assert.equal(schemaExists(pg, "cutter_runtime_item5"), false);
    // The raw cdktf CLI: the app refuses at synth, before the engine reads PG_CONN_STR.
    const raw = newHost(pg.connStr, "cutter_runtime_item5_raw", "PG_CONN_STR");
    const viaCdktf = raw.cdktf("plan", [], { PG_CONN_STR: `postgres://cutter:${secret}#x@${base}` });
    assert.notEqual(viaCdktf.code, 0);
    assert.match(viaCdktf.output, /the PostgreSQL connection string in PG_CONN_STR holds "#"/);
    assertNoPieceOf(viaCdktf.output, secret, "cdktf plan");
    assert.equal(schemaExists(pg, "cutter_runtime_item5_raw"), false);
  });

  test("item 6: the server killed during deploy --plan: the state the engine could not save is kept (0600) with the command that restores it; not blamed on a lock", async () => {
    const host = (item6 = newHost(pg.connStr, "cutter_runtime_item6"));
    const archive = path.join(host.dir, "first.tgz");
    expectSuccess(cutter(host, ["plan", "--out", archive]), "plan --out");
    const child = spawn("node", [CUTTER_JS, "deploy", "--plan", archive, "--output", host.outDir], {
      env: host.env(),
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout!.on("data", (d) => (output += d));
    child.stderr!.on("data", (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    // Once the apply has changed the disk, pause the run, kill the server, let the run finish.
    const deadline = Date.now() + 180_000;
    while (!fs.existsSync(host.root) && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    assert.ok(fs.existsSync(host.root), `the apply started:\n${output.slice(-3000)}`);
    process.kill(-child.pid!, "SIGSTOP");
    try {
      pg.stopServer();
    } finally {
      process.kill(-child.pid!, "SIGCONT");
    }
    const code = await exited;
    try {
      assert.equal(code, 1, output.slice(-3000));
      assert.match(output, /could not be reached or went away .* This is not a lock held by another run/s);
      assert.doesNotMatch(output, /locked by another plan or deploy/);
      const recovery = `${host.inputs.CUTTER_OWNERSHIP_DIR}.recovery`;
      const kept = fs.readdirSync(recovery).filter((n) => /^cutter-runtime-\d{8}T\d{6}Z-[0-9a-f]{4}-errored\.tfstate$/.test(n));
      assert.equal(kept.length, 1, `one errored state kept in ${recovery}`);
      assert.equal(fs.statSync(recovery).mode & 0o777, 0o700);
      assert.equal(fs.statSync(path.join(recovery, kept[0])).mode & 0o777, 0o600);
      assert.ok(resourcesIn(fs.readFileSync(path.join(recovery, kept[0]), "utf8")) > 0, "it holds what the apply made");
      assert.doesNotMatch(output, new RegExp(pg.password));
      const command = /restore it with:\n\s+(.+)\n/.exec(output)?.[1];
      assert.ok(command, `a recovery command is printed:\n${output.slice(-2000)}`);
      assert.match(command!, new RegExp(`PG_CONN_STR="\\$${CONN_ENV}"`), "it names the variable, not the value");
      pg.startServer();
      expectSuccess(run("bash", ["-c", command!], { env: host.env() }), "the printed recovery command");
      assert.ok(resourcesIn(stateRow(pg, "cutter_runtime_item6")) > 0, "the state is back in PostgreSQL");
      assert.deepEqual(planCounts(expectSuccess(cutter(host, ["plan"]), "plan after recovery").output), { add: 0, change: 0, destroy: 0 });
    } finally {
      if (!fs.existsSync(path.join(pg.dataDir, "postmaster.pid"))) pg.startServer();
    }
  });

  test("item 7: --migrate-state into a schema holding another stack's state is refused, naming what is there, unless forced", () => {
    const other = stateRow(pg, "cutter_runtime_item6");
    assert.ok(resourcesIn(other) > 0, "item 6 left a stack's state in cutter_runtime_item6");
    const otherRoot = item6.root;
    const local = new TempHost();
    hosts.push(local);
    expectSuccess(cutter(local, ["deploy"]), "deploy with local state");
    const stateFile = local.inputs.CUTTER_STATE_PATH;
    delete local.inputs.CUTTER_STATE_PATH;
    Object.assign(local.inputs, {
      CUTTER_STATE_BACKEND: "pg",
      CUTTER_STATE_PG_SCHEMA: "cutter_runtime_item6",
      CUTTER_STATE_PG_CONN_ENV: CONN_ENV,
      CUTTER_OWNERSHIP_DIR: `${stateFile}.ownership`,
      [CONN_ENV]: pg.connStr,
    });
    const refused = cutter(local, ["deploy", "--migrate-state"]);
    assert.equal(refused.code, 1, refused.output.slice(-2000));
    assert.match(
      refused.output,
      new RegExp(
        `refusing to migrate the state of stack cutter-runtime \\(from environment variables\\) into PostgreSQL schema cutter_runtime_item6 \\(connection from ${CONN_ENV}\\): it already holds a state \\(\\d+ resource instance\\(s\\), serial \\d+, lineage [0-9a-f-]+, runtime root ${otherRoot}\\)`,
      ),
    );
    assert.match(refused.output, /--migrate-state --overwrite-target-state/);
    assert.equal(stateRow(pg, "cutter_runtime_item6"), other, "the other stack's state is untouched");
    const forced = expectSuccess(cutter(local, ["deploy", "--migrate-state", "--overwrite-target-state"]), "forced migration");
    assert.match(forced.output, /Overwriting the state in PostgreSQL schema cutter_runtime_item6 .*as --overwrite-target-state asks/);
    assert.match(stateRow(pg, "cutter_runtime_item6"), new RegExp(local.root), "the schema now holds this stack's state");
  });

  test("item 8: a role that may read but not write the state is stopped before the disk changes; with the grant, deploy works", () => {
    pg.query("CREATE SEQUENCE IF NOT EXISTS public.global_states_id_seq AS bigint");
    pg.query("CREATE ROLE limited LOGIN PASSWORD 'limitedpw42'");
    pg.query("CREATE SCHEMA cutter_runtime_limited AUTHORIZATION limited");
    pg.query("GRANT CREATE ON SCHEMA public TO limited");
    const host = newHost(pg.connStrFor("limited", "limitedpw42"), "cutter_runtime_limited");
    const archive = path.join(host.dir, "limited.tgz");
    expectSuccess(cutter(host, ["plan", "--out", archive]), "init and plan pass with read access");
    for (const args of [["deploy"], ["deploy", "--plan", archive]]) {
      const refused = cutter(host, args);
      assert.equal(refused.code, 1, refused.output.slice(-2000));
      assert.match(
        refused.output,
        /cannot be written with these credentials, so an apply would change the disk and then fail to record it; nothing was changed/,
      );
      assert.match(refused.output, /engine: .*permission denied for sequence global_states_id_seq/);
      assert.match(refused.output, /docs\/state-backends\.md \(PostgreSQL privileges\)/);
      assert.doesNotMatch(refused.output, /Apply complete|Applying the saved plan/);
      assert.equal(fs.existsSync(host.root), false, `${args.join(" ")}: nothing on disk`);
    }
    pg.query("GRANT USAGE ON SEQUENCE public.global_states_id_seq TO limited");
    expectSuccess(cutter(host, ["deploy"]), "deploy with the privileges docs/state-backends.md lists");
    assert.ok(resourcesIn(stateRow(pg, "cutter_runtime_limited")) > 0);
    assert.equal(
      pg.query("SELECT count(*) FROM cutter_runtime_limited.states WHERE name = 'cutter-privilege-check'"),
      "1",
      "the write check keeps one row of its own",
    );
    // Own attack: the states table owned by another role (the index the engine re-creates needs its owner).
    pg.query("ALTER TABLE cutter_runtime_limited.states OWNER TO cutter");
    pg.query("GRANT SELECT, INSERT, UPDATE ON cutter_runtime_limited.states TO limited");
    const tree = snapshot(host.root);
    const notOwner = cutter(host, ["destroy", "--auto-approve"]);
    assert.equal(notOwner.code, 1);
    assert.match(notOwner.output, /must be owner of table states/);
    assert.match(notOwner.output, /refused these credentials or a privilege the pg backend needs/);
    assert.deepEqual(snapshot(host.root), tree, "destroy removed nothing");
  });

  test("item 9: the raw cdktf CLI refuses when PG_CONN_STR is not the stack's connection; npm run uses the stack's own", () => {
    pg.query("CREATE DATABASE other_state");
    const host = newHost(pg.connStr, "cutter_runtime_item9");
    const elsewhere = pg.connStrFor("cutter", pg.password, "other_state");
    const raw = host.cdktf("deploy", [], { PG_CONN_STR: elsewhere });
    assert.notEqual(raw.code, 0);
    assert.match(
      raw.output,
      new RegExp(
        `stack cutter-runtime \\(from environment variables\\) keeps its state in PostgreSQL schema cutter_runtime_item9 via ${CONN_ENV}, which holds another connection string: the engine run by cdktf reads PG_CONN_STR instead`,
      ),
    );
    assert.doesNotMatch(raw.output, new RegExp(pg.password));
    assert.equal(fs.existsSync(host.root), false);
    const otherDb = run(
      "psql",
      [
        `postgres://cutter@127.0.0.1:${pg.port}/other_state?sslmode=disable`,
        "-AtXc",
        "SELECT count(*) FROM information_schema.schemata WHERE schema_name = 'cutter_runtime_item9'",
      ],
      {
        env: { PATH: process.env.PATH, PGPASSWORD: pg.password },
      },
    );
    assert.equal(otherDb.stdout.trim(), "0", "nothing was written where PG_CONN_STR points");
    // npm run hands the engine the stack's own variable, whatever PG_CONN_STR says.
    const viaNpm = expectSuccess(cutter(host, ["plan"], { PG_CONN_STR: elsewhere }), "npm run plan with another PG_CONN_STR around");
    assert.match(viaNpm.output, /Plan: \d+ to add/);
  });

  test("own attacks: engine variables that move the state, a wrong password and a dead server are refused or named precisely", () => {
    const host = newHost(pg.connStr, "cutter_runtime_own");
    for (const [name, value] of [
      ["TF_CLI_ARGS_init", "-backend-config=schema_name=cutter_runtime_evil"],
      ["TF_CLI_ARGS", "-target=nothing"],
      ["PG_SCHEMA_NAME", "cutter_runtime_evil"],
      ["TF_WORKSPACE", "evil"],
      ["TF_DATA_DIR", path.join(host.dir, "evil-data")],
    ]) {
      const result = cutter(host, ["deploy"], { [name]: value });
      assert.equal(result.code, 1, `${name}: ${result.output.slice(-1500)}`);
      assert.match(result.output, new RegExp(`${name} is set: the engine would read it .*; nothing was changed`, "s"), name);
      assert.doesNotMatch(result.output, /Initializing the backend/, name);
    }
    assert.equal(schemaExists(pg, "cutter_runtime_evil"), false);
    assert.equal(fs.existsSync(path.join(host.dir, "evil-data")), false);
    const wrong = cutter(host, ["deploy"], { [CONN_ENV]: pg.connStrFor("cutter", "not-the-password-77") });
    assert.equal(wrong.code, 1);
    assert.match(wrong.output, /password authentication failed/);
    assert.match(wrong.output, /refused these credentials/);
    assert.doesNotMatch(wrong.output, /locked by another plan|not-the-password-77/);
    const dead = cutter(host, ["deploy"], { [CONN_ENV]: `postgres://cutter:${pg.password}@127.0.0.1:1/cutter_state?sslmode=disable` });
    assert.equal(dead.code, 1);
    assert.match(dead.output, /could not be reached or went away.*This is not a lock held by another run/s);
    assert.doesNotMatch(dead.output, /locked by another plan/);
    assert.doesNotMatch(dead.output, new RegExp(pg.password));
    assert.equal(fs.existsSync(host.root), false);
  });
});
