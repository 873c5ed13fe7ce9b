/**
 * One engine runner and one engine environment (issue 14 item 3): the operator commands,
 * the plan summary, the bench and the tests start the engine through cli/engine.ts
 * (runCaptured), in the environment cli/offline-engine.ts builds from setup's env.json.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { runCaptured } from "../cli/engine";
import { OfflineEngine, cacheDirectory, offlineEngineEnv, readOfflineEngine } from "../cli/offline-engine";
import { planJsonOf } from "../cli/plan-summary";
import { REPO, engineEnv, engineInfo } from "./support/harness";

const info: OfflineEngine = {
  engine: { kind: "terraform", version: "1.11.4", path: "/cache/engine-bin/terraform" },
  pathPrefix: "/cache/engine-bin",
  env: { TF_CLI_CONFIG_FILE: "/cache/terraform.rc", CUTTER_ENGINE_PATH: "/cache/engine-bin/terraform" },
};

describe("the engine environment, built in one place", () => {
  const base = {
    PATH: "/usr/bin",
    HOME: "/root",
    CUTTER_RUNTIME_ROOT: "/var/lib/cutter",
    CUTTER_CACHE_DIR: "/cache",
    CUTTER_CDK: "cdktn",
    CUTTER_ENGINE: "tofu",
  };

  test("setup's variables, the engine first on PATH, no colours; the caller's inputs dropped, the toolchain choices it names passed on", () => {
    const env = offlineEngineEnv(info, { CUTTER_STATE_PATH: "/tmp/s" }, { base, passOn: ["CUTTER_CDK"] });
    assert.equal(env.PATH, "/cache/engine-bin:/usr/bin");
    assert.equal(env.TF_CLI_CONFIG_FILE, "/cache/terraform.rc");
    assert.equal(env.CUTTER_ENGINE_PATH, "/cache/engine-bin/terraform");
    assert.deepEqual([env.FORCE_COLOR, env.NO_COLOR, env.CI], ["0", "1", "1"]);
    assert.equal(env.CUTTER_RUNTIME_ROOT, undefined, "an operator's input never leaks into a run that sets its own");
    assert.equal(env.CUTTER_CACHE_DIR, "/cache");
    assert.equal(env.CUTTER_CDK, "cdktn");
    assert.equal(env.CUTTER_ENGINE, undefined);
    assert.equal(env.CUTTER_STATE_PATH, "/tmp/s", "extra comes last");
    assert.equal(env.HOME, "/root");
  });

  test('passOn "all" keeps the caller\'s inputs; plain: false leaves colour settings alone', () => {
    const env = offlineEngineEnv(info, {}, { base, passOn: "all", plain: false });
    assert.equal(env.CUTTER_RUNTIME_ROOT, "/var/lib/cutter");
    assert.equal(env.NO_COLOR, undefined);
  });

  test("the test harness and the bench use it: the harness's environment is exactly offlineEngineEnv's", () => {
    assert.deepEqual(engineEnv({ X: "1" }), offlineEngineEnv(readOfflineEngine(), { X: "1" }, { passOn: ["CUTTER_CDK"] }));
    const bench = fs.readFileSync(path.join(REPO, "bench", "bench.ts"), "utf8");
    assert.match(bench, /offlineEngineEnv\(/);
    assert.doesNotMatch(bench, /env\.json/, "the bench reads setup's environment only through cli/offline-engine.ts");
  });

  test("a missing setup is one line naming the file and the fix", () => {
    assert.equal(cacheDirectory({ CUTTER_CACHE_DIR: "/nonexistent/cache" }), "/nonexistent/cache");
    assert.throws(() => readOfflineEngine({ CUTTER_CACHE_DIR: "/nonexistent/cache" }), {
      message: "/nonexistent/cache/env.json is missing: run `npm run setup` first",
    });
  });
});

describe("the engine runner", () => {
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "cutter-runner-"))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("runs in cwd with exactly env, captures stdout and stderr apart, reports the exit code and the time", () => {
    const r = runCaptured("/bin/sh", ["-c", 'pwd; echo "$ONLY" >&2; exit 3'], { cwd: dir, env: { ONLY: "this" } });
    assert.deepEqual([r.code, r.stdout, r.stderr, r.output], [3, `${dir}\n`, "this\n", `${dir}\nthis\n`]);
    assert.ok(r.ms > 0);
  });

  test("a command that cannot start, or outlives its limit, throws instead of reading as a failed run", () => {
    assert.throws(() => runCaptured("/nonexistent/engine", [], { cwd: dir, env: {} }), /ENOENT/);
    assert.throws(() => runCaptured("/bin/sleep", ["5"], { cwd: dir, env: {}, timeoutMs: 200 }), /ETIMEDOUT/);
  });

  test("the plan summary runs the engine the operator commands run: without the offline environment it says so, it never guesses a binary", () => {
    fs.writeFileSync(path.join(dir, "cdk.tf.json"), "{}");
    assert.throws(() => planJsonOf(dir, { PATH: process.env.PATH }), { message: /^no engine environment: run through the npm scripts/ });
    // With the environment, an engine failure names the step, the directory and the engine's words.
    fs.writeFileSync(path.join(dir, "cdk.tf.json"), "{ not json");
    assert.throws(
      () => planJsonOf(dir, engineEnv()),
      (error: Error) => {
        assert.match(error.message, new RegExp(`^${engineInfo().engine.kind} init failed \\(exit 1\\) in ${dir}:\\n`));
        return true;
      },
    );
  });
});
