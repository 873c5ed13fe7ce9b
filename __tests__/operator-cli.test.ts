/**
 * The operator commands help themselves (issue 11, item 7): every command answers --help
 * (usage, options, exit codes) and --version; an unknown option names itself and points to
 * --help; plan --detailed-exitcode exits 0/2/1 like the engine's -detailed-exitcode; destroy
 * asks on a terminal (run under `script -qc`), needs --auto-approve without one, and its
 * hint repeats the options in use.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { REPO, TempHost, engineInfo, expectSuccess, planCounts, run, snapshot } from "./support/harness";
import { CUTTER_JS, cutter } from "./support/operator";

const VERIFY_JS = path.join(REPO, "dist", "cli", "verify.js");
const VERBS = ["synth", "plan", "deploy", "destroy"];

function versionOf(file: string): string {
  return JSON.parse(fs.readFileSync(file, "utf8")).version;
}

/** `command` on a terminal: util-linux script gives it a pseudo-terminal; `input` is typed into it. */
function onTerminal(host: TempHost, command: string, input: string) {
  const env = host.env();
  delete env.CI;
  return run("script", ["-qec", command, "/dev/null"], { env, input });
}

describe("--help and --version on every command (no engine run)", () => {
  for (const verb of VERBS) {
    test(`${verb} --help: usage, options and exit codes, exit 0`, () => {
      const help = run("node", [CUTTER_JS, verb, "--help"]);
      assert.equal(help.code, 0, help.output);
      assert.match(help.stdout, new RegExp(`^usage: npm run ${verb} -- \\[host\\]`));
      assert.match(help.stdout, /\noptions:\n/);
      assert.match(help.stdout, /-h, --help +show this help/);
      assert.match(help.stdout, /\nexit codes: 0 /);
    });
  }

  test("verify --help: usage, options and exit codes, exit 0 (it was 'unknown argument')", () => {
    const help = run("node", [VERIFY_JS, "--help"]);
    assert.equal(help.code, 0, help.output);
    assert.match(help.stdout, /^usage: npm run verify -- \[host\] \[--json\] \[--markdown FILE\] \[--allow-data\] \[--require-env\]/);
    assert.match(help.stdout, /\nexit codes: 0 PASS, 1 FAIL .*, 2 usage error/);
  });

  test("--version (and -V) name this tool, cdktf, the engine and the provider, on every command", () => {
    const pins = JSON.parse(fs.readFileSync(path.join(REPO, "pins", "engine-pins.json"), "utf8"));
    const provider = Object.values(pins.providers as Record<string, { source: string; version: string }>)[0];
    for (const args of [["--version"], ["plan", "-V"], ["destroy", "--version"]]) {
      const shown = run("node", [CUTTER_JS, ...args]);
      assert.equal(shown.code, 0, shown.output);
      assert.match(shown.stdout, new RegExp(`^cutter-runtime ${versionOf(path.join(REPO, "package.json"))}`, "m"));
      assert.match(
        shown.stdout,
        new RegExp(
          `^cdktf +${versionOf(path.join(REPO, "node_modules", "cdktf", "package.json"))} \\(cdktf-cli ${versionOf(path.join(REPO, "node_modules", "cdktf-cli", "package.json"))}\\)`,
          "m",
        ),
      );
      assert.match(shown.stdout, new RegExp(`^engine +${engineInfo().engine.kind} ${engineInfo().engine.version.replace(/\./g, "\\.")} `, "m"));
      assert.match(shown.stdout, new RegExp(`^provider +${provider.source} ${provider.version}`, "m"));
    }
    const verify = run("node", [VERIFY_JS, "--version"]);
    assert.equal(verify.code, 0, verify.output);
    assert.match(verify.stdout, /^cutter-runtime \S+/);
  });

  test("an unknown option names itself and points to that command's --help; exit 1", () => {
    const wrong = run("node", [CUTTER_JS, "plan", "--bogus"]);
    assert.equal(wrong.code, 1);
    assert.match(wrong.output, /unknown option "--bogus"/);
    assert.match(wrong.output, /see: npm run plan -- --help/);
  });
});

describe("plan --detailed-exitcode and the destroy prompt, on one real tree", () => {
  let host: TempHost;
  before(() => (host = new TempHost()));
  after(() => host.dispose());

  test("plan --detailed-exitcode: 2 while changes are pending, 0 once deployed, 1 on an error", () => {
    const pending = cutter(host, ["plan", "--detailed-exitcode"]);
    assert.equal(pending.code, 2, pending.output.slice(-2000));
    assert.ok(planCounts(pending.output).add > 0);
    expectSuccess(cutter(host, ["deploy"]), "deploy");
    const none = cutter(host, ["plan", "--detailed-exitcode"]);
    assert.equal(none.code, 0, none.output.slice(-2000));
    assert.deepEqual(planCounts(none.output), { add: 0, change: 0, destroy: 0 });
    const error = cutter(host, ["plan", "--detailed-exitcode"], { CUTTER_RUNTIME_ROOT: "relative/root" });
    assert.equal(error.code, 1, error.output.slice(-2000));
    assert.match(error.output, /CUTTER_RUNTIME_ROOT/);
  });

  test("destroy with no terminal and no --auto-approve stops before anything runs; the hint repeats the options in use", () => {
    const before = snapshot(host.root);
    const refused = cutter(host, ["destroy"]);
    assert.equal(refused.code, 1, refused.output);
    assert.match(refused.output, /destroy asks before it removes anything, and there is no terminal to ask on; nothing was changed/);
    assert.ok(refused.output.includes(`npm run destroy -- --auto-approve --output ${host.outDir}`), refused.output);
    assert.deepEqual(snapshot(host.root), before);
  });

  test("on a terminal destroy asks: anything but 'yes' keeps the tree, 'yes' destroys it", () => {
    const before = snapshot(host.root);
    const command = `node '${CUTTER_JS}' destroy --output '${host.outDir}'`;
    const declined = onTerminal(host, command, "no\n");
    assert.equal(declined.code, 1, declined.output);
    assert.match(declined.output, new RegExp(`Destroy the runtime tree ${host.root} of stack cutter-runtime`));
    assert.match(declined.output, /Only 'yes' goes on/);
    assert.match(declined.output, /not confirmed; nothing was changed/);
    assert.deepEqual(snapshot(host.root), before, "nothing removed");
    const confirmed = onTerminal(host, command, "yes\n");
    assert.equal(confirmed.code, 0, confirmed.output.slice(-3000));
    assert.equal(fs.existsSync(host.root), false, "the tree is gone");
  });
});
