/** Unit tests: state backend inputs, host files, and the operator command line. */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import { Testing } from "../constructs/cdk";
import { testApp } from "./support/test-app";
import { RuntimeStack, hostsDirectory, readHostFiles, readRuntimeInputs, resolveStackSpecs } from "../constructs";
import { parseCommandLine, selectStack } from "../cli/command-line";
import { engineEnvironment } from "../cli/engine";
import { countPlan, renderPlanSummary } from "../cli/plan-summary";
import { jsonDifferences } from "../cli/saved-plan";
import { withTempDir } from "./support/temp-dir";

function writeHost(dir: string, name: string, content: unknown): void {
  fs.writeFileSync(path.join(dir, `${name}.json`), typeof content === "string" ? content : JSON.stringify(content));
}

describe("state backend inputs", () => {
  test("default is local state; pg takes a schema and the NAME of the connection variable", () => {
    assert.equal(readRuntimeInputs({}).stateBackend, "local");
    const pg = readRuntimeInputs({ CUTTER_STATE_BACKEND: "pg" });
    assert.equal(pg.stateBackend, "pg");
    assert.equal(pg.statePgSchema, "cutter_runtime");
    assert.equal(pg.statePgConnEnv, "PG_CONN_STR", "the engine's own variable by default, so plain cdktf works too");
    const named = readRuntimeInputs({ CUTTER_STATE_BACKEND: "pg", CUTTER_STATE_PG_SCHEMA: "prod_state", CUTTER_STATE_PG_CONN_ENV: "PROD_PG" });
    assert.equal(named.statePgSchema, "prod_state");
    assert.equal(named.statePgConnEnv, "PROD_PG");
  });

  test("fails if a backend is unknown, a schema or variable name is bad, or settings of the other backend are given", () => {
    assert.throws(() => readRuntimeInputs({ CUTTER_STATE_BACKEND: "s3" }), /CUTTER_STATE_BACKEND: "s3" must be one of local, pg/);
    assert.throws(
      () => readRuntimeInputs({ CUTTER_STATE_BACKEND: "pg", CUTTER_STATE_PG_SCHEMA: "Prod-State", CUTTER_STATE_PG_CONN_ENV: "postgres://u:secret@db/x" }),
      (e: Error) =>
        /CUTTER_STATE_PG_SCHEMA: "Prod-State" must be a PostgreSQL schema name/.test(e.message) &&
        /CUTTER_STATE_PG_CONN_ENV: "postgres:\/\/u:secret@db\/x" must be an environment variable NAME \(not a connection string\)/.test(e.message),
    );
    assert.throws(
      () => readRuntimeInputs({ CUTTER_STATE_BACKEND: "pg", CUTTER_STATE_PATH: "/srv/s.tfstate" }),
      /CUTTER_STATE_PATH: "\/srv\/s.tfstate" is for the local backend, but the state backend is pg/,
    );
    assert.throws(
      () => readRuntimeInputs({ CUTTER_STATE_PG_SCHEMA: "x" }),
      /CUTTER_STATE_PG_SCHEMA: "x" is for the pg backend, but the state backend is local/,
    );
  });

  test("RuntimeStack synthesizes the pg backend with the schema only: no connection string", () => {
    const app = testApp();
    const stack = new RuntimeStack(app, "cutter-runtime", { inputs: readRuntimeInputs({ CUTTER_STATE_BACKEND: "pg", CUTTER_STATE_PG_SCHEMA: "prod_state" }) });
    const json = JSON.parse(Testing.synth(stack, true));
    assert.deepEqual(json.terraform.backend, { pg: { schema_name: "prod_state" } });
  });
});

