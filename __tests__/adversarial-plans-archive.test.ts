/**
 * Saved-plan archives as an attacker forges them (issue 16 item 4, issue 10 item 15):
 * links, devices, FIFOs, absolute and ".." names, duplicates, a decompression bomb and
 * a FIFO given as the archive are refused by name before anything is written, nothing
 * hangs and no temporary directory is left; an archive or summary is never written
 * through a link planted at its name or at a temporary name beside it.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { TempHost, expectSuccess, run, snapshot } from "./support/harness";
import { CUTTER_JS, cutter } from "./support/operator";
import { ARCHIVE_MEMBERS, archiveMembers, forgeBomb, forgeTar } from "./support/forge";
import { Victims } from "./support/safety";

describe("saved-plan archives: only the expected regular files, under caps", () => {
  let host: TempHost;
  let victims: Victims;
  let genuine: Buffer;
  let tmp: string;
  const file = (name: string) => path.join(host.dir, name);
  /** deploy --plan of `archive`, with a private TMPDIR so leftovers are visible. */
  const deploy = (archive: Buffer | string, extra: string[] = []) => {
    const planPath = typeof archive === "string" ? archive : file(`forged-${Math.random().toString(16).slice(2)}.tgz`);
    if (typeof archive !== "string") fs.writeFileSync(planPath, archive);
    const started = Date.now();
    const result = run("node", [CUTTER_JS, "deploy", "--plan", planPath, ...extra, "--output", host.outDir], {
      env: host.env({ TMPDIR: tmp }),
      timeoutMs: 120_000,
    });
    return { ...result, seconds: (Date.now() - started) / 1000 };
  };
  const assertRefusedUntouched = (result: ReturnType<typeof deploy>, pattern: RegExp) => {
    assert.equal(result.code, 1, result.output.slice(-2000));
    assert.match(result.output, pattern);
    assert.match(result.output, /nothing was changed/);
    assert.doesNotMatch(result.output, /Apply complete|Initializing the backend/);
    assert.equal(fs.existsSync(host.root), false, "no tree was created");
    assert.equal(fs.existsSync(host.statePath), false, "no state was written");
    assert.deepEqual(fs.readdirSync(tmp), [], "no temporary directory is left behind");
    victims.assertUntouched();
  };

  before(() => {
    host = new TempHost();
    victims = new Victims();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cutter-test-tmp-"));
    expectSuccess(cutter(host, ["plan", "--out", file("genuine.tgz")]), "plan --out");
    genuine = fs.readFileSync(file("genuine.tgz"));
  });
  after(() => {
    host.dispose();
    victims.dispose();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test("the archive holds exactly the expected members, each a regular file of mode 0600", () => {
    const listed = run("tar", ["-tvzf", file("genuine.tgz")], { env: process.env });
    assert.equal(listed.code, 0);
    const lines = listed.stdout.trim().split("\n");
    assert.deepEqual(
      lines.map((l) => l.split(/\s+/).pop()),
      ARCHIVE_MEMBERS,
    );
    for (const l of lines) assert.match(l, /^-rw------- /, l);
    assert.equal(fs.statSync(file("genuine.tgz")).mode & 0o777, 0o600);
  });

  test("item 4: a symbolic link member (stack/.terraform -> a directory outside) is refused by name; nothing is written through it", () => {
    const members = archiveMembers(genuine);
    const forged = forgeTar([
      ...ARCHIVE_MEMBERS.map((name) => ({ name, data: members.get(name)! })),
      { name: "stack/.terraform", type: "2", linkname: victims.directory },
    ]);
    assertRefusedUntouched(deploy(forged), /member "stack\/\.terraform" is a symbolic link; only regular files are accepted/);
  });

  test("item 4: a FIFO member is refused at once (nothing opens it), and so is a FIFO given as the archive", () => {
    const members = archiveMembers(genuine);
    const forged = forgeTar([
      { name: "manifest.json", data: members.get("manifest.json")! },
      { name: "stack/cdk.tf.json", type: "6" },
    ]);
    const result = deploy(forged);
    assertRefusedUntouched(result, /member "stack\/cdk\.tf\.json" is a FIFO; only regular files are accepted/);
    assert.ok(result.seconds < 60, `answered in ${result.seconds}s`);
    const fifo = file("plan-fifo.tgz");
    expectSuccess(run("mkfifo", [fifo], { env: process.env }), "mkfifo");
    const fromFifo = deploy(fifo);
    assertRefusedUntouched(fromFifo, /--plan .*plan-fifo\.tgz: it is not a regular file; nothing was changed/);
    assert.ok(fromFifo.seconds < 60, `answered in ${fromFifo.seconds}s`);
  });

  test("item 4: a 2 MB archive expanding to 2 GB with an unexpected member is refused without expanding it", () => {
    const bomb = forgeBomb("stack/evil.bin", 2 * 1024 * 1024 * 1024);
    assert.ok(bomb.length < 4 * 1024 * 1024, `the bomb is ${bomb.length} bytes`);
    const result = deploy(bomb);
    assertRefusedUntouched(result, /it expands to more than 67108864 bytes/);
    assert.ok(result.seconds < 60, `answered in ${result.seconds}s`);
  });

  test("own attacks: hard links, devices, directories, absolute and '..' names, duplicates, extra and missing members are refused by name", () => {
    const members = archiveMembers(genuine);
    const all = ARCHIVE_MEMBERS.map((name) => ({ name, data: members.get(name)! }));
    const cases: Array<[string, Parameters<typeof forgeTar>[0], RegExp]> = [
      ["hard link", [...all.slice(0, 2), { name: "stack/cdk.tf.json", type: "1", linkname: victims.file }], /member "stack\/cdk\.tf\.json" is a hard link/],
      ["character device", [{ name: "plan.tfplan", type: "3" }], /member "plan\.tfplan" is a character device/],
      ["directory", [{ name: "stack/", type: "5" }, ...all], /member "stack\/" is a directory/],
      ["absolute name", [...all, { name: path.join(victims.dir, "planted"), data: Buffer.from("x") }], /has an absolute or "\.\." name/],
      ["'..' name", [...all, { name: "stack/../../planted", data: Buffer.from("x") }], /has an absolute or "\.\." name/],
      // tar extracts the last of two members with one name: the reviewed one first, another one after it.
      ["duplicate", [...all, { name: "stack/cdk.tf.json", data: Buffer.from("{}") }], /member "stack\/cdk\.tf\.json" appears twice/],
      ["extra member", [...all, { name: "stack/extra.tf.json", data: Buffer.from("{}") }], /member "stack\/extra\.tf\.json" is not part of a saved plan/],
      ["missing member", all.filter((m) => m.name !== "review.json"), /it lacks review\.json/],
    ];
    for (const [what, forged, pattern] of cases) {
      const result = deploy(forgeTar(forged));
      assert.equal(result.code, 1, `${what}: ${result.output.slice(-1500)}`);
      assert.match(result.output, pattern, what);
      assert.doesNotMatch(result.output, /Initializing the backend/, what);
    }
    assert.equal(fs.existsSync(path.join(victims.dir, "planted")), false, "nothing was written outside");
    assert.equal(fs.existsSync(host.root), false);
    assert.deepEqual(fs.readdirSync(tmp), []);
    victims.assertUntouched();
  });

  test("issue 10 item 15: plan --out never writes through a link planted at PLAN.tgz.tmp or at PLAN.tgz itself; --summary neither", () => {
    const out = file("linked.tgz");
    fs.symlinkSync(victims.file, `${out}.tmp`);
    fs.symlinkSync(victims.file, out);
    const summary = file("linked-summary.txt");
    fs.symlinkSync(victims.file, summary);
    const before = snapshot(host.dir).filter((e) => !e.path.startsWith(host.outDir));
    expectSuccess(cutter(host, ["plan", "--out", out, "--summary", summary]), "plan --out over planted links");
    victims.assertUntouched();
    assert.equal(fs.lstatSync(out).isFile(), true, "the archive replaced the link at its name");
    assert.equal(fs.lstatSync(out).mode & 0o777, 0o600);
    assert.equal(fs.lstatSync(summary).isFile(), true);
    assert.equal(fs.readlinkSync(`${out}.tmp`), victims.file, "the planted temp-name link is left alone, unused");
    assert.deepEqual(archiveMembers(fs.readFileSync(out)).size, ARCHIVE_MEMBERS.length);
    // Nothing else appeared beside the archive (no temporary file left).
    const after = snapshot(host.dir)
      .filter((e) => !e.path.startsWith(host.outDir))
      .map((e) => e.path);
    assert.deepEqual(
      after.filter((p) => !before.some((b) => b.path === p)),
      [],
    );
    const dirOut = file("a-directory.tgz");
    fs.mkdirSync(dirOut);
    const intoDir = cutter(host, ["plan", "--out", dirOut]);
    assert.equal(intoDir.code, 1);
    assert.match(intoDir.output, /--out .*a-directory\.tgz: cannot write it \(it is a directory\)/);
  });
});

