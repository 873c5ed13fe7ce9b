/**
 * Adversarial: who may write what the commands use. Under any umask the state, its
 * backup and copies, the ownership records, the output directory and plan archives
 * are private; state, records or output that another user owns or can write stop
 * every command before anything runs (the original attacks: an edited state making
 * root delete a file outside the tree, a planted `*.tf.json` running as root); a
 * planted file in a private stack directory is removed at synth; an odd state path
 * (directory, FIFO, link) is refused without hanging; a read-only state directory is
 * reported as such, not as a lock.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { REPO, TempHost, expectSuccess, idOf, run, snapshot } from "./support/harness";
import { CUTTER_JS, cutter } from "./support/operator";
import { Victims, assertExactTree, flat, mount, umount, waitFor } from "./support/safety";
import { assertOneLineError, modeOf } from "./support/state-faults";

const CDKTF = path.join(REPO, "node_modules", ".bin", "cdktf");

/** Runs `command args` under `umask`, with the host's inputs. */
function underUmask(host: TempHost, umask: string, command: string, args: string[]) {
  return run("sh", ["-c", `umask ${umask}; exec "$@"`, "sh", command, ...args], { env: host.env() });
}

/** Every path below `top` (itself included) with its mode, for messages. */
function modes(top: string): Record<string, string> {
  return Object.fromEntries(
    snapshot(top)
      .filter((e) => e.type !== "symlink")
      .map((e) => [e.path, e.mode]),
  );
}

function assertPrivate(top: string, what: string): void {
  for (const [p, mode] of Object.entries(modes(top))) assert.equal(parseInt(mode, 8) & 0o077, 0, `${what}: ${p} is ${mode}`);
}

/** The output directory is 0700 and nothing in it is writable by others (the engine writes some files 0644 on purpose). */
function assertPrivateOutput(top: string): void {
  assert.equal(modeOf(top), "0700", top);
  for (const [p, mode] of Object.entries(modes(top))) assert.equal(parseInt(mode, 8) & 0o022, 0, `output directory: ${p} is ${mode}`);
}

describe("item 3: under umask 000 every file the commands write is private", () => {
  let host: TempHost;
  before(() => (host = new TempHost()));
  after(() => host.dispose());

  test("npm path: state, backup, copies, records, output and plan archive are 0600/0700; the tree keeps the layout's modes", () => {
    expectSuccess(underUmask(host, "000", "node", [CUTTER_JS, "deploy", "--output", host.outDir]), "deploy");
    // A deploy with nothing to change applies nothing (and writes no state): give it a repair to make.
    fs.chmodSync(path.join(host.root, "runs"), 0o777);
    expectSuccess(underUmask(host, "000", "node", [CUTTER_JS, "deploy", "--output", host.outDir]), "deploy again (a repair: writes the backup)");
    const archive = path.join(host.dir, "plans", "plan.tgz");
    expectSuccess(underUmask(host, "000", "node", [CUTTER_JS, "plan", "--out", archive, "--output", host.outDir]), "plan --out");
    assertExactTree(host);
    const stateDir = path.dirname(host.statePath);
    assert.ok(fs.existsSync(`${host.statePath}.backup`) && fs.existsSync(`${host.statePath}.recovery`) && fs.existsSync(`${host.statePath}.ownership`));
    assertPrivate(stateDir, "state directory");
    assertPrivateOutput(host.outDir);
    assert.equal(modeOf(archive), "0600");
    assert.equal(modeOf(path.dirname(archive)), "0700");
  });

  test("raw cdktf path: the app creates the state directory 0700; what the engine writes under umask 000 is tightened by the next command", () => {
    fs.rmSync(host.outDir, { recursive: true });
    const args = ["deploy", "--app", "node dist/main.js", "--output", host.outDir, "--auto-approve", "--skip-provider-lock"];
    expectSuccess(underUmask(host, "000", CDKTF, args), "cdktf deploy");
    assert.equal(modeOf(path.dirname(host.statePath)), "0700", "state directory");
    assert.equal(modeOf(host.outDir), "0700", "output directory");
    expectSuccess(cutter(host, ["plan"]), "plan");
    assertPrivate(path.dirname(host.statePath), "state directory");
    assertPrivateOutput(host.outDir);
    assertExactTree(host);
  });
});