describe("host files", () => {
  test("one stack per file, sorted, with per-host defaults for state", () => {
    withTempDir((dir) => {
      writeHost(dir, "staging", { runtimeRoot: "/srv/cutter", owner: "nobody", group: "nogroup" });
      writeHost(dir, "production", { state: { backend: "pg", pgConnEnv: "PROD_PG" } });
      fs.writeFileSync(path.join(dir, "README.md"), "not a host\n");
      const specs = readHostFiles(dir);
      assert.deepEqual(
        specs.map((s) => [s.stackName, s.hostName]),
        [
          ["cutter-runtime-production", "production"],
          ["cutter-runtime-staging", "staging"],
        ],
      );
      const [production, staging] = specs;
      assert.equal(production.inputs.rootPath, "/var/lib/cutter");
      assert.equal(production.inputs.statePgSchema, "cutter_runtime_production", "one schema per stack");
      assert.equal(production.inputs.statePgConnEnv, "PROD_PG");
      assert.equal(staging.inputs.statePath, "/var/lib/cutter-runtime/state/staging.tfstate");
      assert.equal(staging.inputs.owner, "nobody");
    });
  });

  test("fails naming every bad file and field at once", () => {
    withTempDir((dir) => {
      writeHost(dir, "a", { runtimeRoot: "/var", envFile: "rel/.env", extra: 1 });
      writeHost(dir, "b", { state: { backend: "pg", path: "/srv/s.tfstate", schema: "x" } });
      writeHost(dir, "Bad_Name", {});
      writeHost(dir, "c", [1]);
      assert.throws(
        () => readHostFiles(dir, dir),
        (e: Error) =>
          /invalid value\(s\); nothing was changed/.test(e.message) &&
          e.message.includes(`a.json: runtimeRoot: "/var" is not allowed`) &&
          e.message.includes(`a.json: envFile: "rel/.env" must be an absolute path`) &&
          e.message.includes(`a.json: "extra" is not a known field (its value is not shown)`) &&
          e.message.includes(`b.json: "state.schema" is not a known field (its value is not shown); the fields are backend, path, pgSchema, pgConnEnv`) &&
          e.message.includes(`b.json: state.path: "/srv/s.tfstate" is for the local backend`) &&
          e.message.includes(`Bad_Name.json: file name: "Bad_Name" must be a host name`) &&
          e.message.includes(
            `c.json: must be a JSON object with the fields runtimeRoot, owner, group, envFile, adoptExisting, backupKeyStatus, reportReference, state, not an array`,
          ),
      );
    });
  });

  test("fails if two hosts would share one state", () => {
    withTempDir((dir) => {
      writeHost(dir, "a", { runtimeRoot: "/srv/cutter-a", state: { backend: "pg", pgSchema: "shared" } });
      writeHost(dir, "b", { runtimeRoot: "/srv/cutter-b", state: { backend: "pg", pgSchema: "shared" } });
      assert.throws(() => readHostFiles(dir), /b\.json: state: "pg schema shared via PG_CONN_STR" is also the state of .*a\.json/);
    });
  });

  test("fails for an empty hosts directory", () => {
    withTempDir((dir) => assert.throws(() => readHostFiles(dir), /holds no <host>\.json files/));
  });

  test("which stacks: hosts/ in the project if present, CUTTER_HOSTS_DIR to point elsewhere, none for the env stack", () => {
    withTempDir((project) => {
      assert.equal(hostsDirectory({}, project), undefined, "no hosts/ -> the single stack from environment variables");
      assert.deepEqual(
        resolveStackSpecs({ CUTTER_RUNTIME_ROOT: "/srv/cutter-x" }, project).map((s) => s.stackName),
        ["cutter-runtime"],
      );
      fs.mkdirSync(path.join(project, "hosts"));
      writeHost(path.join(project, "hosts"), "edge", {});
      assert.equal(hostsDirectory({}, project), path.join(project, "hosts"));
      assert.deepEqual(
        resolveStackSpecs({}, project).map((s) => s.stackName),
        ["cutter-runtime-edge"],
      );
      assert.equal(hostsDirectory({ CUTTER_HOSTS_DIR: "none" }, project), undefined);
      assert.throws(() => hostsDirectory({ CUTTER_HOSTS_DIR: "missing" }, project), /CUTTER_HOSTS_DIR: "missing" is not a directory/);
      assert.throws(
        () => resolveStackSpecs({ CUTTER_OWNER: "nobody", CUTTER_STATE_PATH: "/s" }, project),
        /CUTTER_OWNER, CUTTER_STATE_PATH are set; nothing was changed/,
      );
    });
  });
});

