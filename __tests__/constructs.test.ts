import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { LocalProvider } from "../constructs/local-provider";
import { TerraformStack, Testing } from "../constructs/cdk";
import { testApp } from "./support/test-app";
import { composeStacks } from "../app/synth";
import * as pins from "../pins/engine-pins.json";
import {
  FileWriteGuard,
  CUTTER_LAYOUT,
  ManagedFile,
  PermissionCommand,
  DIRECTORIES_PER_RESOURCE,
  RuntimeDirectories,
  RuntimeStack,
  RuntimeTree,
  fromTerraformLiteral,
  readRuntimeInputs,
  recordKey,
} from "../constructs";

function stackWith(build: (stack: TerraformStack) => void): any {
  const app = testApp();
  const stack = new TerraformStack(app, "test");
  new LocalProvider(stack, "local");
  build(stack);
  return JSON.parse(Testing.synth(stack, true));
}

const resources = (json: any, type: string): any[] => Object.values(json.resource?.[type] ?? {});
const scripts = (r: any): any[] => r.provisioner.map((p: any) => p["local-exec"]);
/** The shell text a provisioner runs (`/bin/sh -c SCRIPT NAME`), as the engine passes it on. */
const scriptOf = (p: any): string => fromTerraformLiteral(p.interpreter[2]);

describe("RuntimeDirectories", () => {
  test("creates with install -d (five-digit mode: setuid/setgid cleared), removes nothing itself, values passed through the environment", () => {
    const json = stackWith(
      (s) => new RuntimeDirectories(s, "Dirs", { paths: ["/srv/cutter/runs", "/srv/cutter/locks"], owner: "nobody", group: "nogroup", mode: "0700" }),
    );
    const [dir] = resources(json, "terraform_data");
    // Each path's entry is what it gets (the plan shows it beside the path); `name` says it in words.
    assert.deepEqual(dir.triggers_replace, {
      name: "2 directories: nobody:nogroup 0700, created or repaired in place (nothing removed; no secret, database or service is touched)",
      owner: "nobody",
      group: "nogroup",
      mode: "0700",
      directories: { "/srv/cutter/runs": "nobody:nogroup 0700", "/srv/cutter/locks": "nobody:nogroup 0700" },
    });
    assert.deepEqual(dir.lifecycle, { create_before_destroy: true }, "a replacement never runs the removal");
    assert.equal(scripts(dir).length, 1, "no destroy-time step: the tree remover removes directories");
    const [create] = scripts(dir);
    assert.match(scriptOf(create), /mkdir -m 0700 -- "\$name"/);
    assert.match(scriptOf(create), /setfacl -b -k -- \.; fi\n/);
    assert.match(scriptOf(create), /install -d -o "\$CUTTER_OWNER" -g "\$CUTTER_GROUP" -m "\$CUTTER_MODE" -- \.\n/);
    // path, parent, name and record key (sha256 of the path) of each directory
    const entries = ["runs", "locks"].map((n) => `/srv/cutter/${n} /srv/cutter ${n} ${recordKey(`/srv/cutter/${n}`)}`).join(" ");
    assert.match(recordKey("/srv/cutter/runs"), /^[0-9a-f]{64}$/);
    assert.deepEqual(create.environment, {
      CUTTER_ENTRIES: entries,
      CUTTER_OWNER: "nobody",
      CUTTER_GROUP: "nogroup",
      CUTTER_MODE: "00700",
      CUTTER_RECORD_DIR: "",
      CUTTER_ADOPT: "0",
    });
    for (const p of [create]) {
      assert.deepEqual(p.interpreter.slice(0, 2), ["/bin/sh", "-c"]);
      assert.equal(p.quiet, true, "the engine never prints the script");
      assert.match(p.command, /^cutter-[a-z-]+$/, "the command the engine shows (also in its errors) is a short name");
      assert.doesNotMatch(scriptOf(p), /srv\/cutter/, "no value is interpolated into a command");
    }
  });

  test(`one resource per ${DIRECTORIES_PER_RESOURCE} directories, each chunk in order`, () => {
    const paths = Array.from({ length: DIRECTORIES_PER_RESOURCE * 2 + 1 }, (_, i) => `/srv/cutter/d${i}`);
    const json = stackWith((s) => new RuntimeDirectories(s, "Dirs", { paths }));
    // Synthesized JSON sorts keys: compare each chunk as a set.
    const chunks = resources(json, "terraform_data").map((r) => Object.keys(r.triggers_replace.directories).sort());
    const expected = [0, 1, 2].map((i) => paths.slice(i * DIRECTORIES_PER_RESOURCE, (i + 1) * DIRECTORIES_PER_RESOURCE).sort());
    assert.deepEqual(chunks.sort(), expected.sort());
  });

  test("a drift repair trigger goes into that path's entry only", () => {
    const json = stackWith((s) => new RuntimeDirectories(s, "Dirs", { paths: ["/srv/c/a", "/srv/c/b"] }).repairOnDrift("/srv/c/b", "${local.x}"));
    const [dir] = resources(json, "terraform_data");
    assert.deepEqual(dir.triggers_replace.directories, { "/srv/c/a": "root:root 0750", "/srv/c/b": "${local.x}" });
    assert.throws(
      () => stackWith((s) => new RuntimeDirectories(s, "Dirs", { paths: ["/srv/c/a"] }).repairOnDrift("/srv/c/z", "x")),
      /\/srv\/c\/z is not one of/,
    );
  });

  test("fails if a path is relative or listed twice, naming the prop, the value and the rule", () => {
    assert.throws(
      () => stackWith((s) => new RuntimeDirectories(s, "Dirs", { paths: ["/srv/c/a", "srv/cutter", "/srv/c/a"] })),
      (e: Error) =>
        /RuntimeDirectories test\/Dirs: 2 invalid value\(s\); nothing was changed/.test(e.message) &&
        /paths\[1\]: "srv\/cutter" must be an absolute path/.test(e.message) &&
        /paths\[2\]: "\/srv\/c\/a" is listed twice/.test(e.message),
    );
    assert.throws(() => stackWith((s) => new RuntimeDirectories(s, "Dirs", { paths: [] })), /paths: \[\] must list at least one directory/);
  });

  test("fails if the mode is looser than 0750, with every problem in one error", () => {
    assert.throws(
      () => stackWith((s) => new RuntimeDirectories(s, "Dirs", { paths: ["/srv/x/y"], mode: "0777", owner: "a b" })),
      (e: Error) => /2 invalid value\(s\)/.test(e.message) && /mode: "0777"/.test(e.message) && /owner: "a b"/.test(e.message),
    );
  });
});