describe("item 3: state, records or output someone else can write stop every command", () => {
  let host: TempHost;
  let victims: Victims;
  const nobody = idOf("user", "nobody");
  before(() => {
    host = new TempHost();
    victims = new Victims();
    expectSuccess(cutter(host, ["deploy"]), "deploy");
  });
  after(() => {
    victims.dispose();
    host.dispose();
  });

  test("the original attack: nobody edits a world-writable state so that root's destroy would delete a file outside the tree", () => {
    const stateDir = path.dirname(host.statePath);
    fs.chmodSync(stateDir, 0o755);
    fs.chmodSync(host.statePath, 0o666);
    const original = fs.readFileSync(host.statePath, "utf8");
    const state = JSON.parse(original);
    const file = state.resources.find((r: any) => r.type === "local_file");
    file.instances[0].attributes.filename = victims.file;
    fs.writeFileSync(path.join(host.dir, "evil.tfstate"), JSON.stringify(state));
    const edit = run("runuser", ["-u", "nobody", "--", "cp", path.join(host.dir, "evil.tfstate"), host.statePath], { env: process.env });
    assert.equal(edit.code, 0, `nobody could write the state: ${edit.output}`);
    for (const [how, result] of [
      ["npm", cutter(host, ["destroy", "--auto-approve"])],
      ["cdktf", host.cdktf("destroy")],
    ] as const) {
      assert.equal(result.code, 1, `${how}: ${result.output.slice(-2000)}`);
      assert.match(
        flat(result.output),
        /refusing to use the state and records of stack cutter-runtime \(from environment variables\).* the state file \S+ is writable by others \(mode 0666\)/,
        how,
      );
    }
    victims.assertUntouched();
    assertExactTree(host);
    fs.writeFileSync(host.statePath, original);
    fs.chmodSync(host.statePath, 0o600);
    fs.chmodSync(stateDir, 0o700);
  });

  const cases: Array<[string, () => () => void, RegExp]> = [
    [
      "a state file owned by another user",
      () => {
        fs.chownSync(host.statePath, nobody, 0);
        return () => fs.chownSync(host.statePath, 0, 0);
      },
      /the state file \S+ is owned by uid \d+, not by you \(uid 0\) or root/,
    ],
    [
      "a state directory writable by others (even sticky)",
      () => {
        fs.chmodSync(path.dirname(host.statePath), 0o1777);
        return () => fs.chmodSync(path.dirname(host.statePath), 0o700);
      },
      /the state directory \S+ is writable by others \(mode 1777\)/,
    ],
    [
      "a directory above the state that others can write (not sticky)",
      () => {
        fs.chmodSync(host.dir, 0o777);
        return () => fs.chmodSync(host.dir, 0o755);
      },
      /is writable by others \(mode 0777\) and not sticky/,
    ],
    [
      "an ownership record owned by another user",
      () => {
        const dir = `${host.statePath}.ownership`;
        const record = path.join(dir, fs.readdirSync(dir)[0]);
        fs.chownSync(record, nobody, 0);
        return () => fs.chownSync(record, 0, 0);
      },
      /the ownership record \S+ is owned by uid \d+/,
    ],
    [
      "an ownership record directory writable by others",
      () => {
        fs.chmodSync(`${host.statePath}.ownership`, 0o777);
        return () => fs.chmodSync(`${host.statePath}.ownership`, 0o700);
      },
      /the ownership record directory \S+ is writable by others \(mode 0777\)/,
    ],
    [
      "a state backup that is a symbolic link",
      () => {
        const backup = `${host.statePath}.backup`;
        fs.rmSync(backup, { force: true });
        fs.symlinkSync(victims.file, backup);
        return () => fs.rmSync(backup);
      },
      /the state file \S+\.backup is a symbolic link; it must be the file itself/,
    ],
    [
      "a recovery copy owned by another user",
      () => {
        const dir = `${host.statePath}.recovery`;
        const copy = path.join(dir, fs.readdirSync(dir)[0]);
        fs.chownSync(copy, nobody, 0);
        return () => fs.chownSync(copy, 0, 0);
      },
      /the recovery file \S+ is owned by uid \d+/,
    ],
  ];
  for (const [what, make, message] of cases) {
    test(`refuses ${what}, changing nothing`, () => {
      const state = fs.readFileSync(host.statePath);
      const undo = make();
      try {
        const result = cutter(host, ["deploy"]);
        assertOneLineError(result, /^cutter-runtime: refusing to use the state and records of stack cutter-runtime/);
        assert.match(flat(result.output), message);
        assert.match(result.output, /nothing was changed/);
        assert.doesNotMatch(result.output, /Initializing|Apply complete/);
        assert.deepEqual(fs.readFileSync(host.statePath), state);
      } finally {
        undo();
      }
    });
  }

  test("an output directory others can write, with a planted *.tf.json: refused before synth, the planted code never runs (npm and cdktf)", () => {
    const marker = path.join(host.dir, "PWNED");
    const planted = path.join(host.stackDir, "evil.tf.json");
    const evil = { resource: { terraform_data: { evil: { provisioner: [{ "local-exec": { command: `touch ${marker}` } }] } } } };
    fs.chmodSync(host.outDir, 0o777);
    fs.writeFileSync(planted, JSON.stringify(evil));
    try {
      for (const [how, result] of [
        ["npm", cutter(host, ["deploy"])],
        ["cdktf", host.cdktf("deploy")],
      ] as const) {
        assert.notEqual(result.code, 0, how);
        assert.match(flat(result.output), /refusing to use the output directory \S+: someone other than you \(or root\) could write into it/, how);
        assert.match(flat(result.output), /remove it \(rm -rf \S+\) and run the command again/, how);
      }
      assert.equal(fs.existsSync(marker), false, "the planted provisioner never ran");
    } finally {
      fs.chmodSync(host.outDir, 0o700);
    }
    // Private again: synth removes what it did not write (also a planted provider dir and variables), and nothing planted runs.
    fs.mkdirSync(path.join(host.stackDir, "terraform.d", "plugins"), { recursive: true });
    fs.writeFileSync(path.join(host.stackDir, "x.auto.tfvars.json"), "{}");
    const deploy = expectSuccess(cutter(host, ["deploy"]), "deploy");
    assert.match(deploy.output, /removed \S+evil\.tf\.json: synth did not write it/);
    assert.equal(fs.existsSync(marker), false, "the planted provisioner never ran");
    assert.deepEqual(fs.readdirSync(host.stackDir).sort(), [".terraform", ".terraform.lock.hcl", "cdk.tf.json"]);
    assertExactTree(host);
  });
});

