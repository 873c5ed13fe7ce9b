/**
 * One stack per host, from host files: two hosts synthesized side by side with
 * different roots, applied and destroyed independently; a bad host file stops
 * synth naming the file and the field, with nothing changed.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { REPO, engineInfo, expectSuccess, planCounts, run, snapshot } from "./support/harness";
import { TempHosts } from "./support/operator";

describe("two hosts from host files, side by side", () => {
  let hosts: TempHosts;
  before(() => {
    hosts = new TempHosts();
    hosts.writeLocalHost("alpha");
    hosts.writeLocalHost("beta", { owner: "nobody", group: "nogroup", envFile: "/etc/cutter/beta.env" });
  });
  after(() => hosts.dispose());

  test("synth writes one stack per host, each with its own root and state", () => {
    const synth = expectSuccess(hosts.cutter(["synth"]), "synth");
    assert.match(synth.output, /host alpha \(.*alpha\.json, stack cutter-runtime-alpha\)/);
    assert.match(synth.output, /host beta \(.*beta\.json, stack cutter-runtime-beta\)/);
    const stack = (name: string) => JSON.parse(fs.readFileSync(path.join(hosts.outDir, "stacks", `cutter-runtime-${name}`, "cdk.tf.json"), "utf8"));
    const alpha = stack("alpha");
    const beta = stack("beta");
    assert.deepEqual(alpha.terraform.backend, { local: { path: hosts.statePathOf("alpha") } });
    assert.deepEqual(beta.terraform.backend, { local: { path: hosts.statePathOf("beta") } });
    assert.match(JSON.stringify(alpha), new RegExp(hosts.rootOf("alpha")));
    assert.doesNotMatch(JSON.stringify(alpha), new RegExp(hosts.rootOf("beta")));
    assert.match(JSON.stringify(beta), /\/etc\/cutter\/beta\.env/);
  });

  test("a command on several hosts must name one", () => {
    const result = hosts.cutter(["plan"]);
    assert.equal(result.code, 1);
    assert.match(result.output, /name the host to act on: one of alpha, beta/);
    const unknown = hosts.cutter(["plan", "gamma"]);
    assert.match(unknown.output, /no host "gamma": the host files define alpha, beta/);
  });

  test("deploy of alpha (through npm run, as a pipeline does) creates alpha only", () => {
    const kind = engineInfo().engine.kind;
    // npm run re-runs setup: keep it on the engine under test (CUTTER_ENGINE is not passed on by engineEnv).
    const deployed = run("npm", ["run", "--silent", "deploy", "--", "alpha", "--output", hosts.outDir], { env: hosts.env({ CUTTER_ENGINE: kind }) });
    expectSuccess(deployed, "npm run deploy -- alpha");
    assert.equal(engineInfo().engine.kind, kind, "setup kept the engine under test");
    assert.equal(fs.statSync(path.join(hosts.rootOf("alpha"), "runs")).uid, 0);
    assert.equal(fs.existsSync(hosts.rootOf("beta")), false, "beta untouched");
    assert.equal(fs.existsSync(hosts.statePathOf("beta")), false, "beta has no state");
  });

  test("plain cdktf works on one host's stack too: cdktf plan cutter-runtime-alpha sees 0 changes", () => {
    const cdktf = path.join(REPO, "node_modules", ".bin", "cdktf");
    const planned = run(cdktf, ["plan", "cutter-runtime-alpha", "--app", "node dist/main.js", "--output", hosts.outDir, "--skip-provider-lock"], {
      env: hosts.env(),
    });
    assert.deepEqual(planCounts(expectSuccess(planned, "cdktf plan cutter-runtime-alpha").output), { add: 0, change: 0, destroy: 0 });
  });

  test("a saved plan for beta applies to beta; alpha is untouched", () => {
    const alphaTree = snapshot(hosts.rootOf("alpha"));
    const planFile = path.join(hosts.dir, "beta.tgz");
    expectSuccess(hosts.cutter(["plan", "beta", "--out", planFile]), "plan beta");
    const refused = hosts.cutter(["deploy", "alpha", "--plan", planFile]);
    assert.match(refused.output, /it is the plan of host beta, not of host alpha/);
    expectSuccess(hosts.cutter(["deploy", "beta", "--plan", planFile]), "deploy beta --plan");
    assert.equal(fs.statSync(path.join(hosts.rootOf("beta"), "runs")).uid, 65534, "beta's owner");
    assert.deepEqual(snapshot(hosts.rootOf("alpha")), alphaTree);
    assert.deepEqual(planCounts(expectSuccess(hosts.cutter(["plan", "alpha"]), "plan alpha").output), { add: 0, change: 0, destroy: 0 });
  });

  test("destroy of alpha removes alpha only; then beta is destroyed on its own", () => {
    const betaTree = snapshot(hosts.rootOf("beta"));
    expectSuccess(hosts.cutter(["destroy", "alpha", "--auto-approve"]), "destroy alpha");
    assert.equal(fs.existsSync(hosts.rootOf("alpha")), false);
    assert.deepEqual(snapshot(hosts.rootOf("beta")), betaTree, "beta untouched");
    expectSuccess(hosts.cutter(["destroy", "beta", "--auto-approve"]), "destroy beta");
    assert.equal(fs.existsSync(hosts.rootOf("beta")), false);
  });
});

describe("bad host files stop synth, naming the file and the field, and change nothing", () => {
  let hosts: TempHosts;
  before(() => (hosts = new TempHosts()));
  after(() => hosts.dispose());

  const cases: Array<[string, unknown, RegExp]> = [
    ["a relative runtime root", { runtimeRoot: "srv/cutter" }, /hosts\/bad\.json: runtimeRoot: "srv\/cutter" must be an absolute path/],
    [
      "an owner with a shell command",
      { owner: "root;touch /tmp/PWNED-HOSTS" },
      /hosts\/bad\.json: owner: "root;touch \/tmp\/PWNED-HOSTS" must be a POSIX user\/group name/,
    ],
    [
      "a misspelt field",
      { runtime_root: "/srv/cutter" },
      /hosts\/bad\.json: "runtime_root" is not a known field \(its value is not shown\); the fields are runtimeRoot, owner, group, envFile, adoptExisting, backupKeyStatus, reportReference, state/,
    ],
    [
      "a connection string where the variable name belongs",
      { state: { backend: "pg", pgConnEnv: "postgres://u:p@db/x" } },
      /hosts\/bad\.json: state\.pgConnEnv: "postgres:\/\/u:p@db\/x" must be an environment variable NAME/,
    ],
    ["an unknown backend", { state: { backend: "s3" } }, /hosts\/bad\.json: state\.backend: "s3" must be one of local, pg/],
    ["a number for the group", { group: 0 }, /hosts\/bad\.json: group: 0 must be a string/],
    [
      "broken JSON",
      '{ "runtimeRoot": "/srv/cutter", }',
      /hosts\/bad\.json: is not valid JSON \(unexpected character "}"; expected a key in double quotes at line 1 column 33\)/,
    ],
  ];
  for (const [what, content, message] of cases) {
    test(`fails for ${what}`, () => {
      hosts.writeLocalHost("good");
      hosts.write("bad", content);
      const result = hosts.cutter(["deploy", "good"]);
      assert.equal(result.code, 1);
      assert.match(result.output, message);
      assert.match(result.output, /nothing was changed/);
      assert.equal(fs.existsSync(hosts.rootOf("good")), false, "a bad file stops every host");
      assert.equal(fs.existsSync(hosts.statePathOf("good")), false);
      assert.equal(fs.existsSync("/tmp/PWNED-HOSTS"), false);
    });
  }

  test("the app itself (plain cdktf synth) rejects it the same way", () => {
    hosts.write("bad", { runtimeRoot: "/var/lib" });
    const result = run("node", [path.join(__dirname, "..", "main.js")], { env: hosts.env({ CDKTF_OUTDIR: hosts.outDir }) });
    assert.equal(result.code, 1);
    assert.match(result.output, /hosts\/bad\.json: runtimeRoot: "\/var\/lib" is not allowed: its name "lib" does not start with "cutter"/);
  });

  test("per-host environment variables conflict with host files", () => {
    fs.rmSync(path.join(hosts.hostsDir, "bad.json"));
    const result = hosts.cutter(["plan", "good"], { CUTTER_RUNTIME_ROOT: "/srv/elsewhere" });
    assert.equal(result.code, 1);
    assert.match(result.output, /host files in .*hosts are in use, but CUTTER_RUNTIME_ROOT is set; nothing was changed/);
  });
});
