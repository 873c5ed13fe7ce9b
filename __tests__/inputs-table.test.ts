/**
 * Unit tests (no engine): the one table of inputs drives reading the environment, host
 * files and validation; the one real-path isInside; the schema agrees with the table.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import { BACKUP_KEY_FLAGS, BACKUP_KEY_STATUSES, ENV_VAR_NAME, readHostFiles, readRuntimeInputs } from "../constructs";
import { INPUT_KEYS, INPUT_TABLE } from "../constructs/input-table";
import { isInside, isInsideResolved, overlapsResolved, resolvedPath } from "../constructs/path-inside";
import { show } from "../constructs/validation";
import { REPO } from "./support/harness";
import { withTempDir } from "./support/temp-dir";

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  assert.fail("expected an error");
}

/** A value no rule of the table accepts: two lines (also refused by the one-line report reference). */
const BAD = "bad\nvalue";

describe("one table of inputs", () => {
  test("every row is read from its environment variable and refused there by its rule, naming the variable and the value", () => {
    for (const key of INPUT_KEYS) {
      const row = INPUT_TABLE[key];
      const env: Record<string, string> = { [row.env]: BAD };
      if (row.backend !== undefined) env[INPUT_TABLE.stateBackend.env] = row.backend;
      const message = errorOf(() => readRuntimeInputs(env));
      assert.match(message, /nothing was changed/, key);
      const line = message.split("\n").find((l) => l.startsWith(`  - ${row.env}: `));
      assert.ok(line, `${key}: ${message}`);
      assert.ok(line.includes(show(BAD)), `${key}: the value is shown: ${line}`);
      assert.equal(line, `  - ${row.env}: ${show(BAD)} ${row.rule(BAD)}`, `${key}: the rule is the table's`);
    }
  });

  test("every row is read from its host-file field and refused there by the same rule, naming the file and the field", () => {
    for (const key of INPUT_KEYS) {
      const row = INPUT_TABLE[key];
      withTempDir((dir) => {
        const host: Record<string, unknown> = {};
        const state: Record<string, string> = {};
        if (row.backend !== undefined) state.backend = row.backend;
        if (row.field.startsWith("state.")) state[row.field.slice("state.".length)] = BAD;
        else host[row.field] = BAD;
        if (Object.keys(state).length > 0) host.state = state;
        fs.writeFileSync(path.join(dir, "web.json"), JSON.stringify(host));
        const message = errorOf(() => readHostFiles(dir, dir));
        assert.ok(message.includes(`  - web.json: ${row.field}: ${show(BAD)} ${row.rule(BAD)}`), `${key}: ${message}`);
      });
    }
  });

  test("a value that looks like a secret is withheld (the row says so), never echoed", () => {
    const secret = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8";
    const message = errorOf(() => readRuntimeInputs({ [INPUT_TABLE.reportReference.env]: `ref ${secret}` }));
    assert.match(message, /CUTTER_REPORT_REFERENCE: "\(value withheld\)" looks like it holds a secret/);
    assert.ok(!message.includes(secret));
  });

  test("defaults come from the table, and the typed values are parsed by it", () => {
    const inputs = readRuntimeInputs({});
    for (const key of ["rootPath", "owner", "group", "envFilePath", "stateBackend", "backupKeyStatus"] as const) {
      assert.equal(inputs[key], INPUT_TABLE[key].fallback({ text: {}, ok: () => false }), key);
    }
    assert.equal(inputs.adoptExisting, false);
    assert.equal(readRuntimeInputs({ [INPUT_TABLE.adoptExisting.env]: "1" }).adoptExisting, true);
  });

  test("every row has its own variable and its own host-file field", () => {
    const envs = INPUT_KEYS.map((k) => INPUT_TABLE[k].env);
    const fields = INPUT_KEYS.map((k) => INPUT_TABLE[k].field);
    assert.equal(new Set(envs).size, envs.length);
    assert.equal(new Set(fields).size, fields.length);
    for (const env of envs) assert.match(env, /^CUTTER_[A-Z_]+$/);
  });

  test("the config schema agrees with the table and the guard: backup key flags, env-var names", () => {
    const schema = JSON.parse(fs.readFileSync(path.join(REPO, "schema", "orchestrator.config.schema.json"), "utf8"));
    assert.deepEqual(
      schema.properties.backup.properties.provisioning.enum,
      BACKUP_KEY_STATUSES.map((s) => BACKUP_KEY_FLAGS[s]),
    );
    assert.equal(schema.definitions.envName.pattern, ENV_VAR_NAME.source);
    assert.match(schema.properties.backup.properties.provisioning.description, new RegExp(INPUT_TABLE.backupKeyStatus.env));
  });
});