describe("an output directory that holds other things", () => {
  let host: TempHost;
  before(() => (host = new TempHost()));
  after(() => host.dispose());

  test("only what the commands write there is checked and tightened; the rest keeps its modes", () => {
    const out = path.join(host.dir, "private");
    fs.mkdirSync(path.join(out, "notes"), { recursive: true, mode: 0o700 });
    fs.chmodSync(out, 0o700);
    fs.writeFileSync(path.join(out, "notes", "shared.txt"), "x", { mode: 0o666 });
    fs.chmodSync(path.join(out, "notes", "shared.txt"), 0o666);
    fs.chmodSync(path.join(out, "notes"), 0o777);
    const synth = run("node", [CUTTER_JS, "synth", "--output", out], { env: host.env() });
    expectSuccess(synth, "synth");
    assert.equal(modeOf(path.join(out, "notes")), "0777");
    assert.equal(modeOf(path.join(out, "notes", "shared.txt")), "0666");
    assert.equal(modeOf(path.join(out, "stacks")), "0700");
  });
});

describe("odd things at the state path are refused in one line, without hanging", () => {
  let host: TempHost;
  before(() => (host = new TempHost()));
  after(() => host.dispose());

  const cases: Array<[string, (statePath: string) => void, RegExp]> = [
    ["a directory", (p) => fs.mkdirSync(p), /the state file \S+ is not a regular file/],
    ["a FIFO", (p) => expectSuccess(run("mkfifo", [p], { env: process.env }), "mkfifo"), /the state file \S+ is not a regular file/],
    ["a symbolic link to a state elsewhere", (p) => fs.symlinkSync("/etc/hostname", p), /the state file \S+ is a symbolic link; it must be the file itself/],
    ["a dangling symbolic link", (p) => fs.symlinkSync("/nonexistent/x.tfstate", p), /the state file \S+ is a symbolic link/],
  ];
  for (const [what, make, message] of cases) {
    test(`the state file is ${what}`, () => {
      const dir = fs.mkdtempSync(path.join(host.dir, "odd-"));
      fs.chmodSync(dir, 0o700);
      const statePath = path.join(dir, "s.tfstate");
      make(statePath);
      const result = run("node", [CUTTER_JS, "deploy", "--output", host.outDir], { env: host.env({ CUTTER_STATE_PATH: statePath }), timeoutMs: 60_000 });
      assertOneLineError(result, /^cutter-runtime: refusing to use the state and records/);
      assert.match(flat(result.output), message);
      assert.equal(fs.existsSync(host.root), false, "nothing created");
    });
  }

  test("the state directory is a file", () => {
    const file = path.join(host.dir, "plain-file");
    fs.writeFileSync(file, "x");
    const result = run("node", [CUTTER_JS, "plan", "--output", host.outDir], { env: host.env({ CUTTER_STATE_PATH: path.join(file, "s.tfstate") }) });
    assertOneLineError(result, /^cutter-runtime: refusing to use the state and records/);
    assert.match(flat(result.output), /the state directory \S+plain-file is not a directory/);
  });
});

