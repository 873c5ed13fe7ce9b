/**
 * Hostile values never reach a command: each fails at synth, through the real
 * cdktf CLI, with a message naming every variable it was put in; nothing is
 * created and /tmp/PWNED never appears. Secrets never reach a written file, the
 * state, cdktf.out or the output.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { readRuntimeInputs } from "../constructs";
import { TempHost, expectSuccess } from "./support/harness";
import { assertExactTree } from "./support/safety";

const PWNED = "/tmp/PWNED";

/** Hostile values: [what, value]. Paths get the value as their last segment. */
export const HOSTILE_VALUES: ReadonlyArray<[string, string]> = [
  ["command separator", "; touch /tmp/PWNED"],
  ["command substitution", "$(touch /tmp/PWNED)"],
  ["backticks", "`touch /tmp/PWNED`"],
  ["a newline", "x\ntouch /tmp/PWNED"],
  ["double quotes", '"; touch /tmp/PWNED; "'],
  ["single quotes", "'; touch /tmp/PWNED; '"],
  ["a glob", "*"],
  ["a leading dash (option injection)", "--no-preserve-root"],
  ["a Terraform template", '${file("/etc/shadow")}'],
  ["a Terraform directive", "%{ if true }x%{ endif }"],
  ["a Cyrillic look-alike", "r\u043e\u043et"],
  ["a fullwidth look-alike", "\uff52\uff4f\uff4f\uff54"],
  ["a zero-width space", "ro\u200bot"],
  ["a very long name", "a".repeat(300)],
  ["a space", "ro ot"],
  ["a pipe and redirect", "x|tee /tmp/PWNED>x"],
  ["an ampersand", "x&touch /tmp/PWNED&"],
  ["a path traversal", "../../etc"],
];

/** Puts `value` into every input variable that reaches a command. */
function hostileInputs(host: TempHost, value: string): Record<string, string> {
  return {
    CUTTER_RUNTIME_ROOT: `${host.dir}/${value}`,
    CUTTER_OWNER: value,
    CUTTER_GROUP: value,
    CUTTER_ENV_FILE: `/opt/${value}`,
    CUTTER_STATE_PATH: `${host.dir}/state/${value}`,
    CUTTER_OWNERSHIP_DIR: `${host.dir}/own/${value}`,
  };
}

describe("hostile values fail at synth through the real CLI and run nothing", () => {
  let host: TempHost;
  before(() => {
    fs.rmSync(PWNED, { force: true });
    host = new TempHost();
  });
  after(() => host.dispose());

  for (const [what, value] of HOSTILE_VALUES) {
    test(`fails for ${what}, naming every variable it was put in`, () => {
      const result = host.cdktf("deploy", [], hostileInputs(host, value));
      assert.notEqual(result.code, 0);
      assert.match(result.output, /nothing was changed/);
      for (const variable of ["CUTTER_RUNTIME_ROOT", "CUTTER_OWNER", "CUTTER_GROUP", "CUTTER_ENV_FILE", "CUTTER_STATE_PATH"]) {
        assert.match(result.output, new RegExp(`${variable}: `), `${variable} is named`);
      }
      assert.deepEqual(
        fs.readdirSync(host.dir).filter((n) => n !== "cdktf.out"),
        [],
        "nothing created in the temp root",
      );
      assert.equal(fs.existsSync(PWNED), false, "/tmp/PWNED never appears");
    });
  }

  test("the adopt switch accepts only 0 or 1", () => {
    for (const value of ["yes", "1; touch /tmp/PWNED", "$(id)", "-1"]) {
      assert.throws(() => readRuntimeInputs({ CUTTER_ADOPT_EXISTING: value }), /CUTTER_ADOPT_EXISTING: .* must be "1"/);
    }
  });

  test("every hostile value is refused in every variable on its own (in-process, same reader as synth)", () => {
    let refused = 0;
    for (const [, value] of HOSTILE_VALUES) {
      for (const [variable, v] of Object.entries(hostileInputs(host, value))) {
        const env = { CUTTER_RUNTIME_ROOT: "/srv/cutter", CUTTER_STATE_PATH: "/srv/state/s.tfstate", [variable]: v };
        assert.throws(() => readRuntimeInputs(env), new RegExp(`${variable}: `), `${variable} = ${JSON.stringify(v)}`);
        refused++;
      }
    }
    assert.equal(refused, HOSTILE_VALUES.length * 6);
    assert.equal(fs.existsSync(PWNED), false);
  });
});

