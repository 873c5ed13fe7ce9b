/**
 * cli/setup.sh and cli/with-engine.sh against a cache someone got at (issue 16 item 12), and
 * the stamp that lets every npm command skip the full check (issue 13).
 *
 * Each test gets its own copy of cli/ (setup.sh, with-engine.sh) and pins/ (engine-pins.json) and its own
 * temporary cache, copied from one base cache that is set up once for the file: its provider build
 * comes from this run's own cache (verified by the npm test wrapper against the pins), so only the
 * tests that are about building run Go (seconds, with Go's build cache warm). Planted programs
 * append to a marker file when run; "never runs" is checked on that file.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { REPO, RunResult, engineInfo, run } from "./support/harness";

const PINS = JSON.parse(fs.readFileSync(path.join(REPO, "pins", "engine-pins.json"), "utf8"));
const PLATFORM = `linux_${process.arch === "arm64" ? "arm64" : "amd64"}`;
const PROVIDER = PINS.providers.local;
const PINNED = PROVIDER.sha256[PLATFORM] as string;
const BUILD = `build/local-${PROVIDER.version}/terraform-provider-local`;
const MIRRORS = ["registry.terraform.io", "registry.opentofu.org"].map(
  (h) => `mirror/${h}/${PROVIDER.source}/${PROVIDER.version}/${PLATFORM}/terraform-provider-local_v${PROVIDER.version}`,
);

const sha256 = (file: string) => createHash("sha256").update(fs.readFileSync(file)).digest("hex");

/** The environment of a shell without this run's engine environment (its engine-bin, config, CUTTER_*). */
function plainEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith("CUTTER_") || k.startsWith("TF_") || k === "TERRAFORM_BINARY_NAME") continue;
    env[k] = v;
  }
  env.PATH = (process.env.PATH ?? "")
    .split(":")
    .filter((d) => !d.endsWith("/engine-bin"))
    .join(":");
  return { ...env, CUTTER_SETUP_QUIET: "", ...extra };
}

/** A copy of cli/ and pins/ and a cache of its own, below one temporary directory. */
class Workspace {
  public readonly dir: string;
  public readonly tools: string;
  public readonly pins: string;
  public readonly cache: string;
  public readonly marker: string;

