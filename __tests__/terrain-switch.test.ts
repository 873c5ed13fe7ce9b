/**
 * The CDK switch (docs/cdk-terrain.md): CUTTER_CDK selects cdktf 0.21 (default) or CDK
 * Terrain's cdktn 0.24, core and local provider bindings together, never mixed, on one
 * constructs; a bad value stops every entry point with one line; the bindings checked in
 * are what `cdktn get` generates from the offline mirror; and this run of the suite is on
 * the CDK (and, for cdktn, the Node) it says.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { CDK_CORE, CDK_FLAVOUR } from "../constructs/cdk";
import { CdkFlavour, TERRAIN_DIR, cdkFlavourOf } from "../constructs/cdk-flavour";
import { CDK_CLI, REPO, TempHost, engineEnv, expectSuccess, run } from "./support/harness";
import { CUTTER_JS } from "./support/operator";
import { WITH_ENGINE, needsTerrain } from "./support/terrain";

const DIST = path.join(REPO, "dist");
const PINS = JSON.parse(fs.readFileSync(path.join(REPO, "pins", "engine-pins.json"), "utf8"));

/** What a process loads with this CUTTER_CDK (undefined: unset): the core, whether the bindings belong to that core, every module file it loaded. */
function loadedWith(value: string | undefined, dist = DIST): { code: number | null; stderr: string; facts?: any } {
  const probe = `
    const cdk = require(${JSON.stringify(path.join(dist, "constructs", "cdk.js"))});
    const local = require(${JSON.stringify(path.join(dist, "constructs", "local-provider.js"))});
    console.log(JSON.stringify({
      flavour: cdk.CDK_FLAVOUR,
      core: cdk.CDK_CORE,
      resourceOfThisCore: local.File.prototype instanceof cdk.TerraformResource && local.SensitiveFile.prototype instanceof cdk.TerraformResource
        && local.DataLocalCommand.prototype instanceof cdk.TerraformDataSource,
      modules: Object.keys(require.cache),
    }));`;
  const env = engineEnv();
  delete env.CUTTER_CDK;
  if (value !== undefined) env.CUTTER_CDK = value;
  const result = run("node", ["-e", probe], { env });
  return { code: result.code, stderr: result.stderr, facts: result.code === 0 ? JSON.parse(result.stdout) : undefined };
}

const modulesOf = (modules: string[], needle: string) => modules.filter((m) => m.includes(needle));
const constructsModules = (modules: string[]) => modules.filter((m) => /\/node_modules\/constructs\/lib\/index\.js$/.test(m));

describe("CUTTER_CDK selects the CDK core and its local provider bindings together", () => {
  test("unset, empty or cdktf: cdktf 0.21 with the prebuilt @cdktf/provider-local; nothing of CDK Terrain is loaded", () => {
    for (const value of [undefined, "", "cdktf"]) {
      const { code, stderr, facts } = loadedWith(value);
      assert.equal(code, 0, stderr);
      assert.equal(facts.flavour, "cdktf", `CUTTER_CDK=${value}`);
      assert.deepEqual(facts.core, { name: "cdktf", version: "0.21.0" });
      assert.equal(facts.resourceOfThisCore, true, "the local bindings are resources of the core loaded");
      assert.ok(modulesOf(facts.modules, "/node_modules/@cdktf/provider-local/").length > 0);
      assert.deepEqual(modulesOf(facts.modules, `${TERRAIN_DIR}/`), [], "no CDK Terrain module loaded");
      assert.deepEqual(constructsModules(facts.modules), [path.join(REPO, "node_modules", "constructs", "lib", "index.js")], "one constructs: the project's");
    }
    assert.equal(cdkFlavourOf({}), "cdktf");
  });

  test("cdktn: cdktn 0.24 with the bindings generated for it; neither cdktf nor @cdktf/provider-local is loaded; one constructs", needsTerrain(), () => {
    const { code, stderr, facts } = loadedWith("cdktn");
    assert.equal(code, 0, stderr);
    assert.equal(facts.flavour, "cdktn");
    assert.deepEqual(facts.core, { name: "cdktn", version: "0.24.0" });
    assert.equal(facts.resourceOfThisCore, true, "the generated bindings are resources of the core loaded");
    assert.ok(modulesOf(facts.modules, `${TERRAIN_DIR}/node_modules/cdktn/`).length > 0);
    assert.ok(modulesOf(facts.modules, `${TERRAIN_DIR}/build/providers/local/`).length > 0);
    assert.deepEqual(modulesOf(facts.modules, "/node_modules/cdktf/"), [], "cdktf's core is not loaded beside cdktn");
    assert.deepEqual(modulesOf(facts.modules, "/node_modules/@cdktf/provider-local/"), [], "the prebuilt bindings (made for cdktf) are not loaded");
    assert.deepEqual(
      constructsModules(facts.modules),
      [path.join(REPO, "node_modules", "constructs", "lib", "index.js")],
      "one constructs: the project's, which cdktn resolves too",
    );
    const constructsVersion = JSON.parse(fs.readFileSync(path.join(REPO, "node_modules", "constructs", "package.json"), "utf8")).version;
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- cdktn's own semver, found by path
    const semver = require(path.join(TERRAIN_DIR, "node_modules", "cdktn", "node_modules", "semver"));
    for (const pkg of [
      path.join(TERRAIN_DIR, "node_modules", "cdktn"),
      path.join(REPO, "node_modules", "cdktf"),
      path.join(REPO, "node_modules", "@cdktf", "provider-local"),
    ]) {
      const manifest = JSON.parse(fs.readFileSync(path.join(pkg, "package.json"), "utf8"));
      const range = manifest.peerDependencies?.constructs ?? manifest.dependencies?.constructs;
      if (range) assert.ok(semver.satisfies(constructsVersion, range), `constructs ${constructsVersion} is outside ${manifest.name}'s ${range}`);
    }
  });
});

