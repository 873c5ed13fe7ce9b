/**
 * What the operator commands skip when nothing changed, and that every change is noticed:
 * synth (app/synth-record.ts), `<engine> version` (app/engine-identity.ts) and init
 * (cli/init-record.ts). A stale record must never skip a needed synth or init.
 *
 * Real commands (node dist/cli/cutter.js, as the npm scripts run it), the real engine,
 * one deploy shared by the cases. The code runs from a throw-away copy of the checkout
 * (dist/ and constructs/scripts copied, node_modules linked) so that a case can edit a
 * script or a module without touching the repository. The engine is a logging shim
 * (`#!/bin/sh`, one `exec` of the real engine, the form setup writes) first on PATH and as
 * CUTTER_ENGINE_PATH: its log says which engine commands ran (version, init, plan...).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { REPO, RunResult, engineEnv, engineInfo, planCounts, run } from "./support/harness";
import { TempHosts } from "./support/operator";

describe("operator speed: synth, version and init are skipped only while nothing they depend on changed", () => {
  let top: string;
  let checkout: string;
  let hosts: TempHosts;
  let bin: string;
  let shim: string;
  let log: string;
  let hostFile: string;
  const HOST = "alpha";
  const record = () => path.join(hosts.outDir, "cutter-synth.json");
  const stackDir = () => path.join(hosts.outDir, "stacks", `cutter-runtime-${HOST}`);
  /** Identity of a file (inode and times); "none" when it is missing. Changes whenever the file is rewritten. */
  const identity = (file: string) => {
    try {
      const st = fs.lstatSync(file);
      return `${st.ino}:${st.mtimeMs}:${st.ctimeMs}`;
    } catch {
      return "none";
    }
  };
  const calls = () => (fs.existsSync(log) ? fs.readFileSync(log, "utf8").split("\n").filter(Boolean) : []);
  const writeShim = (comment = "") =>
    fs.writeFileSync(shim, `#!/bin/sh\n${comment}echo "$1" >>'${log}'\nexec '${engineInfo().engine.path}' "$@"\n`, { mode: 0o755 });

  /** The operator CLI from the copy, with the host files and the logging engine; returns the result and the engine commands it ran. */
  const cli = (args: string[], extraEnv: Record<string, string> = {}): RunResult & { engine: string[]; synthRan: boolean } => {
    const before = calls().length;
    const recordBefore = identity(record());
    const result = run("node", [path.join(checkout, "dist", "cli", "cutter.js"), ...args, "--output", hosts.outDir], {
      env: hosts.env({ PATH: `${bin}:${engineEnv().PATH}`, CUTTER_ENGINE_PATH: shim, ...extraEnv }),
    });
    return { ...result, engine: calls().slice(before), synthRan: identity(record()) !== recordBefore };
  };
  const ok = <T extends RunResult>(result: T, what: string): T => {
    assert.equal(result.code, 0, `${what} failed:\n${result.output.slice(-4000)}`);
    return result;
  };
  const config = () => fs.readFileSync(path.join(stackDir(), "cdk.tf.json"), "utf8");

  before(() => {
    top = fs.mkdtempSync(path.join(os.tmpdir(), "cutter-speed-records-"));
    checkout = path.join(top, "checkout");
    fs.mkdirSync(path.join(checkout, "constructs"), { recursive: true });
    fs.cpSync(path.join(REPO, "dist"), path.join(checkout, "dist"), { recursive: true });
    fs.cpSync(path.join(REPO, "constructs", "scripts"), path.join(checkout, "constructs", "scripts"), { recursive: true });
    fs.copyFileSync(path.join(REPO, "package.json"), path.join(checkout, "package.json"));
    fs.symlinkSync(path.join(REPO, "node_modules"), path.join(checkout, "node_modules"));
    bin = path.join(top, "bin");
    fs.mkdirSync(bin);
    shim = path.join(bin, "terraform");
    log = path.join(top, "engine-calls.log");
    writeShim();
    hosts = new TempHosts();
    hostFile = hosts.writeLocalHost(HOST);
  });
  after(() => {
    hosts.dispose();
    fs.rmSync(top, { recursive: true, force: true });
  });

  test("nothing changed: the second command skips synth and asks no version; deploy inits once; the plan runs only plan and show", () => {
    const first = ok(cli(["synth"]), "first synth");
    assert.equal(first.synthRan, true);
    assert.deepEqual(first.engine, ["version"], "cdktf's engine check asked once");
    const again = ok(cli(["synth"]), "second synth");
    assert.equal(again.synthRan, false, "the record held: synth skipped");
    assert.deepEqual(again.engine, [], "no engine command at all");
    const deploy = ok(cli(["deploy", HOST]), "deploy");
    assert.match(deploy.output, /Apply complete!/);
    // deploy plans into a file, reads it for the summary (show) and applies that plan (issue 11).
    assert.deepEqual(deploy.engine, ["init", "plan", "show", "apply"], "the version came with the record; init ran once");
    const plan = ok(cli(["plan", HOST]), "no-op plan");
    assert.match(plan.output, /No changes\./);
    assert.equal(plan.synthRan, false);
    assert.deepEqual(plan.engine, ["plan", "show"], "no version, no init");
  });

  test("a host file edited: synth runs and the plan shows the change; edited back, synth runs again", () => {
    const original = fs.readFileSync(hostFile, "utf8");
    hosts.writeLocalHost(HOST, { envFile: "/opt/speed-probe/.env" });
    const plan = ok(cli(["plan", HOST]), "plan after the host file changed");
    assert.equal(plan.synthRan, true);
    assert.match(config(), /\/opt\/speed-probe\/\.env/);
    assert.ok(planCounts(plan.output).change + planCounts(plan.output).add > 0, plan.output.slice(-3000));
    fs.writeFileSync(hostFile, original);
    const back = ok(cli(["synth"]), "synth after the host file was restored");
    assert.equal(back.synthRan, true);
    assert.doesNotMatch(config(), /speed-probe/);
  });

  test("a script edited: synth runs and the new text is in the configuration; edited back, synth runs again", () => {
    const script = path.join(checkout, "constructs", "scripts", "observe.sh");
    const original = fs.readFileSync(script, "utf8");
    fs.writeFileSync(script, `${original}\n# speed-probe: an edited script\n`);
    const edited = ok(cli(["synth"]), "synth after a script edit");
    assert.equal(edited.synthRan, true);
    assert.match(config(), /speed-probe: an edited script/);
    fs.writeFileSync(script, original);
    const back = ok(cli(["synth"]), "synth after the script was restored");
    assert.equal(back.synthRan, true);
    assert.doesNotMatch(config(), /speed-probe/);
  });

  test("a module of the app edited (same output): synth runs", () => {
    const module = path.join(checkout, "dist", "constructs", "runtime-readme.js");
    fs.appendFileSync(module, "\n// speed-probe\n");
    assert.equal(ok(cli(["synth"]), "synth after a module edit").synthRan, true);
    assert.equal(ok(cli(["synth"]), "synth again").synthRan, false, "and the new record holds");
  });

  test("an environment variable changed or added: synth runs; and a synth that rewrites the same bytes costs no init or version", () => {
    // Settles init on the configuration as it is now (an earlier case planned another one).
    ok(cli(["plan", HOST]), "plan");
    const changed = ok(cli(["synth"], { LANG: "C.UTF-8", CUTTER_SPEED_PROBE: "1" }), "synth with another environment");
    assert.equal(changed.synthRan, true);
    assert.deepEqual(changed.engine, [], "the engine is the same file: its version came with the old record");
    const plan = ok(cli(["plan", HOST]), "plan with the usual environment again");
    assert.equal(plan.synthRan, true, "the environment changed back: synth again");
    assert.deepEqual(plan.engine, ["plan", "show"], "the configuration's bytes are the same: no init; the same engine: no version");
    assert.match(plan.output, /No changes\./);
  });

  test("the synthesized configuration edited, or the record made writable by others: synth runs and restores it", () => {
    const file = path.join(stackDir(), "cdk.tf.json");
    const original = config();
    fs.writeFileSync(file, original.replace("{", '{"//speed-probe": 1, '));
    const edited = ok(cli(["synth"]), "synth after the configuration was edited");
    assert.equal(edited.synthRan, true);
    assert.equal(config(), original);
    fs.chmodSync(record(), 0o666);
    const writable = ok(cli(["synth"]), "synth with a record others can write");
    assert.equal(writable.synthRan, true);
    assert.equal(fs.statSync(record()).mode & 0o777, 0o600);
  });

  test("the engine changed (the shim rewritten): version is asked, synth and init run again", () => {
    writeShim("# speed-probe: another engine build\n");
    const plan = ok(cli(["plan", HOST]), "plan after the engine changed");
    assert.equal(plan.synthRan, true);
    assert.deepEqual(plan.engine, ["version", "init", "plan", "show"]);
    assert.match(plan.output, /No changes\./);
  });

  test("an engine that is not the one on PATH (CUTTER_ENGINE_PATH set apart): asked once, with the synth; then never while it is the same file", () => {
    const apart = path.join(top, "engine-apart");
    fs.writeFileSync(apart, `#!/bin/sh\necho "apart-$1" >>'${log}'\nexec '${engineInfo().engine.path}' "$@"\n`, { mode: 0o755 });
    const first = ok(cli(["plan", HOST], { CUTTER_ENGINE_PATH: apart }), "plan with an engine apart");
    assert.equal(first.synthRan, true, "another environment: synth runs");
    assert.deepEqual(
      first.engine,
      ["apart-version", "apart-init", "apart-plan", "apart-show"],
      "the engine on PATH is known; the one apart is asked once (and init runs: another engine)",
    );
    const again = ok(cli(["plan", HOST], { CUTTER_ENGINE_PATH: apart }), "plan again");
    assert.deepEqual(again.engine, ["apart-plan", "apart-show"]);
  });

  test("init's inputs touched (lock file edited, providers removed): init runs again and the plan works", () => {
    const lock = path.join(stackDir(), ".terraform.lock.hcl");
    fs.appendFileSync(lock, "# speed-probe\n");
    const edited = ok(cli(["plan", HOST]), "plan after the lock file was edited");
    assert.deepEqual(edited.engine, ["init", "plan", "show"]);
    fs.rmSync(path.join(stackDir(), ".terraform", "providers"), { recursive: true, force: true });
    const removed = ok(cli(["plan", HOST]), "plan after the providers were removed");
    assert.deepEqual(removed.engine, ["init", "plan", "show"]);
    assert.match(removed.output, /No changes\./);
    assert.deepEqual(ok(cli(["plan", HOST]), "plan again").engine, ["plan", "show"], "and then init is skipped again");
  });

  test("the state edited behind the CLI's back, with synth and init skipped: the engine sees the edit, and a cut-off state is refused", () => {
    const statePath = hosts.statePathOf(HOST);
    const original = fs.readFileSync(statePath, "utf8");
    const state = JSON.parse(original);
    const kept = state.resources.filter((r: { type: string }) => r.type !== "local_file");
    assert.ok(kept.length < state.resources.length, "the state holds the local files");
    fs.writeFileSync(statePath, JSON.stringify({ ...state, resources: kept }));
    const plan = ok(cli(["plan", HOST]), "plan after resources were removed from the state");
    assert.equal(plan.synthRan, false);
    assert.deepEqual(plan.engine, ["plan", "show"]);
    assert.ok(planCounts(plan.output).add > 0, `the engine saw the edited state:\n${plan.output.slice(-3000)}`);
    fs.writeFileSync(statePath, original.slice(0, Math.floor(original.length / 2)));
    const cut = cli(["plan", HOST]);
    assert.equal(cut.code, 1, cut.output);
    assert.match(cut.output, /state of .* is unusable: .* so the engine would see none of the \d+ resource\(s\)/);
    assert.deepEqual(cut.engine, [], "refused before any engine command");
    fs.writeFileSync(statePath, original);
    assert.match(ok(cli(["plan", HOST]), "plan with the state restored").output, /No changes\./);
  });
});
