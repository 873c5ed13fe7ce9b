/** The safety constructs as synthesized: what the engine will be asked to do. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { LocalProvider } from "../constructs/local-provider";
import { TerraformStack, Testing } from "../constructs/cdk";
import { testApp } from "./support/test-app";
import {
  CUTTER_LAYOUT,
  DestroyGuard,
  ManagedFile,
  PathKind,
  RuntimeTree,
  TreeObservation,
  fromTerraformLiteral,
  readRuntimeInputs,
  recordKey,
} from "../constructs";

function synthWith(build: (stack: TerraformStack) => void): any {
  const stack = new TerraformStack(testApp(), "safety");
  new LocalProvider(stack, "local");
  build(stack);
  return JSON.parse(Testing.synth(stack, true));
}

const tree = () => synthWith((s) => new RuntimeTree(s, "Tree", { rootPath: "/srv/cutter", ownership: { directory: "/srv/state/own" } }));

describe("DestroyGuard", () => {
  test("depends on every other managed resource, so destroy removes it first", () => {
    const json = tree();
    const data = json.resource.terraform_data;
    const guardName = Object.keys(data).find((k) => k.includes("DestroyGuard"))!;
    const guard = data[guardName];
    const others = [
      ...Object.keys(data)
        .filter((k) => k !== guardName)
        .map((k) => `terraform_data.${k}`),
      ...Object.keys(json.resource.local_file).map((k) => `local_file.${k}`),
    ].sort();
    // Tree remover, root chunk + directories chunk, the files' write guard, 2 files, their owner/mode step (the survey is the guard's own step).
    assert.equal(others.length, 1 + 2 + 1 + 2 + 1);
    assert.deepEqual([...guard.depends_on].sort(), others);
  });

  test("has stable triggers (the root only) and a destroy-time check that reads only self", () => {
    const json = tree();
    const guard = Object.entries<any>(json.resource.terraform_data).find(([k]) => k.includes("DestroyGuard"))![1];
    assert.deepEqual(guard.triggers_replace, { root: "/srv/cutter" });
    const entries = [...CUTTER_LAYOUT.subdirectories.map((s) => s.name), CUTTER_LAYOUT.configFileName, CUTTER_LAYOUT.readmeFileName];
    assert.equal(guard.input.root_entries, entries.join(" "));
    assert.equal(guard.input.record_dir, "/srv/state/own");
    const [record, check, forget] = guard.provisioner.map((p: any) => p["local-exec"]);
    assert.equal(guard.provisioner.length, 3);
    // The survey: recorded when the guard is created (after everything), removed only after the check passed.
    assert.deepEqual([record.command, record.when, record.environment.CUTTER_SURVEY_ACTION], ["cutter-survey", "create", "record"]);
    assert.deepEqual([forget.command, forget.when, forget.environment.CUTTER_SURVEY_ACTION], ["cutter-survey", "destroy", "forget"]);
    assert.equal(forget.environment.CUTTER_RECORD_DIR, '${lookup(self.input, "record_dir", "")}');
    assert.equal(check.when, "destroy");
    for (const value of Object.values<string>(check.environment)) assert.match(value, /^\$\{(self\.input\.[a-z0-9_]+|lookup\(self\.input, "[a-z_]+", ""\))\}$/);
    assert.equal(check.command, "cutter-check-before-destroy");
    assert.doesNotMatch(fromTerraformLiteral(check.interpreter[2]), /\/srv\/cutter/);
  });

  test("fails if a path is not directly below the root or a hash is not sha256", () => {
    assert.throws(
      () =>
        synthWith(
          (s) => new DestroyGuard(s, "G", { rootPath: "/srv/c", directories: ["/srv/c/a/b"], files: [{ path: "/srv/c/f", sha256: "x" }], dependsOn: [] }),
        ),
      (e: Error) =>
        /2 invalid value\(s\)/.test(e.message) &&
        /path: "\/srv\/c\/a\/b" must be directly below the root/.test(e.message) &&
        /sha256: "x" must be 64/.test(e.message),
    );
  });
});

describe("TreeObservation link check", () => {
  const dir = (p: string) => ({ path: p, kind: PathKind.DIRECTORY, owner: "root", group: "root", mode: "0750" });

  test("runs /bin/sh with a constant script; paths, their parents and the hashed files are arguments", () => {
    const json = synthWith((s) => new TreeObservation(s, "O", { paths: [dir("/srv/cutter"), dir("/srv/cutter/runs")] }));
    const [observe] = Object.values<any>(json.data.local_command);
    assert.equal(observe.command, "/bin/sh");
    assert.deepEqual(observe.arguments.slice(2), ["cutter-observe", "/srv/cutter", "/srv/cutter/runs", "--", "/srv", "/srv/cutter", "--"]);
    assert.doesNotMatch(observe.arguments[1], /\/srv\/cutter/);
    assert.match(fromTerraformLiteral(observe.arguments[1]), /refusing to plan: these managed paths are \(or go through\) symbolic links/);
    assert.equal(observe.allow_non_zero_exit_code, undefined, "a link found fails the read, and with it the plan");
  });

  test("fails for a hostile path", () => {
    assert.throws(
      () => synthWith((s) => new TreeObservation(s, "O", { paths: [dir("/srv/$(id)")] })),
      /paths\[0\]\.path: "\/srv\/\$\(id\)" has an unsafe segment/,
    );
  });
});

describe("ManagedFile write guard", () => {
  test("runs before the write, is replaced with every content change, and refuses links", () => {
    const json = synthWith(
      (s) => new ManagedFile(s, "F", { path: "/srv/x/f", content: "a\n", ownership: { directory: "/srv/state/own", adoptExisting: true } }),
    );
    const [file] = Object.values<any>(json.resource.local_file);
    const [guardName, guard] = Object.entries<any>(json.resource.terraform_data).find(([k]) => k.includes("WriteGuard"))!;
    assert.ok(file.depends_on.includes(`terraform_data.${guardName}`));
    assert.match(guard.triggers_replace.files["/srv/x/f"], /^[0-9a-f]{64}$/);
    const [create] = guard.provisioner.map((p: any) => p["local-exec"]);
    assert.match(fromTerraformLiteral(create.interpreter[2]), /\$what: it is a symbolic link; nothing was written/);
    assert.deepEqual(create.environment, {
      CUTTER_FILE_COUNT: "1",
      CUTTER_PATH_1: "/srv/x/f",
      CUTTER_SHA256_1: guard.triggers_replace.files["/srv/x/f"],
      CUTTER_RECORD_KEY_1: recordKey("/srv/x/f"),
      CUTTER_RECORD_DIR: "/srv/state/own",
      CUTTER_ADOPT: "1",
    });
    assert.equal(guard.provisioner.length, 1, "no destroy-time step: a replaced guard undoes nothing");
    assert.match(fromTerraformLiteral(create.interpreter[2]), /\$what: it has \$links hard links/);
  });

  test("fails if the ownership record is inside the file's path", () => {
    assert.throws(
      () => synthWith((s) => new ManagedFile(s, "F", { path: "/srv/x", content: "a\n", ownership: { directory: "/srv/x/own" } })),
      /ownership\.directory: "\/srv\/x\/own" overlaps the managed tree/,
    );
  });
});

describe("inputs for ownership", () => {
  test("the record defaults to <state file>.ownership and adoption to off", () => {
    const inputs = readRuntimeInputs({ CUTTER_RUNTIME_ROOT: "/srv/cutter", CUTTER_STATE_PATH: "/srv/state/s.tfstate" });
    assert.equal(inputs.ownershipDir, "/srv/state/s.tfstate.ownership");
    assert.equal(inputs.adoptExisting, false);
    assert.equal(readRuntimeInputs({ CUTTER_ADOPT_EXISTING: "1" }).adoptExisting, true);
  });

  test("fails if the record is inside the tree or relative", () => {
    assert.throws(
      () => readRuntimeInputs({ CUTTER_RUNTIME_ROOT: "/srv/cutter", CUTTER_OWNERSHIP_DIR: "/srv/cutter/own" }),
      /CUTTER_OWNERSHIP_DIR: "\/srv\/cutter\/own" overlaps the managed tree/,
    );
    assert.throws(() => readRuntimeInputs({ CUTTER_OWNERSHIP_DIR: "own" }), /CUTTER_OWNERSHIP_DIR: "own" must be an absolute path/);
  });
});