describe("item 15: a read-only state directory is reported as read-only, a held lock as a lock", () => {
  let host: TempHost;
  let stateDir: string;
  before(() => {
    host = new TempHost();
    expectSuccess(cutter(host, ["deploy"]), "deploy");
    stateDir = path.dirname(host.statePath);
  });
  after(() => host.dispose());

  test("read-only: plan and destroy say so, and do not blame a lock", () => {
    mount(["--bind", stateDir, stateDir]);
    mount(["-o", "remount,bind,ro", stateDir]);
    try {
      for (const verb of ["plan", "destroy"]) {
        const result = cutter(host, verb === "destroy" ? [verb, "--auto-approve"] : [verb]);
        assert.equal(result.code, 1, result.output);
        assert.match(
          flat(result.output),
          /The state could not be locked because its directory is on a read-only filesystem \(\S+\); nothing was changed\. Remount it read-write/,
          verb,
        );
        assert.doesNotMatch(result.output, /locked by another/, verb);
      }
      assertExactTree(host);
    } finally {
      umount(stateDir);
    }
  });

  test("a lock held by another process: the hint says so", async () => {
    // The local backend locks with fcntl on the state file; hold it the same way.
    const holder = spawn(
      "python3",
      ["-c", "import fcntl,sys,time; f=open(sys.argv[1],'r+'); fcntl.lockf(f, fcntl.LOCK_EX); print('locked', flush=True); time.sleep(60)", host.statePath],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let locked = false;
    holder.stdout!.on("data", () => (locked = true));
    try {
      await waitFor(() => locked, 10_000, "the lock");
      const result = cutter(host, ["plan"]);
      assert.equal(result.code, 1, result.output);
      assert.match(flat(result.output), /The state is locked by another plan or deploy of this stack: wait for it to finish/);
    } finally {
      holder.kill("SIGKILL");
    }
  });
});
