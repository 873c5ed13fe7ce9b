import Ajv from "ajv";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import { CUTTER_LAYOUT, DB_ENV_NAMES, buildOrchestratorConfig, renderOrchestratorConfig, resolveLayout } from "../constructs";
import { REPO } from "./support/harness";

const schema = JSON.parse(fs.readFileSync(path.join(REPO, "schema", "orchestrator.config.schema.json"), "utf8"));
const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);

function allKeysAndStrings(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => allKeysAndStrings(v, out));
  else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) (out.push(k), allKeysAndStrings(v, out));
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
    assert.deepEqual(Object.keys(doc.layout), CUTTER_LAYOUT.subdirectories.map((d) => d.name));
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

  test("has no execution switch anywhere", () => {
    for (const s of allKeysAndStrings(doc)) assert.doesNotMatch(s, /execution[\s_-]*enabled/i);
  });

  test("renders deterministically: same bytes every time, 2-space indent, trailing newline", () => {
    const a = renderOrchestratorConfig(buildOrchestratorConfig(resolveLayout("/srv/cutter"), "/etc/cutter.env"));
    const b = renderOrchestratorConfig(buildOrchestratorConfig(resolveLayout("/srv/cutter"), "/etc/cutter.env"));
    assert.equal(a, b);
    assert.ok(a.endsWith("}\n"));
    assert.ok(a.startsWith('{\n  "schema_version": 1,'));
  });

  test("the schema rejects a secret value, an unknown key and a relative path", () => {
    const withValue = structuredClone(doc) as any;
    withValue.database.roles.exec.password_env = "s3cr3t-value";
    assert.equal(validate(withValue), false);
    const withSwitch = { ...structuredClone(doc), execution_enabled: false };
    assert.equal(validate(withSwitch), false);
    const relative = { ...structuredClone(doc), runtime_root: "var/lib/cutter" };
    assert.equal(validate(relative), false);
  });
});
