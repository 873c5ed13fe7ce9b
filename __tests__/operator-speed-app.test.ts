/**
 * cli/app.sh (cdktf.json's app) sources cli/build-if-stale.sh to save a shell;
 * the sourced script finds the checkout's root from $0, which is then app.sh's path.
 * Every way the app is started must still land in the checkout's root and compile only
 * when a source is newer than the last build. Run on a copy of the two scripts in a
 * throw-away checkout whose "build" and "app" only say what they did (the real scripts,
 * the real sh, npm and node; no tsc, so nothing here can rewrite the repository's dist/).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { REPO, TempHost, expectSuccess, run } from "./support/harness";

describe("cli/app.sh: the checkout's root, however it is started; build only when stale", () => {
  let top: string;
  let checkout: string;
  let builds: string;
  const env = (): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, HOME: process.env.HOME });
  const buildCount = () => (fs.existsSync(builds) ? fs.readFileSync(builds, "utf8").split("\n").filter(Boolean).length : 0);
  /** Every source an hour old, the build stamp now: nothing is stale. */
  const settle = () => {
    const old = new Date(Date.now() - 3600_000);
    for (const entry of ["main.ts", "constructs", "constructs/a.ts", "cli", "schema", "tsconfig.json", "package.json", "package-lock.json"])
      fs.utimesSync(path.join(checkout, entry), old, old);
    for (const entry of fs.readdirSync(path.join(checkout, "cli"))) fs.utimesSync(path.join(checkout, "cli", entry), old, old);
    fs.writeFileSync(path.join(checkout, "dist", ".app-build-stamp"), "");
  };

  before(() => {
    top = fs.mkdtempSync(path.join(os.tmpdir(), "cutter-app-sh-"));
    // A real path (the app prints process.cwd(), which is one).
    checkout = path.join(fs.realpathSync(top), "checkout");
    builds = path.join(top, "builds.log");
    for (const dir of ["cli", "constructs", "schema", "dist", "elsewhere"]) fs.mkdirSync(path.join(checkout, dir), { recursive: true });
    for (const script of ["app.sh", "build-if-stale.sh"]) fs.copyFileSync(path.join(REPO, "cli", script), path.join(checkout, "cli", script));
    fs.chmodSync(path.join(checkout, "cli", "app.sh"), 0o755);
    for (const file of ["main.ts", "constructs/a.ts", "tsconfig.json", "package-lock.json"]) fs.writeFileSync(path.join(checkout, file), "{}\n");
    const build = `require("fs").appendFileSync(${JSON.stringify(builds)}, process.cwd() + "\\n")`;
    fs.writeFileSync(path.join(checkout, "package.json"), JSON.stringify({ name: "app-sh-probe", private: true, scripts: { build: `node -e '${build}'` } }));
    fs.writeFileSync(path.join(checkout, "dist", "main.js"), `process.stdout.write("app ran in " + process.cwd() + "\\n");\n`);
    settle();
  });
  after(() => fs.rmSync(top, { recursive: true, force: true }));

  // [how it is started, working directory (relative to the checkout, or absolute), command and arguments]
  const ways: Array<[string, string, () => [string, string[]]]> = [
    [
      "cdktf from the project directory (cdktf.json's app through /bin/sh -c)",
      ".",
      () => ["/bin/sh", ["-c", JSON.parse(fs.readFileSync(path.join(REPO, "cdktf.json"), "utf8")).app]],
    ],
    ["sh with the script's relative path", ".", () => ["sh", ["cli/app.sh"]]],
    ["sh from cli/ (no slash in $0)", "cli", () => ["sh", ["app.sh"]]],
    ["sh ./app.sh from cli/", "cli", () => ["sh", ["./app.sh"]]],
    ["executed directly (its #! line)", ".", () => ["./cli/app.sh", []]],
    ["--app with an absolute path, from another directory", "elsewhere", () => ["/bin/sh", ["-c", `sh ${path.join(checkout, "cli", "app.sh")}`]]],
    ["--app with an absolute path, from /", "/", () => ["sh", [path.join(checkout, "cli", "app.sh")]]],
  ];
  for (const [how, cwd, command] of ways) {
    test(`${how}: runs dist/main.js in the checkout's root, no build when nothing is stale`, () => {
      const [file, args] = command();
      const before = buildCount();
      const result = run(file, args, { cwd: path.resolve(checkout, cwd), env: env() });
      assert.equal(result.code, 0, result.output);
      assert.equal(result.stdout, `app ran in ${checkout}\n`);
      assert.equal(buildCount(), before, "nothing was stale: no build");
    });
  }

  test("the npm scripts' check (sh cli/build-if-stale.sh) from the root: no build, and it does not run the app", () => {
    const before = buildCount();
    const result = run("sh", ["cli/build-if-stale.sh"], { cwd: checkout, env: env() });
    assert.equal(result.code, 0, result.output);
    assert.equal(result.stdout, "");
    assert.equal(buildCount(), before);
  });

  test("a source newer than the build: app.sh (from cli/, and from elsewhere) builds once in the root, then runs the app", () => {
    for (const [cwd, args] of [
      ["cli", ["app.sh"]],
      ["/", [path.join(checkout, "cli", "app.sh")]],
    ] as const) {
      const before = buildCount();
      fs.writeFileSync(path.join(checkout, "constructs", "a.ts"), `// edited ${cwd}\n`);
      const result = run("sh", [...args], { cwd: path.resolve(checkout, cwd), env: env() });
      assert.equal(result.code, 0, result.output);
      assert.match(result.stdout, new RegExp(`app ran in ${checkout}\\n$`));
      assert.equal(buildCount(), before + 1, `one build after an edit (${cwd})`);
      assert.deepEqual(fs.readFileSync(builds, "utf8").trim().split("\n").slice(-1), [checkout], "built in the checkout's root");
      // The stamp is the build's start: the next run has nothing stale.
      const again = run("sh", [...args], { cwd: path.resolve(checkout, cwd), env: env() });
      assert.equal(again.code, 0, again.output);
      assert.equal(buildCount(), before + 1, `no second build (${cwd})`);
    }
  });

  test("no dist/main.js (a fresh clone): builds, whatever the stamp says", () => {
    settle();
    fs.renameSync(path.join(checkout, "dist", "main.js"), path.join(top, "main.js"));
    const before = buildCount();
    // The probe's "build" writes no main.js, so the app cannot run: the build was tried, in the root.
    const result = run("sh", ["cli/build-if-stale.sh"], { cwd: checkout, env: env() });
    fs.renameSync(path.join(top, "main.js"), path.join(checkout, "dist", "main.js"));
    assert.equal(result.code, 0, result.output);
    assert.equal(buildCount(), before + 1);
  });
});