describe("deploy --plan interrupted: its private temporary directory never outlives it", () => {
  let host: TempHost;
  let tmp: string;
  let archive: string;
  before(() => {
    host = new TempHost();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cutter-test-tmp-"));
    archive = path.join(host.dir, "plan.tgz");
    expectSuccess(cutter(host, ["plan", "--out", archive]), "plan --out");
  });
  after(() => {
    host.dispose();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** An engine process (not node) in process group `pgid`: a Ctrl-C reaches it. */
  const engineRunsIn = (pgid: number) =>
    fs.readdirSync("/proc").some((pid) => {
      try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        const [comm, rest] = [stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")), stat.slice(stat.lastIndexOf(")") + 2).split(" ")];
        return Number(rest[2]) === pgid && /^(terraform|tofu)/.test(comm);
      } catch {
        return false;
      }
    });

  /** Starts deploy --plan in its own process group; resolves once its temporary directory exists and the engine runs. */
  async function startDeploy(): Promise<{ pid: number; exited: Promise<number | null> }> {
    const child = spawn("node", [CUTTER_JS, "deploy", "--plan", archive, "--output", host.outDir], {
      env: host.env({ TMPDIR: tmp }),
      detached: true,
      stdio: "ignore",
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code, signal) => resolve(code ?? (signal ? -1 : null))));
    const made = () => fs.readdirSync(tmp).some((n) => n.startsWith("cutter-deploy-p"));
    const deadline = Date.now() + 120_000;
    while (!(made() && engineRunsIn(child.pid!)) && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    assert.ok(made() && child.exitCode === null, "deploy --plan made its temporary directory and runs the engine");
    return { pid: child.pid!, exited };
  }

  test("Ctrl-C (SIGINT to the process group) removes it; after a SIGKILL the next command sweeps it", async () => {
    const interrupted = await startDeploy();
    process.kill(-interrupted.pid, "SIGINT");
    assert.notEqual(await interrupted.exited, 0);
    assert.deepEqual(fs.readdirSync(tmp), [], "removed on the way out");
    const killed = await startDeploy();
    process.kill(-killed.pid, "SIGKILL");
    await killed.exited;
    assert.equal(fs.readdirSync(tmp).length, 1, "a SIGKILL cannot be caught: the directory stays");
    expectSuccess(run("node", [CUTTER_JS, "plan", "--output", host.outDir], { env: host.env({ TMPDIR: tmp }) }), "the next command");
    assert.deepEqual(fs.readdirSync(tmp), [], "the next command removed the directory of the process that is gone");
  });
});
