/**
 * Adversarial (items 14 and 7): every entry point (cutter.js, main.js, verify.js,
 * plan-summary.js, bench.js) answers bad input with a one-line error and no stack
 * trace, before anything is written; verify gives a verdict on a directory chain too
 * deep for a path; the operator command's temporary files are gone after every exit,
 * including SIGINT and SIGTERM, and after a SIGKILL the next command removes them.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { REPO, TempHost, expectSuccess, run } from "./support/harness";
import { CUTTER_JS, cutter } from "./support/operator";
import { waitFor } from "./support/safety";
import { assertOneLineError, startCli } from "./support/state-faults";

const DIST = path.join(REPO, "dist");
const tool = (name: string) => path.join(DIST, name === "bench" ? "bench" : "cli", `${name}.js`);

describe("item 14: the operator command refuses hostile arguments in one line, before anything is written", () => {
  let host: TempHost;
  before(() => (host = new TempHost()));
  after(() => host.dispose());

  const cases: Array<[string, string[], RegExp]> = [
    ["no command", [], /^cutter: unknown command ""; expected one of synth, plan, deploy, destroy$/],
    ["an unknown command", ["rm", "-rf"], /^cutter: unknown command "rm"/],
    ["an unknown option", ["plan", "--force"], /^cutter: unknown option "--force"$/],
    ["an option of another command", ["deploy", "--out", "x.tgz"], /^cutter: --out is not an option of deploy \(an option of plan\)$/],
    ["an option without its value", ["plan", "--output"], /^cutter: --output needs a value$/],
    [
      "a lock timeout with shell in it",
      ["plan", "--lock-timeout", "0s; touch /tmp/PWNED-ARGS"],
      /^cutter: --lock-timeout "0s; touch \/tmp\/PWNED-ARGS" is not a duration/,
    ],
    ["a lock timeout of a day and more", ["plan", "--lock-timeout=25h"], /^cutter: --lock-timeout "25h" is not a duration: .*at most 24h/],
    ["two hosts", ["plan", "a", "b"], /^cutter: one host at a time: got "a" and "b"$/],
    ["a host path", ["plan", "../../etc/passwd"], /^cutter: host "\.\.\/\.\.\/etc\/passwd" was named, but no host files are in use/],
    ["a 100 000-character argument", ["plan", "x".repeat(100_000)], /^cutter: host "x{76}\.\.\." was named, but no host files are in use/],
    ["--migrate-state with --plan", ["deploy", "--plan", "p.tgz", "--migrate-state"], /^cutter: --migrate-state cannot be combined with --plan/],
  ];
  for (const [what, args, message] of cases) {
    test(`${what}`, () => {
      const result = run("node", [CUTTER_JS, ...args, ...(args.length > 0 ? ["--output", host.outDir] : [])], { env: host.env() });
      assertOneLineError(result, message);
      assert.equal(fs.existsSync(host.outDir), false, "no output written");
      assert.equal(fs.existsSync(path.dirname(host.statePath)), false, "no state directory made");
      assert.equal(fs.existsSync("/tmp/PWNED-ARGS"), false);
    });
  }
});

describe("item 14: the app, verify, plan-summary and bench answer bad input in one line", () => {
  let host: TempHost;
  before(() => (host = new TempHost()));
  after(() => host.dispose());

  const cases: Array<[string, string[], Record<string, string>, number, RegExp]> = [
    [
      "main.js: a relative root",
      [path.join(DIST, "main.js")],
      { CUTTER_RUNTIME_ROOT: "var/lib/cutter" },
      1,
      /^cutter-runtime inputs \(fix the environment variables named below\): 1 invalid value\(s\)/,
    ],
    [
      "main.js: a hosts directory that is missing",
      [path.join(DIST, "main.js")],
      { CUTTER_HOSTS_DIR: "/nonexistent/hosts" },
      1,
      /^cutter-runtime inputs: CUTTER_HOSTS_DIR: "\/nonexistent\/hosts" is not a directory/,
    ],
    ["verify.js: an unknown argument", [tool("verify"), "--fix"], {}, 2, /^cutter-runtime verify: unknown argument "--fix"/],
    ["verify.js: --markdown without a file", [tool("verify"), "--markdown"], {}, 2, /^cutter-runtime verify: --markdown needs a file path/],
    ["verify.js: a state path with shell in it", [tool("verify")], { CUTTER_STATE_PATH: "/x;rm -rf /" }, 2, /^cutter-runtime verify: cutter-runtime inputs/],
    ["plan-summary.js: no arguments", [tool("plan-summary")], {}, 1, /^cutter-runtime plan-summary: usage: plan-summary STACK_DIR/],
    [
      "plan-summary.js: a missing file",
      [tool("plan-summary"), "--plan-json", "/nonexistent.json"],
      {},
      1,
      /^cutter-runtime plan-summary: --plan-json \/nonexistent\.json: cannot be read \(ENOENT\)/,
    ],
    [
      "plan-summary.js: a file that is not JSON",
      [tool("plan-summary"), "--plan-json", "/etc/hostname"],
      {},
      1,
      /^cutter-runtime plan-summary: --plan-json \/etc\/hostname: is not valid JSON/,
    ],
    [
      "plan-summary.js: JSON that is not a plan (never summarized as 'no writes')",
      [tool("plan-summary"), "--plan-json", "EMPTY_OBJECT"],
      {},
      1,
      /^cutter-runtime plan-summary: --plan-json \S+ is not a plan/,
    ],
    ["plan-summary.js: null", [tool("plan-summary"), "--plan-json", "NULL"], {}, 1, /^cutter-runtime plan-summary: --plan-json \S+ is not a plan/],
    [
      "plan-summary.js: a stack directory that does not exist",
      [tool("plan-summary"), "/nonexistent/stack"],
      {},
      1,
      /^cutter-runtime plan-summary: \/nonexistent\/stack holds no cdk\.tf\.json/,
    ],
    ["bench.js: --sizes without a value", [tool("bench"), "--sizes"], {}, 1, /^bench: --sizes needs a value/],
    ["bench.js: --out without a value", [tool("bench"), "--quick", "--out"], {}, 1, /^bench: --out needs a value/],
    [
      "bench.js: no engine set up",
      [tool("bench"), "--quick"],
      { CUTTER_CACHE_DIR: "/nonexistent/cache" },
      1,
      /^bench: \/nonexistent\/cache\/env\.json is missing: run `npm run setup` first/,
    ],
  ];
  for (const [what, argv, env, code, message] of cases) {
    test(what, () => {
      const files: Record<string, string> = { EMPTY_OBJECT: "{}", NULL: "null" };
      const args = argv.map((a) => {
        if (!(a in files)) return a;
        const file = path.join(host.dir, `${a}.json`);
        fs.writeFileSync(file, files[a]);
        return file;
      });
      const result = run("node", args, { env: { ...host.env(env), CDKTF_OUTDIR: host.outDir }, timeoutMs: 60_000 });
      assertOneLineError(result, message);
      assert.equal(result.code, code, result.output);
      assert.doesNotMatch(result.stdout, /no writes/);
    });
  }
});

describe("item 14: verify on a directory chain deeper than a path can be", () => {
  let host: TempHost;
  before(() => {
    host = new TempHost();
    expectSuccess(cutter(host, ["deploy"]), "deploy");
    // 2200 levels: the full path is far beyond PATH_MAX (4096); built relative to each level.
    const chain =
      "process.chdir(process.argv[1]); for (let i = 0; i < 2200; i++) { require('fs').mkdirSync('d'); process.chdir('d'); } require('fs').writeFileSync('deepest-file', '');";
    expectSuccess(run("node", ["-e", chain, path.join(host.root, "runs")], { env: process.env }), "chain");
  });
  after(() => {
    run("rm", ["-rf", path.join(host.root, "runs", "d")], { env: process.env });
    host.dispose();
  });

  test("gives a verdict (the chain holds data: FAIL; with --allow-data: PASS), never ENAMETOOLONG", () => {
    const verify = run("node", [tool("verify")], { env: host.env() });
    assert.equal(verify.code, 1, verify.output);
    assert.match(verify.output, /\bFAIL\b/);
    assert.doesNotMatch(verify.output, /ENAMETOOLONG|^\s+at /m);
    const allowed = run("node", [tool("verify"), "--allow-data"], { env: host.env() });
    assert.equal(allowed.code, 0, allowed.output);
    assert.match(allowed.output, /\bPASS\b/);
  });
});

describe("item 7: the operator command's temporary files are removed on every exit", () => {
  let host: TempHost;
  let tmp: string;
  before(() => {
    host = new TempHost();
    tmp = path.join(host.dir, "tmp");
    fs.mkdirSync(tmp, { mode: 0o700 });
    expectSuccess(cutter(host, ["deploy"], { TMPDIR: tmp }), "deploy");
  });
  after(() => host.dispose());

  const workDirs = () => fs.readdirSync(tmp).filter((n) => /^cutter-[a-z]+-p\d+-/.test(n));

  /** Starts `plan --out` and waits until its work directory exists. */
  async function planUntilWorkDirectory() {
    const plan = startCli(host, ["plan", "--out", path.join(host.dir, "plan.tgz")], { TMPDIR: tmp });
    await waitFor(() => workDirs().length > 0 || plan.child.exitCode !== null, 60_000, "the plan's work directory");
    assert.equal(plan.child.exitCode, null, "still planning");
    return plan;
  }

  test("SIGKILL leaves it behind (it cannot be caught); the next command removes it", async () => {
    const plan = await planUntilWorkDirectory();
    plan.kill("SIGKILL");
    await plan.done;
    const left = workDirs();
    assert.equal(left.length, 1, "left by the killed command");
    assert.match(left[0], new RegExp(`^cutter-plan-p${plan.child.pid}-`));
    expectSuccess(cutter(host, ["synth"], { TMPDIR: tmp }), "the next command");
    assert.deepEqual(workDirs(), [], "removed by the next command");
  });

  for (const [signal, whom] of [
    ["SIGINT", "the process group (Ctrl-C)"],
    ["SIGTERM", "the process group"],
    ["SIGTERM", "the command alone"],
  ] as const) {
    test(`${signal} to ${whom}: no temporary files left`, async () => {
      const plan = await planUntilWorkDirectory();
      if (whom === "the command alone") process.kill(plan.child.pid!, signal);
      else plan.kill(signal);
      const result = await plan.done;
      assert.notEqual(result.code, 0, result.output);
      assert.deepEqual(workDirs(), [], `removed on ${signal}`);
      assert.doesNotMatch(result.output, /^\s+at /m);
    });
  }
});