describe("the written-files guard stops synth through the real CLI", () => {
  let host: TempHost;
  before(() => (host = new TempHost()));
  after(() => host.dispose());

  const cases: Array<[string, Record<string, string>, RegExp]> = [
    [
      "a random-looking token in the env-file path",
      { CUTTER_ENV_FILE: "/opt/aK9xQ2mZ7vL4pR8tY3wB6nC1dF5gH0jS/.env" },
      /CR-HIGH-ENTROPY .*orchestrator\.config\.json: line \d+: "aK9x…"/,
    ],
  ];
  for (const [what, env, message] of cases) {
    test(`fails for ${what}`, () => {
      const result = host.cdktf("deploy", [], env);
      assert.notEqual(result.code, 0);
      assert.match(result.output, message);
      assert.match(result.output, /Nothing was written/);
      assert.deepEqual(
        fs.readdirSync(host.dir).filter((n) => n !== "cdktf.out"),
        [],
        "nothing created",
      );
    });
  }
});

describe("the execution switch: a path that names it is a mention, not a setting", () => {
  // The guard refuses keys and assignments (constructs/guards/execution-switch-rule.ts); an input
  // path cannot carry "=" or ":", so none can set the switch, and naming it must not stop synth.
  test("synth passes with execution_enabled in the env-file path; the config keeps its note", () => {
    const host = new TempHost({ CUTTER_ENV_FILE: "/opt/Execution-Enabled/.env" });
    try {
      const result = host.synth();
      assert.equal(result.code, 0, result.output);
      assert.ok(JSON.stringify(host.synthesized).includes("/opt/Execution-Enabled/.env"));
    } finally {
      host.dispose();
    }
  });
});

describe("secret values in the environment never reach the tree, the state, cdktf.out or the output", () => {
  const SECRETS: Record<string, string> = {
    DOT_CUTTER_EXEC_DB_PASSWORD: "s3cr3t-exec-7f1e9a2b",
    DOT_CUTTER_VERIFY_DB_PASSWORD: "s3cr3t-verify-4c8d0e6f",
    DOT_CUTTER_EXEC_DB_USER: "exec_user_u7q2",
    DOT_CUTTER_DB_HOST: "db-host-h9k3.internal",
    BACKUP_GPG_FPR: "0123456789ABCDEF0123456789ABCDEF01234567",
    DATABASE_URL: "postgres://exec_user_u7q2:s3cr3t-exec-7f1e9a2b@db-host-h9k3.internal/cutter",
  };
  let host: TempHost;
  before(() => (host = new TempHost()));
  after(() => host.dispose());

  test("a full deploy, plan and destroy with the secrets set leave 0 occurrences anywhere", () => {
    const outputs = [expectSuccess(host.cdktf("deploy", [], SECRETS), "deploy").output, expectSuccess(host.cdktf("plan", [], SECRETS), "plan").output];
    assertExactTree(host);
    const places: string[] = [];
    const collect = (p: string) => {
      const st = fs.lstatSync(p);
      if (st.isDirectory()) for (const n of fs.readdirSync(p)) collect(path.join(p, n));
      else if (st.isFile()) places.push(p);
    };
    collect(host.root);
    collect(host.outDir);
    collect(path.dirname(host.statePath));
    assert.ok(places.includes(host.statePath), "the state file is searched");
    assert.ok(
      places.some((p) => p.endsWith("cdk.tf.json")),
      "cdktf.out is searched",
    );
    outputs.push(expectSuccess(host.cdktf("destroy", [], SECRETS), "destroy").output);
    const texts = [...places.filter((p) => fs.existsSync(p)).map((p) => fs.readFileSync(p, "latin1")), ...outputs];
    let occurrences = 0;
    for (const secret of Object.values(SECRETS)) for (const t of texts) occurrences += t.split(secret).length - 1;
    assert.equal(occurrences, 0, `0 occurrences of ${Object.keys(SECRETS).length} secret values in ${places.length} files and 3 command outputs`);
  });
});