  constructor(from?: Workspace) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "cutter-setup-"));
    this.tools = path.join(this.dir, "cli");
    this.pins = path.join(this.dir, "pins");
    this.cache = path.join(this.dir, "cache");
    this.marker = path.join(this.dir, "ran");
    fs.mkdirSync(this.tools);
    fs.mkdirSync(this.pins);
    for (const f of ["setup.sh", "with-engine.sh"]) fs.copyFileSync(path.join(REPO, "cli", f), path.join(this.tools, f));
    fs.copyFileSync(path.join(REPO, "pins", "engine-pins.json"), path.join(this.pins, "engine-pins.json"));
    if (from) fs.cpSync(from.cache, this.cache, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
  }
  at(rel: string): string {
    return path.join(this.cache, rel);
  }
  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return plainEnv({ CUTTER_CACHE_DIR: this.cache, ...extra });
  }
  setup(extra: Record<string, string> = {}): RunResult {
    return run("bash", [path.join(this.tools, "setup.sh")], { cwd: this.dir, env: this.env(extra), timeoutMs: 240_000 });
  }
  withEngine(args: string[], extra: Record<string, string> = {}): RunResult {
    return run("bash", [path.join(this.tools, "with-engine.sh"), ...args], { cwd: this.dir, env: this.env(extra), timeoutMs: 240_000 });
  }
  /** A program that only leaves a trace: the proof it never ran is an absent marker file. */
  plant(file: string, size?: number): void {
    fs.rmSync(file, { force: true });
    fs.writeFileSync(file, `#!/bin/sh\necho "${file} ran" >> '${this.marker}'\necho "Terraform v1.11.4"\n`, { mode: 0o755 });
    if (size !== undefined) fs.truncateSync(file, size);
  }
  ran(): string {
    return fs.existsSync(this.marker) ? fs.readFileSync(this.marker, "utf8") : "";
  }
  dispose(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function ok(result: RunResult, what: string): RunResult {
  assert.equal(result.code, 0, `${what} failed:\n${result.output}`);
  return result;
}

describe("setup trusts no binary in its cache that does not match its pin", () => {
  let base: Workspace;
  const spaces: Workspace[] = [];
  const fresh = (): Workspace => {
    const w = new Workspace(base);
    spaces.push(w);
    return w;
  };

  before(() => {
    base = new Workspace();
    // This run's own cache holds a build the npm test wrapper verified: start from it, build nothing.
    const verified = path.join(path.dirname(engineInfo().pathPrefix), BUILD);
    if (fs.existsSync(verified) && sha256(verified) === PINNED) {
      fs.mkdirSync(path.dirname(base.at(BUILD)), { recursive: true });
      fs.copyFileSync(verified, base.at(BUILD));
      fs.chmodSync(base.at(BUILD), 0o755);
    }
    ok(base.setup(), "setup of the base cache");
  });
  after(() => {
    for (const w of [base, ...spaces]) w?.dispose();
  });

  test("setup checks every binary against its pin and stamps it; then with-engine starts no setup and runs the command", () => {
    const w = fresh();
    const first = ok(w.withEngine(["sh", "-c", 'printf "%s" "$TF_CLI_CONFIG_FILE"']), "with-engine on a copied cache");
    assert.match(first.stderr, /setup: mirror: .*sha256 verified/, "a copied cache (new inodes) is verified again");
    for (const f of [BUILD, ...MIRRORS]) assert.equal(sha256(w.at(f)), PINNED, `${f} is the pinned build`);
    const stamp = fs.readFileSync(w.at("setup.stamp"), "utf8");
    for (const f of [BUILD, ...MIRRORS, "env", "terraform.rc", "env.json", `engine-bin/${engineInfo().engine.kind}`]) {
      assert.ok(
        stamp.split("\n").some((line) => line.startsWith(`file\t${w.at(f)}\t`)),
        `the stamp covers ${f}`,
      );
    }
    const second = ok(w.withEngine(["sh", "-c", 'printf "%s" "$TF_CLI_CONFIG_FILE"']), "with-engine again");
    assert.equal(second.stderr, "", "nothing changed: the stamp holds, setup does not run");
    assert.equal(second.stdout, w.at("terraform.rc"));
  });

  test("a provider planted in the mirror, same size, same mtime, written in place, never runs: the engine gets the verified build", () => {
    const w = fresh();
    ok(w.setup(), "setup");
    for (const rel of MIRRORS) {
      const file = w.at(rel);
      const { size, mtime } = fs.statSync(file);
      const planted = Buffer.alloc(size);
      Buffer.from(`#!/bin/sh\necho "${file} ran" >> '${w.marker}'\nexit 1\n`).copy(planted);
      const fd = fs.openSync(file, "r+"); // same inode, same size, mtime put back: only ctime tells
      fs.writeSync(fd, planted, 0, size, 0);
      fs.closeSync(fd);
      fs.utimesSync(file, mtime, mtime);
    }
    const config = path.join(w.dir, "stack");
    fs.mkdirSync(config);
    fs.writeFileSync(
      path.join(config, "main.tf.json"),
      JSON.stringify({
        terraform: { required_providers: { local: { source: "hashicorp/local", version: PROVIDER.version } } },
        provider: { local: {} },
        data: { local_file: { probe: { filename: path.join(config, "main.tf.json") } } },
      }),
    );
    // The engine starts the provider (schema, data source read) from the mirror.
    const result = ok(
      w.withEngine([
        "sh",
        "-c",
        `cd '${config}' && "$CUTTER_ENGINE_PATH" init -input=false -no-color >/dev/null && "$CUTTER_ENGINE_PATH" plan -input=false -no-color`,
      ]),
      "engine plan through with-engine",
    );
    assert.match(result.stderr, /mirror\/.*terraform-provider-local_v[\d.]+ does not match its pinned sha256: it was not run; replaced by the verified build/);
    assert.match(result.stdout, /No changes|no differences/i);
    assert.equal(w.ran(), "", "the planted provider never ran");
    for (const rel of MIRRORS) assert.equal(sha256(w.at(rel)), PINNED);
  });

  test("a truncated provider build is rebuilt reproducibly (Go, the pinned toolchain) and matches its pin", () => {
    const w = fresh();
    ok(w.setup(), "setup");
    fs.truncateSync(w.at(BUILD), 1000);
    const result = ok(w.withEngine(["true"]), "with-engine after truncation");
    assert.match(
      result.stderr,
      /build\/local-[\d.]+\/terraform-provider-local does not match its pinned sha256 \([0-9a-f]{64}\): it was not run; removed, building it again/,
    );
    assert.match(result.stderr, new RegExp(`building provider hashicorp/local ${PROVIDER.version} for ${PLATFORM} \\(.*${PROVIDER.goToolchain}\\)`));
    assert.equal(sha256(w.at(BUILD)), PINNED, "the rebuilt binary is byte-identical to the pinned one");
  });

  test("a build that does not reproduce its pin is refused, says what differs, installs nothing and runs no command", () => {
    const w = fresh();
    const pins = JSON.parse(fs.readFileSync(path.join(w.pins, "engine-pins.json"), "utf8"));
    pins.providers.local.sha256[PLATFORM] = "0".repeat(64);
    fs.writeFileSync(path.join(w.pins, "engine-pins.json"), JSON.stringify(pins, null, 2));
    const result = w.withEngine(["sh", "-c", `echo command ran >> '${w.marker}'`]);
    assert.equal(result.code, 1, result.output);
    assert.match(result.stderr, /does not match its pinned sha256/, "the cached build (made for the real pin) is not trusted either");
    assert.match(
      result.stderr,
      new RegExp(
        `setup: error: provider hashicorp/local ${PROVIDER.version} built here has sha256 ${PINNED}, not the pinned 0{64}, with the pinned toolchain ${PROVIDER.goToolchain} \\(build settings: .*CGO_ENABLED=0.*\\)\\. It was not installed and will not run`,
      ),
    );
    assert.equal(fs.existsSync(w.at(BUILD)), false, "nothing was installed");
    assert.equal(fs.existsSync(w.at("setup.stamp")), false, "no stamp: the next command verifies again");
    assert.equal(w.ran(), "", "the command did not run");
  });

  test("engine-bin (first on PATH) holds only the shim: a planted node never runs", () => {
    const w = fresh();
    ok(w.setup(), "setup");
    w.plant(w.at("engine-bin/node"));
    const result = ok(w.withEngine(["node", "-e", "process.stdout.write('real node')"]), "with-engine node");
    assert.match(result.stderr, /unexpected entries in .*engine-bin .*node\): removed/);
    assert.equal(result.stdout, "real node");
    assert.equal(w.ran(), "");
  });

  test("a swapped engine shim never runs: the engine answers", () => {
    const w = fresh();
    ok(w.setup(), "setup");
    const shim = w.at(`engine-bin/${engineInfo().engine.kind}`);
    w.plant(shim);
    const result = ok(w.withEngine([engineInfo().engine.kind, "version"]), "engine version");
    assert.match(result.stdout, /^(Terraform|OpenTofu) v/);
    assert.equal(w.ran(), "");
  });

  test("an env file with a command added (mtime put back) is rewritten before it is sourced", () => {
    const w = fresh();
    ok(w.setup(), "setup");
    const env = w.at("env");
    const before = fs.readFileSync(env, "utf8");
    const { mtime } = fs.statSync(env);
    fs.appendFileSync(env, `echo sourced >> '${w.marker}'\n`);
    fs.utimesSync(env, mtime, mtime);
    ok(w.withEngine(["true"]), "with-engine");
    assert.equal(w.ran(), "", "the added line never ran");
    assert.equal(fs.readFileSync(env, "utf8"), before);
  });

  test("unexpected files in the mirror (another provider version) are removed", () => {
    const w = fresh();
    ok(w.setup(), "setup");
    const extra = w.at(`mirror/registry.terraform.io/${PROVIDER.source}/9.9.9/${PLATFORM}/terraform-provider-local_v9.9.9`);
    fs.mkdirSync(path.dirname(extra), { recursive: true });
    w.plant(extra);
    const result = ok(w.withEngine(["true"]), "with-engine");
    assert.match(result.stderr, /unexpected entries in the provider mirror .*9\.9\.9.*: the mirror was removed and is rebuilt from the verified build/);
    assert.equal(fs.existsSync(extra), false);
    for (const rel of MIRRORS) assert.equal(sha256(w.at(rel)), PINNED);
  });

  test("a FIFO where a mirror binary belongs does not hang setup; the binary is put back", () => {
    const w = fresh();
    ok(w.setup(), "setup");
    fs.rmSync(w.at(MIRRORS[0]));
    ok(run("mkfifo", [w.at(MIRRORS[0])], { env: plainEnv() }), "mkfifo");
    const result = ok(w.withEngine(["true"]), "with-engine");
    assert.match(result.stderr, /unexpected entries in the provider mirror .*: the mirror was removed and is rebuilt from the verified build/);
    assert.equal(sha256(w.at(MIRRORS[0])), PINNED);
  });

  test("a stamp holds only for what it was made for: another cache's stamp, or changed pins, make setup verify again", () => {
    const w = fresh();
    ok(w.setup(), "setup");
    fs.copyFileSync(base.at("setup.stamp"), w.at("setup.stamp")); // stale: made for another cache
    const copied = ok(w.withEngine(["true"]), "with-engine with a foreign stamp");
    assert.match(copied.stderr, /setup: mirror: .*sha256 verified/, "setup ran");
    assert.equal(ok(w.withEngine(["true"]), "with-engine").stderr, "", "its own fresh stamp holds");
    const pins = path.join(w.pins, "engine-pins.json");
    fs.writeFileSync(pins, fs.readFileSync(pins, "utf8")); // same content, new ctime: pins are re-read
    assert.match(ok(w.withEngine(["true"]), "with-engine after the pins changed").stderr, /setup: mirror: .*sha256 verified/);
  });

  test("a cache writable by others is refused before anything runs, even with a stamp forged to match", () => {
    const w = fresh();
    ok(w.setup(), "setup");
    fs.chmodSync(w.cache, 0o777);
    // Whoever could write there could also have rewritten the stamp to say so.
    const stamp = w.at("setup.stamp");
    fs.writeFileSync(stamp, fs.readFileSync(stamp, "utf8").replace(new RegExp(`^(dir\\t${w.cache}\\t\\d+\\t\\d+\\t)41ed`, "m"), "$141ff"));
    assert.match(fs.readFileSync(stamp, "utf8"), new RegExp(`dir\\t${w.cache}\\t\\d+\\t\\d+\\t41ff`), "the forged stamp records mode 0777");
    const result = w.withEngine(["sh", "-c", `echo command ran >> '${w.marker}'`]);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      new RegExp(`setup: error: ${w.cache} is writable by group or others \\(mode 0777\\): another user could plant a binary there; run chmod go-w ${w.cache}`),
    );
    assert.equal(w.ran(), "");
  });

  test("a cache owned by another user is refused", () => {
    const w = fresh();
    ok(w.setup(), "setup");
    ok(run("chown", ["-R", "nobody", w.cache], { env: plainEnv() }), "chown");
    const result = w.withEngine(["sh", "-c", `echo command ran >> '${w.marker}'`]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`setup: error: ${w.cache} belongs to uid \\d+, not to root or to you \\(uid 0\\)`));
    assert.equal(w.ran(), "");
  });

  test("a cache reached through a symbolic link is refused, as is a directory above it that others can write", () => {
    const w = fresh();
    const link = path.join(w.dir, "link");
    fs.symlinkSync(w.cache, link);
    const linked = w.withEngine(["sh", "-c", `echo command ran >> '${w.marker}'`], { CUTTER_CACHE_DIR: link });
    assert.equal(linked.code, 1);
    assert.match(linked.stderr, new RegExp(`setup: error: ${link} is a symbolic link: .*set CUTTER_CACHE_DIR to a real directory you own`));
    const open = path.join(w.dir, "open");
    fs.mkdirSync(open, { mode: 0o777 });
    fs.chmodSync(open, 0o777);
    const below = w.withEngine(["sh", "-c", `echo command ran >> '${w.marker}'`], { CUTTER_CACHE_DIR: path.join(open, "cache") });
    assert.equal(below.code, 1);
    assert.match(below.stderr, new RegExp(`setup: error: ${open} is writable by group or others \\(mode 0777\\)`));
    assert.equal(fs.existsSync(path.join(open, "cache")), false, "nothing was created below it");
    assert.equal(w.ran(), "");
  });

  test("an engine on PATH that others can replace is refused without running it; another engine on PATH is verified again", () => {
    const w = fresh();
    ok(w.setup(), "setup");
    const bin = path.join(w.dir, "bin");
    fs.mkdirSync(bin);
    w.plant(path.join(bin, engineInfo().engine.kind));
    fs.chmodSync(path.join(bin, engineInfo().engine.kind), 0o777);
    const env = { PATH: `${bin}:${plainEnv().PATH}` };
    const result = w.withEngine(["true"], env);
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`setup: error: ${bin}/${engineInfo().engine.kind} is writable by group or others \\(mode 0777\\)`));
    assert.equal(w.ran(), "", "the engine was not asked its version");
    // A trusted link to the real engine: a different engine entry, so setup checks it before the command.
    fs.rmSync(path.join(bin, engineInfo().engine.kind));
    const real = run("bash", ["-c", `readlink -f "$(PATH='${plainEnv().PATH}' command -v ${engineInfo().engine.kind})"`], { env: plainEnv() }).stdout.trim();
    fs.symlinkSync(real, path.join(bin, engineInfo().engine.kind));
    const again = ok(w.withEngine(["true"], env), "with-engine with another engine entry");
    assert.match(again.stderr, new RegExp(`setup: engine: .*\\(${real}\\)`));
    assert.match(fs.readFileSync(w.at("setup.stamp"), "utf8"), new RegExp(`\\t${bin}/${engineInfo().engine.kind}\\n`));
  });
});