describe("a bad CUTTER_CDK", () => {
  let host: TempHost;
  before(() => (host = new TempHost()));
  after(() => host.dispose());

  for (const value of ["cdktn ", "CDKTN", "terraform"]) {
    test(`${JSON.stringify(value)} stops the app, the npm scripts and setup with one line naming it and both choices; nothing is written`, () => {
      const entries = {
        app: host.synth({ CUTTER_CDK: value }),
        "npm scripts (cli/with-engine.sh)": run("bash", [WITH_ENGINE, "node", CUTTER_JS, "synth", "--output", host.outDir], {
          env: host.env({ CUTTER_CDK: value }),
        }),
        setup: run("bash", [path.join(REPO, "cli", "terrain-setup.sh")], { env: host.env({ CUTTER_CDK: value }) }),
      };
      for (const [entry, result] of Object.entries(entries)) {
        assert.equal(result.code, 1, `${entry}: ${result.output}`);
        const lines = result.stderr.trim().split("\n");
        assert.equal(lines.length, 1, `${entry} says it in one line:\n${result.stderr}`);
        assert.match(lines[0], /CUTTER_CDK=\S/, entry);
        assert.ok(lines[0].includes(value.trim()), `${entry} names the value: ${lines[0]}`);
        assert.match(lines[0], /use cdktf \(CDK for Terraform 0\.21, the default\) or cdktn \(CDK Terrain 0\.24\); nothing was changed\.$/, entry);
        assert.equal(result.stdout, "", `${entry} printed nothing else`);
      }
      assert.equal(fs.existsSync(host.outDir), false, "nothing synthesized");
      assert.equal(fs.existsSync(host.root), false);
    });
  }

  test("cdktn before CDK Terrain is installed: one line with the command that installs it, and the default still works there", () => {
    // A checkout whose terrain/ was never set up: the compiled seam below a project directory of its own.
    const project = fs.mkdtempSync(path.join(os.tmpdir(), "cutter-no-terrain-"));
    try {
      fs.cpSync(path.join(DIST, "constructs"), path.join(project, "dist", "constructs"), { recursive: true });
      fs.symlinkSync(path.join(REPO, "node_modules"), path.join(project, "node_modules"));
      const missing = loadedWith("cdktn", path.join(project, "dist"));
      assert.equal(missing.code, 1);
      assert.deepEqual(missing.stderr.trim().split("\n"), [
        "cutter-runtime: CUTTER_CDK=cdktn selects CDK Terrain, but it is not installed (terrain/node_modules/cdktn/package.json is missing); nothing was changed. Run `CUTTER_CDK=cdktn npm run setup` first.",
      ]);
      const standard = loadedWith(undefined, path.join(project, "dist"));
      assert.equal(standard.code, 0, standard.stderr);
      assert.equal(standard.facts.flavour, "cdktf");
    } finally {
      fs.rmSync(project, { recursive: true, force: true });
    }
  });
});