describe("PermissionCommand", () => {
  test("re-applies when the revision changes and refuses file modes above 0640", () => {
    const json = stackWith((s) => new PermissionCommand(s, "P", { files: [{ path: "/srv/x/f", revision: "abc" }], mode: "0600" }));
    const [p] = resources(json, "terraform_data");
    assert.deepEqual(p.triggers_replace.revisions, { "/srv/x/f": "abc" });
    assert.match(scriptOf(scripts(p)[0]), /fd=\/proc\/self\/fd\/3\n/);
    assert.match(scriptOf(scripts(p)[0]), /chown -- "\$CUTTER_OWNER:\$CUTTER_GROUP" "\$fd"/);
    const [, check] = scripts(p);
    assert.equal(check.when, "destroy", "checks the directory right before the provider removes the file");
    assert.deepEqual(check.environment, { CUTTER_FILE_COUNT: "1", CUTTER_PATH_1: "${self.input.files[0]}" });
    assert.throws(() => stackWith((s) => new PermissionCommand(s, "P", { files: [{ path: "/srv/x/f" }], mode: "0644" })), /mode: "0644"/);
  });
});

describe("steps shared by several files", () => {
  test("files sharing a write guard and an owner/mode step: each file depends on the guard, the step on each file, both name every file", () => {
    const json = stackWith((s) => {
      const steps = { writeGuard: new FileWriteGuard(s, "G"), permissions: new PermissionCommand(s, "P", { mode: "0640" }) };
      new ManagedFile(s, "A", { path: "/srv/x/a.json", content: "{}\n", steps });
      new ManagedFile(s, "B", { path: "/srv/x/b.md", content: "b\n", steps });
    });
    const data = json.resource.terraform_data;
    const [guardName, guard] = Object.entries<any>(data).find(([k]) => k.startsWith("G_"))!;
    const [permName, perm] = Object.entries<any>(data).find(([k]) => k.startsWith("P_"))!;
    assert.equal(Object.keys(data).length, 2, "one guard and one owner/mode step, none per file");
    assert.deepEqual(Object.keys(guard.triggers_replace.files), ["/srv/x/a.json", "/srv/x/b.md"]);
    assert.deepEqual(Object.keys(perm.triggers_replace.files), ["/srv/x/a.json", "/srv/x/b.md"]);
    for (const [name, file] of Object.entries<any>(json.resource.local_file)) {
      assert.ok(file.depends_on.includes(`terraform_data.${guardName}`), `${name} is written after the guard`);
      assert.ok(perm.depends_on.includes(`local_file.${name}`), `the owner/mode step runs after ${name} is written`);
    }
    assert.equal(data[permName].provisioner[0]["local-exec"].environment.CUTTER_FILE_COUNT, "2");
    assert.equal(guard.provisioner[0]["local-exec"].environment.CUTTER_PATH_2, "/srv/x/b.md");
  });

  test("a file whose owner, group or mode differ from the shared step's, a file added twice, a bad path or hash: one error naming each", () => {
    assert.throws(
      () =>
        stackWith((s) => {
          const steps = { writeGuard: new FileWriteGuard(s, "G"), permissions: new PermissionCommand(s, "P", { mode: "0600" }) };
          new ManagedFile(s, "A", { path: "/srv/x/a.json", content: "{}\n", mode: "0640", steps });
        }),
      /steps\.permissions: "root:root 0600" must set the file's own owner, group and mode \(root:root 0640\)/,
    );
    assert.throws(
      () => stackWith((s) => new PermissionCommand(s, "P", { mode: "0640", files: [{ path: "/srv/x/a" }, { path: "/srv/x/a" }] })),
      /path: "\/srv\/x\/a" is already one of the files/,
    );
    assert.throws(() => stackWith((s) => new PermissionCommand(s, "P", { mode: "0640", files: [{ path: "x/a" }] })), /path: "x\/a"/);
    assert.throws(() => stackWith((s) => new FileWriteGuard(s, "G").addFile("/srv/x/a", "nothex")), /sha256: "nothex" must be 64 lowercase hex digits/);
    assert.throws(() => stackWith((s) => new FileWriteGuard(s, "G").addFile("x/a", "a".repeat(64))), /path: "x\/a"/);
  });
});

