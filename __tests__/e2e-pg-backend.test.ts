/**
 * The pg state backend against a real PostgreSQL 15 on loopback: deploy, plan and
 * destroy keep their state in one schema per stack; the connection string is read
 * from the variable the inputs name and never written to disk; a second concurrent
 * deploy fails on the lock and succeeds once the first is done; local state migrates.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { TempHost, expectSuccess, planCounts, run, snapshot } from "./support/harness";
import { CUTTER_JS, cutter, extractArchive, filesContaining } from "./support/operator";
import { TempPostgres } from "./support/postgres";

/** The inputs of a host whose state is in PostgreSQL, with the connection string in CONN_ENV. */
const CONN_ENV = "CUTTER_TEST_PG_CONN";

function pgHost(pg: TempPostgres, schema: string): TempHost {
  const host = new TempHost({ CUTTER_STATE_BACKEND: "pg", CUTTER_STATE_PG_SCHEMA: schema, CUTTER_STATE_PG_CONN_ENV: CONN_ENV });
  // With pg state there is no state file to keep the ownership record next to: keep it in the temp area.
  host.inputs.CUTTER_OWNERSHIP_DIR = path.join(host.dir, "state", "ownership");
  delete host.inputs.CUTTER_STATE_PATH;
  host.inputs[CONN_ENV] = pg.connStr;
  return host;
}

/** Resources in the state row of `schema` (workspace "default"). */
function stateResources(pg: TempPostgres, schema: string): number {
  return Number(pg.query(`SELECT jsonb_array_length(data::jsonb->'resources') FROM ${schema}.states WHERE name = 'default'`));
}