describe("one real-path isInside (constructs/path-inside.ts)", () => {
  test("by text: a trailing slash, '..', '.', and a prefix that is no child", () => {
    assert.ok(isInside("/a/b", "/a/b"));
    assert.ok(isInside("/a/b/", "/a/b"), "trailing slash on the child");
    assert.ok(isInside("/a/b/c", "/a/b/"), "trailing slash on the parent");
    assert.ok(!isInside("/a/bc", "/a/b"), "a prefix is not a child");
    assert.ok(!isInside("/a/b", "/a/bc"));
    assert.ok(!isInside("/a/b/../c", "/a/b"), "'..' leaves the parent");
    assert.ok(isInside("/a/c/../b/d", "/a/b"), "'..' comes back in");
    assert.ok(isInside("/a/./b//c", "/a/b"));
    assert.ok(isInside("/a/..b", "/a"), "a name starting with '..' is a child");
    assert.ok(isInside("/anything", "/"));
    assert.ok(!isInside("/a", "/a/b"), "the parent is not inside its child");
  });

  test("by real path: a symlinked parent, a symlinked spelling of the tree, a path that does not exist yet", () => {
    withTempDir((dir) => {
      const tree = path.join(dir, "tree");
      fs.mkdirSync(path.join(tree, "sub"), { recursive: true });
      fs.mkdirSync(path.join(dir, "elsewhere"));
      fs.symlinkSync(tree, path.join(dir, "link"));
      fs.symlinkSync(path.join(tree, "sub"), path.join(dir, "elsewhere", "into-tree"));
      const viaLink = path.join(dir, "link", "state.tfstate");
      assert.ok(!isInside(viaLink, tree), "as written it is outside");
      assert.ok(isInsideResolved(viaLink, tree), "its real path is inside");
      assert.ok(isInsideResolved(path.join(dir, "elsewhere", "into-tree", "not-yet", "file"), tree), "a symlinked parent of a path that does not exist yet");
      assert.ok(isInsideResolved(path.join(tree, "x"), path.join(dir, "link")), "the parent spelt through a link");
      assert.ok(!isInsideResolved(path.join(dir, "elsewhere", "file"), tree));
      assert.ok(!isInsideResolved(path.join(dir, "treex"), tree), "a prefix is not a child by real path either");
      assert.ok(overlapsResolved(dir, viaLink) && overlapsResolved(viaLink, tree));
      assert.equal(resolvedPath(path.join(dir, "link", "a", "b")), path.join(fs.realpathSync(tree), "a", "b"));
    });
  });

  test("the input rules use it: state through a link into the tree is refused, naming where it resolves", () => {
    withTempDir((dir) => {
      const root = path.join(dir, "cutter");
      fs.mkdirSync(root);
      fs.symlinkSync(root, path.join(dir, "alias"));
      const message = errorOf(() => readRuntimeInputs({ CUTTER_RUNTIME_ROOT: root, CUTTER_STATE_PATH: path.join(dir, "alias", "s.tfstate") }));
      assert.match(message, /CUTTER_STATE_PATH: .* is inside the managed tree .* \(it resolves to .* through a symbolic link\)/);
      const audit = errorOf(() => readRuntimeInputs({ CUTTER_RUNTIME_ROOT: root, CUTTER_AUDIT_LOG: path.join(dir, "alias", "audit.jsonl") }));
      assert.match(audit, /CUTTER_AUDIT_LOG: .* overlaps the managed tree .*through a symbolic link/);
    });
  });
});
