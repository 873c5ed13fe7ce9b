/**
 * Adversarial (item 4): every "outside the tree" and "not shared" check compares real
 * paths, so a symlinked spelling of a directory is that directory. Two host files
 * whose state, records or roots differ only by such a spelling, a state, record or
 * output directory inside the tree through a link: each is refused at synth (npm
 * path and the app itself), before anything runs, and a deployed host stays exactly
 * as it was.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { REPO, TempHost, expectSuccess, run, snapshot } from "./support/harness";
import { CUTTER_JS, TempHosts } from "./support/operator";
import { flat } from "./support/safety";
import { assertOneLineError } from "./support/state-faults";

describe("item 4: two hosts whose paths differ only by a symlinked spelling", () => {
  let hosts: TempHosts;
  let alias: string;
  let alphaTree: ReturnType<typeof snapshot>;
  let alphaState: Buffer;
  before(() => {
    hosts = new TempHosts();
    hosts.writeLocalHost("alpha");
    expectSuccess(hosts.cutter(["deploy", "alpha"]), "deploy alpha");
    alphaTree = snapshot(hosts.rootOf("alpha"));
    alphaState = fs.readFileSync(hosts.statePathOf("alpha"));
    // Other spellings of the state directory and of alpha's tree.
    alias = path.join(hosts.dir, "state-alias");
    fs.symlinkSync(path.join(hosts.dir, "state"), alias);
    fs.symlinkSync(path.join(hosts.dir, "alpha"), path.join(hosts.dir, "alpha-alias"));
  });
  after(() => hosts.dispose());

  const cases: Array<[string, () => Record<string, unknown>, RegExp]> = [
    [
      "the same state file",
      () => ({ state: { backend: "local", path: path.join(alias, "alpha.tfstate") } }),
      /beta\.json: state: "local file \S+alpha\.tfstate" is also the state of \S*alpha\.json/,
    ],
    [
      "the same ownership record directory",
      () => ({ state: { backend: "local", path: hosts.statePathOf("beta"), ownershipDir: path.join(alias, "alpha.tfstate.ownership") } }),
      /beta\.json: state\.ownershipDir: "\S+" is \(or overlaps\) the ownership record of \S*alpha\.json \(it resolves to \S+\/state\/alpha\.tfstate\.ownership through a symbolic link\)/,
    ],
    [
      "ownership records inside the other host's tree",
      () => ({ state: { backend: "local", path: hosts.statePathOf("beta"), ownershipDir: path.join(hosts.dir, "alpha-alias", "cutter", "runs", "records") } }),
      /beta\.json: state\.ownershipDir: "\S+" is inside the runtime root of \S*alpha\.json \(\S+\) \(it resolves to \S+\/alpha\/cutter\/runs\/records through a symbolic link\)/,
    ],
    [
      "a state inside the other host's tree",
      () => ({ state: { backend: "local", path: path.join(hosts.rootOf("alpha"), "runs", "beta.tfstate") } }),
      /beta\.json: state\.path: "\S+" is inside the runtime root of \S*alpha\.json/,
    ],
  ];
  for (const [what, beta, message] of cases) {
    test(`refuses ${what}: deploy beta (npm) and the app (raw cdktf) stop at synth; alpha is untouched`, () => {
      fs.mkdirSync(path.dirname(hosts.rootOf("beta")), { recursive: true });
      hosts.write("beta", { runtimeRoot: hosts.rootOf("beta"), ...beta() });
      try {
        const deploy = hosts.cutter(["deploy", "beta"]);
        assertOneLineError(
          deploy,
          /^cutter: cutter-runtime host files in \S+ \(fix the files and fields named below\): \d+ invalid value\(s\); nothing was changed\./,
        );
        assert.match(flat(deploy.output), message);
        const app = run("node", [path.join(REPO, "dist", "main.js")], { env: hosts.env({ CDKTF_OUTDIR: hosts.outDir }) });
        assert.equal(app.code, 1);
        assert.match(flat(app.output), message);
        assert.equal(fs.existsSync(hosts.rootOf("beta")), false, "beta not created");
        assert.deepEqual(snapshot(hosts.rootOf("alpha")), alphaTree, "alpha's tree untouched");
        assert.deepEqual(fs.readFileSync(hosts.statePathOf("alpha")), alphaState, "alpha's state untouched");
      } finally {
        fs.rmSync(path.join(hosts.hostsDir, "beta.json"));
      }
    });
  }
});

describe("item 4: the single stack's state, records or output inside its tree through a link", () => {
  let host: TempHost;
  let link: string;
  before(() => {
    host = new TempHost();
    fs.mkdirSync(path.join(host.root, "runs"), { recursive: true });
    link = path.join(host.dir, "elsewhere");
    fs.symlinkSync(path.join(host.root, "runs"), link);
  });
  after(() => host.dispose());

  const cases: Array<[string, string[], Record<string, string>, RegExp]> = [
    [
      "CUTTER_STATE_PATH",
      ["plan"],
      { CUTTER_STATE_PATH: "LINK/s.tfstate" },
      /CUTTER_STATE_PATH: "\S+\/elsewhere\/s\.tfstate" is inside the managed tree \S+ \(it resolves to \S+\/cutter\/runs\/s\.tfstate through a symbolic link\)/,
    ],
    [
      "CUTTER_OWNERSHIP_DIR",
      ["plan"],
      { CUTTER_OWNERSHIP_DIR: "LINK/records" },
      /CUTTER_OWNERSHIP_DIR: "\S+\/elsewhere\/records" overlaps the managed tree \S+ \(it resolves to \S+\/cutter\/runs\/records through a symbolic link\)/,
    ],
    ["--output", ["plan", "--output", "LINK/out"], {}, /--output \S+\/elsewhere\/out is inside the runtime tree \S+ of stack cutter-runtime/],
    ["--out (plan archive)", ["plan", "--out", "LINK/plan.tgz"], {}, /--out \S+\/elsewhere\/plan\.tgz is inside the runtime tree/],
    ["--summary", ["plan", "--summary", "LINK/summary.txt"], {}, /--summary \S+\/elsewhere\/summary\.txt is inside the runtime tree/],
  ];
  for (const [what, args, env, message] of cases) {
    test(`refuses ${what} in the tree through a symlinked spelling, before anything is written`, () => {
      const spelled = (v: string) => v.replace("LINK", link);
      const extraEnv = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, spelled(v)]));
      const argv = [CUTTER_JS, ...args.map(spelled)];
      if (!args.includes("--output")) argv.push("--output", host.outDir);
      const before = snapshot(host.root);
      const result = run("node", argv, { env: host.env(extraEnv) });
      assertOneLineError(result, /^cutter: /);
      assert.match(flat(result.output), message);
      assert.deepEqual(snapshot(host.root), before, "nothing written into the tree");
      if (Object.keys(env).length > 0) {
        const app = run("node", [path.join(REPO, "dist", "main.js")], { env: host.env({ ...extraEnv, CDKTF_OUTDIR: host.outDir }) });
        assert.equal(app.code, 1);
        assert.match(flat(app.output), message);
      }
    });
  }
});