describe("ManagedFile", () => {
  test("writes with the mode asked, a private parent mode, and owns the file after writing", () => {
    const json = stackWith((s) => new ManagedFile(s, "F", { path: "/srv/x/f.json", content: "{}\n", owner: "nobody", group: "nogroup" }));
    const [file] = resources(json, "local_file");
    assert.equal(file.filename, "/srv/x/f.json");
    assert.equal(file.content, "{}\n");
    assert.equal(file.file_permission, CUTTER_LAYOUT.fileMode);
    assert.equal(file.directory_permission, "0700");
    const [perm] = resources(json, "terraform_data");
    assert.equal(perm.triggers_replace.owner, "nobody");
    assert.match(perm.triggers_replace.revisions["/srv/x/f.json"], /^[0-9a-f]{64}$/);
    assert.match(perm.depends_on[0], /local_file\./);
  });
});

describe("RuntimeTree", () => {
  test("builds the root, the layout's directories, the config and the README", () => {
    const json = stackWith((s) => new RuntimeTree(s, "Tree", { rootPath: "/srv/cutter" }));
    const chunks = resources(json, "terraform_data").filter((r) => r.triggers_replace.directories);
    const [dirs, root] = chunks; // sorted by name: Tree_Dirs_..., Tree_Root_...
    assert.deepEqual(Object.keys(root.triggers_replace.directories), ["/srv/cutter"]);
    assert.deepEqual(Object.keys(dirs.triggers_replace.directories).sort(), CUTTER_LAYOUT.subdirectories.map((d) => `/srv/cutter/${d.name}`).sort());
    const files = resources(json, "local_file")
      .map((f) => f.filename)
      .sort();
    assert.deepEqual(files, ["/srv/cutter/README.md", "/srv/cutter/orchestrator.config.json"]);
    for (const r of [...resources(json, "local_file"), dirs]) {
      assert.ok(
        r.depends_on.some((d: string) => /Tree_Root_Directories/.test(d)),
        "written only after the root exists",
      );
    }
  });

  test("fails if the root is a system directory", () => {
    assert.throws(
      () => stackWith((s) => new RuntimeTree(s, "Tree", { rootPath: "/var/lib" })),
      /rootPath: "\/var\/lib" is not allowed: its name "lib" does not start with "cutter"/,
    );
  });

  test("the tree remover is created first and destroyed last, and the destroy guard names it", () => {
    const json = stackWith((s) => new RuntimeTree(s, "Tree", { rootPath: "/srv/cutter", ownership: { directory: "/srv/state/own" } }));
    const data = json.resource.terraform_data;
    const [removerName, remover] = Object.entries<any>(data).find(([k]) => k.includes("Remover"))!;
    const root = Object.values<any>(data).find((r) => r.triggers_replace.directories?.["/srv/cutter"]);
    assert.deepEqual(root.depends_on, [`terraform_data.${removerName}`]);
    assert.equal(remover.depends_on, undefined);
    assert.deepEqual(remover.triggers_replace, { root: "/srv/cutter" });
    assert.deepEqual(remover.lifecycle, { create_before_destroy: true });
    const [step] = scripts(remover);
    assert.equal(step.when, "destroy");
    assert.equal(scripts(remover).length, 1, "no create-time step: nothing can fail or taint it");
    const [first, last] = [CUTTER_LAYOUT.subdirectories[0].name, CUTTER_LAYOUT.subdirectories[CUTTER_LAYOUT.subdirectories.length - 1].name];
    const entry = (name: string) => `/srv/cutter/${name} /srv/cutter ${name} [0-9a-f]{64}`;
    assert.match(
      remover.input.directories,
      new RegExp(`^${entry(last)} .* ${entry(first)} /srv/cutter /srv cutter [0-9a-f]{64}$`),
      "deepest first, the root last",
    );
    const guard = Object.values<any>(data).find((r) => r.input?.root_entries);
    assert.equal(guard.input.remover_id, `\${terraform_data.${removerName}.id}`);
  });
});