describe("operator command line", () => {
  test("parses verb, host and options in any order", () => {
    // The parsed fields that are set (a field left undefined is absent from the comparison).
    const fields = (argv: string[]) => {
      const { given: _given, ...rest } = parseCommandLine(argv);
      return Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined && v !== false));
    };
    assert.deepEqual(fields(["plan", "production", "--out", "p.tgz", "--summary=s.txt"]), {
      verb: "plan",
      host: "production",
      out: "p.tgz",
      summary: "s.txt",
      outputDir: "cdktf.out",
      lockTimeout: "0s",
    });
    assert.deepEqual(fields(["deploy", "--plan", "p.tgz"]), { verb: "deploy", plan: "p.tgz", outputDir: "cdktf.out", lockTimeout: "0s" });
    assert.equal(parseCommandLine(["deploy", "x", "--migrate-state", "--lock-timeout", "5m"]).lockTimeout, "5m");
    const digest = "a".repeat(64);
    assert.equal(parseCommandLine(["deploy", "--plan", "p.tgz", "--sha256", digest]).sha256, digest);
    assert.equal(parseCommandLine(["deploy", "--migrate-state", "--overwrite-target-state"]).overwriteTargetState, true);
  });

  test("fails for unknown commands and options, misplaced options, missing values and two hosts", () => {
    assert.throws(() => parseCommandLine(["apply"]), /unknown command "apply"/);
    assert.throws(() => parseCommandLine(["plan", "--plan", "x"]), /--plan is not an option of plan/);
    assert.throws(() => parseCommandLine(["deploy", "--out", "x"]), /--out is not an option of deploy/);
    assert.throws(() => parseCommandLine(["plan", "--out"]), /--out needs a value/);
    assert.throws(() => parseCommandLine(["plan", "--auto-approve"]), /--auto-approve is not an option of plan \(an option of destroy\)/);
    assert.throws(() => parseCommandLine(["plan", "--force"]), /unknown option "--force"/);
    assert.throws(() => parseCommandLine(["plan", "a", "b"]), /one host at a time: got "a" and "b"/);
    assert.throws(() => parseCommandLine(["deploy", "--plan", "p", "--migrate-state"]), /--migrate-state cannot be combined with --plan/);
    assert.throws(() => parseCommandLine(["plan", "--migrate-state"]), /--migrate-state is an option of deploy/);
    assert.throws(() => parseCommandLine(["deploy", "--sha256", "a".repeat(64)]), /--sha256 is the digest of the saved plan given with --plan/);
    assert.throws(() => parseCommandLine(["deploy", "--plan", "p", "--sha256", "ABC"]), /--sha256 "ABC" must be 64 lowercase hex digits/);
    assert.throws(() => parseCommandLine(["deploy", "--overwrite-target-state"]), /--overwrite-target-state only goes with --migrate-state/);
  });

  test("the env stack takes no host name", () => {
    const specs = resolveStackSpecs({}, "/nonexistent-project");
    assert.equal(selectStack(specs, undefined).stackName, "cutter-runtime");
    assert.throws(() => selectStack(specs, "production"), /host "production" was named, but no host files are in use/);
  });

  test("hands the connection string from the named variable to the engine as PG_CONN_STR", () => {
    const [spec] = resolveStackSpecs({ CUTTER_STATE_BACKEND: "pg", CUTTER_STATE_PG_CONN_ENV: "PROD_PG" }, "/nonexistent-project");
    assert.equal(engineEnvironment(spec, { PROD_PG: "postgres://x" }).PG_CONN_STR, "postgres://x");
    assert.throws(() => engineEnvironment(spec, {}), /keeps its state in PostgreSQL \(schema cutter_runtime\), but PROD_PG is not set; nothing was changed/);
  });

  test("summarises a plan from show -json: counts as the engine counts them, changed addresses listed", () => {
    const [spec] = resolveStackSpecs({}, "/nonexistent-project");
    const show = {
      resource_changes: [
        { address: "a.one", change: { actions: ["create"] } },
        { address: "a.two", change: { actions: ["delete", "create"] } },
        { address: "a.three", change: { actions: ["update"] } },
        { address: "a.four", change: { actions: ["no-op"] } },
      ],
    };
    assert.deepEqual(countPlan(show), { add: 2, change: 1, destroy: 1 });
    const text = renderPlanSummary(spec, show);
    assert.match(text, /2 to add, 1 to change, 1 to destroy/);
    assert.match(text, /delete\+create +a\.two/);
    assert.doesNotMatch(text, /a\.four/);
  });

  test("names where two synthesized documents differ", () => {
    assert.deepEqual(jsonDifferences({ a: { b: 1, c: [1, 2] } }, { a: { b: 2, c: [1, 3] }, d: true }), ["a.b: 1 -> 2", "a.c.1: 2 -> 3", "d: (absent) -> true"]);
    assert.deepEqual(jsonDifferences({ a: 1 }, { a: 1 }), []);
    // What changes on disk comes before derived locals, even past the limit.
    const locals = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`l${i}`, i]));
    const moved = jsonDifferences(
      { locals, resource: { x: { owner: "root" } } },
      { locals: Object.fromEntries(Object.keys(locals).map((k) => [k, -1])), resource: { x: { owner: "nobody" } } },
    );
    assert.equal(moved[0], 'resource.x.owner: "root" -> "nobody"');
  });
});