/**
 * The app as the raw cdktf commands run it (node dist/main.js, cdktf.json's app after the
 * staleness check): synth skipped while its record holds, run again after a change, and the
 * app's checks run either way (here: the output directory's privacy guard).
 */
describe("the app (raw cdktf): synth skipped while nothing changed; its checks still run", () => {
  let host: TempHost;
  const record = () => path.join(host.outDir, "cutter-synth.json");
  const identity = () => {
    const st = fs.lstatSync(record());
    return `${st.ino}:${st.mtimeMs}:${st.ctimeMs}`;
  };
  before(() => {
    host = new TempHost();
  });
  after(() => host.dispose());

  test("the second run keeps the record and the configuration; another input synthesizes again", () => {
    expectSuccess(host.synth(), "first synth");
    const first = identity();
    const config = fs.statSync(path.join(host.stackDir, "cdk.tf.json")).mtimeMs;
    expectSuccess(host.synth(), "second synth");
    assert.equal(identity(), first, "record kept: synth skipped");
    assert.equal(fs.statSync(path.join(host.stackDir, "cdk.tf.json")).mtimeMs, config);
    const other = path.join(host.dir, "elsewhere", "cutter");
    fs.mkdirSync(path.dirname(other));
    expectSuccess(host.synth({ CUTTER_RUNTIME_ROOT: other }), "synth with another root");
    assert.notEqual(identity(), first, "another input: synth ran");
    assert.match(fs.readFileSync(path.join(host.stackDir, "cdk.tf.json"), "utf8"), new RegExp(other.replace(/[/.]/g, "\\$&")));
  });

  test("with synth skipped, neither the app nor the operator CLI loads cdktf (nor the constructs); with synth run, they do", () => {
    const probe = path.join(host.dir, "cdktf-probe.js");
    // At exit: whether any module of cdktf or of the stack's constructs was loaded.
    fs.writeFileSync(
      probe,
      `process.on("exit", () => { const m = Object.keys(require.cache); process.stderr.write("loaded cdktf=" + m.some((f) => f.includes("/node_modules/cdktf/")) + " runtime-stack=" + m.some((f) => f.endsWith("/constructs/runtime-stack.js")) + "\\n"); });\n`,
    );
    const withProbe = (args: string[], extra: Record<string, string> = {}) =>
      run("node", ["--require", probe, ...args], { env: host.env({ CDKTF_OUTDIR: host.outDir, ...extra }) });
    expectSuccess(host.synth(), "synth");
    const app = expectSuccess(withProbe([path.join(REPO, "dist", "main.js")]), "the app, nothing changed");
    assert.match(app.stderr, /loaded cdktf=false runtime-stack=false/);
    const cli = expectSuccess(
      withProbe([path.join(REPO, "dist", "cli", "cutter.js"), "synth", "--output", host.outDir]),
      "the operator CLI's synth, nothing changed",
    );
    assert.match(cli.stderr, /loaded cdktf=false runtime-stack=false/);
    const changed = expectSuccess(withProbe([path.join(REPO, "dist", "main.js")], { CUTTER_SPEED_PROBE: "1" }), "the app, environment changed");
    assert.match(changed.stderr, /loaded cdktf=true runtime-stack=true/, "the probe can see cdktf when it is loaded");
  });

  test("an output directory others can write: refused although the record would hold", () => {
    expectSuccess(host.synth(), "synth");
    expectSuccess(host.synth(), "synth, skipped");
    fs.chmodSync(host.outDir, 0o777);
    const result = host.synth();
    fs.chmodSync(host.outDir, 0o700);
    assert.equal(result.code, 1, result.output);
    assert.match(result.output, /refusing to use the output directory .*someone other than you \(or root\) could write into it/);
  });
});