describe("RuntimeStack", () => {
  test("uses local state at the path asked; the app's composition pins the mirrored local provider", () => {
    const inputs = readRuntimeInputs({ CUTTER_RUNTIME_ROOT: "/srv/cutter", CUTTER_STATE_PATH: "/srv/state/s.tfstate" });
    const [stack] = composeStacks(testApp(), [{ stackName: "cutter-runtime", source: "environment", inputs }]);
    const json = JSON.parse(Testing.synth(stack, true));
    assert.deepEqual(json.terraform.backend, { local: { path: "/srv/state/s.tfstate" } });
    assert.equal(json.terraform.required_providers.local.version, pins.providers.local.version);
    // The construct reads no pins: the version is the one it is given.
    const given = JSON.parse(Testing.synth(new RuntimeStack(testApp(), "given", { inputs, localProviderVersion: "9.9.9" }), true));
    assert.equal(given.terraform.required_providers.local.version, "9.9.9");
  });
});

describe("readRuntimeInputs", () => {
  test("defaults to /var/lib/cutter, root:root, the incomex env file and a state file outside the tree", () => {
    const inputs = readRuntimeInputs({});
    assert.equal(inputs.rootPath, "/var/lib/cutter");
    assert.equal(inputs.owner, "root");
    assert.equal(inputs.group, "root");
    assert.equal(inputs.envFilePath, "/opt/incomex/docker/.env");
    assert.match(inputs.statePath, /^\/var\/lib\/cutter-runtime\/state\/var-lib-cutter\.[0-9a-f]{8}\.tfstate$/);
  });

  test("gives two roots two default state files", () => {
    assert.notEqual(
      readRuntimeInputs({ CUTTER_RUNTIME_ROOT: "/srv/cutter-a" }).statePath,
      readRuntimeInputs({ CUTTER_RUNTIME_ROOT: "/srv/cutter-b" }).statePath,
    );
  });

  test("fails naming every bad variable, its value and the rule", () => {
    assert.throws(
      () =>
        readRuntimeInputs({
          CUTTER_RUNTIME_ROOT: "cutter",
          CUTTER_OWNER: "root;id",
          CUTTER_GROUP: "a b",
          CUTTER_ENV_FILE: "env",
          CUTTER_STATE_PATH: "/x/../s",
        }),
      (e: Error) =>
        /5 invalid value\(s\); nothing was changed/.test(e.message) &&
        /CUTTER_RUNTIME_ROOT: "cutter" must be an absolute path/.test(e.message) &&
        /CUTTER_OWNER: "root;id" must be a POSIX/.test(e.message) &&
        /CUTTER_GROUP: "a b" must be a POSIX/.test(e.message) &&
        /CUTTER_ENV_FILE: "env" must be an absolute path/.test(e.message) &&
        /CUTTER_STATE_PATH: "\/x\/..\/s" must be normalised/.test(e.message),
    );
  });

  test("fails if the state file is inside the managed tree", () => {
    assert.throws(
      () => readRuntimeInputs({ CUTTER_RUNTIME_ROOT: "/srv/cutter", CUTTER_STATE_PATH: "/srv/cutter/runs/s.tfstate" }),
      /CUTTER_STATE_PATH: .* is inside the managed tree/,
    );
  });
});