describe("pg backend: deploy, plan, destroy with state in PostgreSQL", () => {
  let pg: TempPostgres;
  let host: TempHost;
  const schema = "cutter_runtime_pgtest";
  before(async () => {
    pg = await TempPostgres.start();
    host = pgHost(pg, schema);
  });
  after(() => {
    host?.dispose();
    pg?.stop();
  });

  test("without the connection variable it stops before anything, naming the variable", () => {
    const result = cutter(host, ["deploy"], { [CONN_ENV]: "" });
    assert.equal(result.code, 1);
    assert.match(result.output, new RegExp(`keeps its state in PostgreSQL \\(schema ${schema}\\), but ${CONN_ENV} is not set; nothing was changed`));
    assert.equal(fs.existsSync(host.root), false);
    assert.equal(pg.query(`SELECT count(*) FROM information_schema.schemata WHERE schema_name = '${schema}'`), "0");
  });

  test("deploy writes the state row into the stack's schema and the tree to disk", () => {
    expectSuccess(cutter(host, ["deploy"]), "deploy (pg)");
    assert.equal(fs.statSync(path.join(host.root, "locks")).isDirectory(), true);
    // The stack's row (workspace default) and the row of the write check made before the apply.
    assert.equal(pg.query(`SELECT string_agg(name, ',' ORDER BY name) FROM ${schema}.states`), "cutter-privilege-check,default");
    assert.ok(stateResources(pg, schema) > 0, "the row holds the resources");
    const synthesized = host.synthesized;
    assert.deepEqual(synthesized.terraform.backend, { pg: { schema_name: schema } }, "only the schema is synthesized");
  });

  test("plan reads the state from PostgreSQL: 0 changes; plain cdktf plan works with PG_CONN_STR", () => {
    const planned = expectSuccess(cutter(host, ["plan", "--out", path.join(host.dir, "pg-plan.tgz")]), "plan (pg)");
    assert.deepEqual(planCounts(planned.output), { add: 0, change: 0, destroy: 0 });
    const viaCdktf = expectSuccess(host.cdktf("plan", [], { PG_CONN_STR: pg.connStr }), "cdktf plan (pg)");
    assert.deepEqual(planCounts(viaCdktf.output), { add: 0, change: 0, destroy: 0 });
  });

  test("the connection string (with its password) is in no file: not cdktf.out, not the plan archive, not the repo's output", () => {
    assert.deepEqual(filesContaining(host.outDir, pg.password), []);
    const unpacked = extractArchive(path.join(host.dir, "pg-plan.tgz"));
    try {
      assert.deepEqual(filesContaining(unpacked, pg.password), []);
    } finally {
      fs.rmSync(unpacked, { recursive: true, force: true });
    }
    assert.deepEqual(filesContaining(host.dir, pg.password), []);
  });

  test("a second concurrent deploy fails on the lock and succeeds once the first has finished", async () => {
    // Deploy A runs; once it holds the state lock it is paused (SIGSTOP), so the
    // overlap is certain rather than a race, then B runs against the held lock.
    let attempt = 0;
    let paused = false;
    let first: ReturnType<typeof spawn> | undefined;
    let firstOutput = "";
    while (!paused && attempt++ < 5) {
      first = spawn("node", [CUTTER_JS, "deploy", "--output", host.outDir], { env: host.env(), detached: true, stdio: ["ignore", "pipe", "pipe"] });
      firstOutput = "";
      first.stdout!.on("data", (d) => (firstOutput += d));
      first.stderr!.on("data", (d) => (firstOutput += d));
      const waiter = run("bash", ["-c", WAIT_FOR_LOCK_AND_PAUSE, "wait-lock", String(first.pid), String(pg.port)], {
        env: { PATH: process.env.PATH, PGPASSWORD: pg.password },
        timeoutMs: 120_000,
      });
      paused = waiter.stdout.trim() === "paused";
      if (!paused) await exited(first);
    }
    assert.ok(paused, "deploy A was caught holding the lock");
    try {
      assert.notEqual(pg.query("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"), "0", "A holds an advisory lock");
      const second = cutter(host, ["deploy"]);
      assert.equal(second.code, 1, "B fails while A holds the lock");
      assert.match(second.output, /Error acquiring the state lock/);
      assert.match(second.output, /already locked/i);
      assert.match(second.output, /The state is locked by another plan or deploy of this stack/);
    } finally {
      process.kill(-first!.pid!, "SIGCONT");
    }
    const code = await exited(first!);
    assert.equal(code, 0, `deploy A finished:\n${firstOutput.slice(-3000)}`);
    assert.equal(pg.query("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"), "0", "the lock is released");
    expectSuccess(cutter(host, ["deploy"]), "deploy B after A finished");
  });

  test("destroy removes the tree; the state row stays, empty", () => {
    expectSuccess(cutter(host, ["destroy", "--auto-approve"]), "destroy (pg)");
    assert.equal(fs.existsSync(host.root), false);
    assert.equal(stateResources(pg, schema), 0);
  });

  describe("local state migrates to PostgreSQL with deploy --migrate-state", () => {
    let local: TempHost;
    const migratedSchema = "cutter_runtime_migrated";
    before(() => (local = new TempHost()));
    after(() => local.dispose());

    test("the state moves with its resources and ids; nothing on disk is re-created; plan then shows 0 changes", () => {
      expectSuccess(cutter(local, ["deploy"]), "deploy with local state");
      const localState = JSON.parse(fs.readFileSync(local.statePath, "utf8"));
      const inodes = snapshot(local.root).map((e) => [e.path, fs.statSync(e.path).ino]);
      // Switch the same stack to the pg backend and migrate.
      const stateFile = local.inputs.CUTTER_STATE_PATH;
      delete local.inputs.CUTTER_STATE_PATH;
      // The ownership record stays where the local backend kept it (README: migrating state).
      local.inputs = {
        ...local.inputs,
        CUTTER_STATE_BACKEND: "pg",
        CUTTER_STATE_PG_SCHEMA: migratedSchema,
        CUTTER_STATE_PG_CONN_ENV: CONN_ENV,
        CUTTER_OWNERSHIP_DIR: `${stateFile}.ownership`,
        [CONN_ENV]: pg.connStr,
      };
      const withoutMigrate = cutter(local, ["deploy"]);
      assert.equal(withoutMigrate.code, 1, "a backend change without --migrate-state stops");
      assert.match(withoutMigrate.output, /Backend configuration changed|-migrate-state|-reconfigure/);
      assert.equal(pg.query(`SELECT count(*) FROM information_schema.schemata WHERE schema_name = '${migratedSchema}'`), "0", "nothing written to pg yet");
      const migrated = expectSuccess(cutter(local, ["deploy", "--migrate-state"]), "deploy --migrate-state");
      assert.match(migrated.output, /No changes|0 added, 0 changed, 0 destroyed/);
      const row = JSON.parse(pg.query(`SELECT data FROM ${migratedSchema}.states WHERE name = 'default'`));
      // The engine gives the migrated state a lineage of its own; the resources and their ids are copied.
      const ids = (state: any) => state.resources.flatMap((r: any) => r.instances.map((i: any) => `${r.type}.${r.name}=${i.attributes.id}`)).sort();
      assert.equal(ids(row).length, localState.resources.length);
      assert.deepEqual(ids(row), ids(localState), "the same resources with the same ids: copied, not re-created");
      for (const [p, ino] of inodes) assert.equal(fs.statSync(p as string).ino, ino, `${p} kept its inode`);
      assert.deepEqual(planCounts(expectSuccess(cutter(local, ["plan"]), "plan on pg").output), { add: 0, change: 0, destroy: 0 });
      assert.ok(fs.existsSync(stateFile), "the old local state file is left for the operator to archive");
      expectSuccess(cutter(local, ["destroy", "--auto-approve"]), "destroy from pg state");
      assert.equal(fs.existsSync(local.root), false);
    });
  });
});

/** Polls pg_locks until the process group $1 holds an advisory lock, then pauses it. */
const WAIT_FOR_LOCK_AND_PAUSE = `
pid=$1; port=$2
for _ in $(seq 1 3000); do
  n=$(psql "postgres://cutter@127.0.0.1:$port/cutter_state?sslmode=disable" -AtXc "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted" 2>/dev/null || echo 0)
  if [ "$n" != "0" ]; then kill -STOP -- "-$pid" && echo paused; exit 0; fi
  state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || echo Z)
  [ "$state" = Z ] && { echo exited; exit 0; }
done
echo timeout`;

function exited(child: ReturnType<typeof spawn>): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.on("exit", (code) => resolve(code)));
}