describe("the raw CLI of CDK Terrain", () => {
  test("the app knows `cdktn VERB` as the command that runs it (its state guard then acts for that verb)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cutter-invoker-"));
    try {
      // A stand-in named cdktn that runs the app's own ancestor lookup, as cdktn runs the app.
      const cli = path.join(dir, "cdktn");
      fs.writeFileSync(
        cli,
        `#!/bin/sh\nnode -e 'const i = require(${JSON.stringify(path.join(DIST, "app", "invoking-command.js"))}); const c = i.invokingCommand(); console.log(JSON.stringify([c, i.engineVerbOf(c)]))'\n`,
        { mode: 0o755 },
      );
      for (const [verb, engineVerb] of [
        ["deploy", "deploy"],
        ["destroy", "destroy"],
        ["diff", "plan"],
      ]) {
        const result = expectSuccess(run("sh", ["-c", `"$0" ${verb} --auto-approve`, cli], { env: process.env }), `cdktn ${verb}`);
        assert.deepEqual(JSON.parse(result.stdout), [{ tool: "cdktn", verb }, engineVerb]);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the local provider bindings for CDK Terrain (terrain/gen)", needsTerrain(), () => {
  test("are generated for the provider the mirror serves, and are byte for byte what `cdktn get` generates from the mirror now", () => {
    const wanted = `${PINS.providers.local.source}@${PINS.providers.local.version}`;
    const config = JSON.parse(fs.readFileSync(path.join(TERRAIN_DIR, "cdktf.json"), "utf8"));
    assert.deepEqual(config.terraformProviders, [wanted], "terrain/cdktf.json names the pinned provider");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cutter-cdktn-get-"));
    try {
      fs.copyFileSync(path.join(TERRAIN_DIR, "cdktf.json"), path.join(dir, "cdktf.json"));
      // Offline: the engine environment's CLI config names only the filesystem mirror.
      const got = run("bash", [WITH_ENGINE, "cdktn", "get"], { cwd: dir, env: engineEnv({ CUTTER_CDK: "cdktn" }) });
      expectSuccess(got, "cdktn get");
      const files = (top: string) => {
        const list: string[] = [];
        const visit = (rel: string) => {
          for (const e of fs.readdirSync(path.join(top, rel), { withFileTypes: true })) {
            const r = path.join(rel, e.name);
            if (e.isDirectory()) visit(r);
            else list.push(r);
          }
        };
        visit("providers");
        return [...list.sort(), "versions.json"];
      };
      const generated = files(path.join(dir, "gen"));
      assert.deepEqual(files(path.join(TERRAIN_DIR, "gen")), generated, "the same files");
      assert.ok(generated.includes(path.join("providers", "local", "file", "index.ts")));
      for (const f of generated) {
        assert.equal(
          fs.readFileSync(path.join(TERRAIN_DIR, "gen", f), "utf8"),
          fs.readFileSync(path.join(dir, "gen", f), "utf8"),
          `terrain/gen/${f}: regenerate (docs/cdk-terrain.md)`,
        );
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("this run of the suite", () => {
  let host: TempHost;
  before(() => (host = new TempHost()));
  after(() => host.dispose());

  test("is on the CDK CUTTER_CDK names: the app synthesizes with its core, the tests run its CLI, and cdktn's leg runs on Node >= 22.19", () => {
    const flavour: CdkFlavour = cdkFlavourOf(process.env);
    assert.equal(CDK_FLAVOUR, flavour);
    assert.equal(CDK_CORE.name, flavour);
    expectSuccess(host.synth(), "synth");
    assert.equal(host.synthesized["//"].metadata.version, CDK_CORE.version, "cdk.tf.json names the core that synthesized it");
    assert.equal(path.basename(CDK_CLI), flavour);
    const version = expectSuccess(run(CDK_CLI, ["--version"]), `${flavour} --version`);
    assert.equal(version.stdout.trim(), CDK_CORE.version, "CLI and core are the same version");
    if (flavour === "cdktn") {
      const [major, minor] = process.versions.node.split(".").map(Number);
      assert.ok(major > 22 || (major === 22 && minor >= 19), `Node ${process.version}: cdktn-cli needs >= 22.19`);
    }
  });
});
