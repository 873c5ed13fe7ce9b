import Ajv from "ajv";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import {
  CUTTER_LAYOUT,
  DB_ENV_NAMES,
  EXECUTION_NOTE,
  EXECUTION_SWITCH_RULE,
  buildOrchestratorConfig,
  readRuntimeInputs,
  renderOrchestratorConfig,
  resolveLayout,
} from "../constructs";
import { REPO } from "./support/harness";

const schema = JSON.parse(fs.readFileSync(path.join(REPO, "schema", "orchestrator.config.schema.json"), "utf8"));
const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);

function allKeysAndStrings(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => allKeysAndStrings(v, out));
  else if (value && typeof value === "object")
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      allKeysAndStrings(v, out);
    }
  return out;
}

function allKeyPaths(value: unknown, at = "$", out: Array<[string, string]> = []): Array<[string, string]> {
  if (value && typeof value === "object")
    for (const [k, v] of Object.entries(value)) {
      out.push([`${at}.${k}`, k]);
      allKeyPaths(v, `${at}.${k}`, out);
    }
  return out;
}

describe("orchestrator config document", () => {
  const layout = resolveLayout("/var/lib/cutter");
  const doc = buildOrchestratorConfig(layout, "/opt/incomex/docker/.env");

  test("passes the published schema", () => {
    assert.equal(validate(doc), true, JSON.stringify(validate.errors));
  });

  test("holds the root, the layout map of every subdirectory and the sidecar root", () => {
    assert.equal(doc.runtime_root, "/var/lib/cutter");
    assert.deepEqual(
      Object.keys(doc.layout),
      CUTTER_LAYOUT.subdirectories.map((d) => d.name),
    );
    for (const d of layout.directories) assert.equal((doc.layout as Record<string, string>)[d.name], d.path);
    assert.equal(doc.sidecar_root, "/var/lib/cutter/runs");
  });

  test("wires the database by environment-variable names only", () => {
    const names = Object.values(DB_ENV_NAMES);
    const strings = allKeysAndStrings(doc.database);
    for (const n of names) assert.ok(strings.includes(n), n);
    assert.equal(doc.backup.gpg_fpr_env, "BACKUP_GPG_FPR");
    assert.equal(doc.backup.provisioning, "NOT PROVISIONED");
    assert.equal(doc.credentials.env_file, "/opt/incomex/docker/.env");
    assert.match(doc.database.driver.note, /psycopg2/);
    assert.equal(doc.database.driver.adapter, "Psycopg2ConnectionShim");
  });

  test("says the execution switch is not configurable here, without a key or value that sets it", () => {
    assert.deepEqual(doc.execution, { configurable_here: false, source_constant: "__execution_enabled__", note: EXECUTION_NOTE });
    assert.match(
      doc.execution.note,
      /execution_enabled explicitly NOT configurable here — it is the source constant __execution_enabled__; flipping it is a sovereign GAP7 action/,
    );
    assert.deepEqual(EXECUTION_SWITCH_RULE.check({ source: "t", path: "/x", content: renderOrchestratorConfig(doc) }), []);
    for (const [path, key] of allKeyPaths(doc)) assert.doesNotMatch(key, /execution[\s_-]*enabled/i, path);
  });

  test("the backup key's status is an input: NOT PROVISIONED by default, PROVISIONED when given", () => {
    assert.equal(doc.backup.provisioning, "NOT PROVISIONED");
    assert.match(doc.backup.note, /BACKUP_GPG_FPR is not provisioned on this host yet \(F4\)/);
    const provisioned = buildOrchestratorConfig(layout, "/opt/incomex/docker/.env", "provisioned");
    assert.equal(provisioned.backup.provisioning, "PROVISIONED");
    assert.match(provisioned.backup.note, /BACKUP_GPG_FPR is provisioned on this host \(F4\)/);
    assert.equal(validate(provisioned), true, JSON.stringify(validate.errors));
    assert.equal(readRuntimeInputs({ CUTTER_BACKUP_KEY_STATUS: "provisioned" }).backupKeyStatus, "provisioned");
    assert.equal(readRuntimeInputs({}).backupKeyStatus, "not-provisioned");
    assert.throws(() => readRuntimeInputs({ CUTTER_BACKUP_KEY_STATUS: "yes" }), /CUTTER_BACKUP_KEY_STATUS: "yes" must be one of not-provisioned, provisioned/);
  });

  test("renders deterministically: same bytes every time, 2-space indent, trailing newline", () => {
    const a = renderOrchestratorConfig(buildOrchestratorConfig(resolveLayout("/srv/cutter"), "/etc/cutter.env"));
    const b = renderOrchestratorConfig(buildOrchestratorConfig(resolveLayout("/srv/cutter"), "/etc/cutter.env"));
    assert.equal(a, b);
    assert.ok(a.endsWith("}\n"));
    assert.ok(a.startsWith('{\n  "schema_version": 2,'));
  });

  test("the schema rejects a secret value, an unknown key and a relative path", () => {
    const withValue = structuredClone(doc) as any;
    withValue.database.roles.exec.password_env = "s3cr3t-value";
    assert.equal(validate(withValue), false);
    const withSwitch = { ...structuredClone(doc), execution_enabled: false };
    assert.equal(validate(withSwitch), false);
    const switchable = structuredClone(doc) as any;
    switchable.execution.configurable_here = true;
    assert.equal(validate(switchable), false);
    const relative = { ...structuredClone(doc), runtime_root: "var/lib/cutter" };
    assert.equal(validate(relative), false);
  });
});
