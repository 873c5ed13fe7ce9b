/**
 * The written-files guard (an Aspect over the whole construct tree): one
 * Compliance case and numbered Noncompliance cases per rule, through
 * Testing.synth(stack, true) and Testing.fullSynth, which run validations.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { File, LocalProvider, SensitiveFile } from "../constructs/local-provider";
import { Aspects, TerraformStack, Testing } from "../constructs/cdk";
import { fullSynth, testApp } from "./support/test-app";
import { composeStacks } from "../app/synth";
import { Construct } from "constructs";
import {
  CONNECTION_STRING_RULE,
  EXECUTION_NOTE,
  EXECUTION_SWITCH_RULE,
  GuardRule,
  HIGH_ENTROPY_RULE,
  MODE_CEILING_RULE,
  PRIVATE_KEY_RULE,
  RuntimeTree,
  readRuntimeInputs,
  SECRET_KEY_VALUE_RULE,
  WrittenFilesGuard,
  buildOrchestratorConfig,
  renderOrchestratorConfig,
  resolveLayout,
} from "../constructs";

/** A stack with the guard and one plain local_file holding `content`. */
function stackWithFile(
  content: string,
  modes: { filePermission?: string; directoryPermission?: string } = { filePermission: "0640", directoryPermission: "0700" },
): TerraformStack {
  const stack = new TerraformStack(testApp(), "guarded");
  new LocalProvider(stack, "local");
  Aspects.of(stack).add(new WrittenFilesGuard());
  // Deep in the tree, as a stranger construct would put it.
  new File(new Construct(new Construct(stack, "Deep"), "Deeper"), "F", { filename: "/srv/x/f", content, ...modes });
  return stack;
}

const synthFails = (stack: TerraformStack, message: RegExp) => assert.throws(() => Testing.synth(stack, true), message);
const synthPasses = (stack: TerraformStack) => assert.doesNotThrow(() => Testing.synth(stack, true));

/** A stack as the app composes it (app/synth.ts composeStacks: the stack and the app's Aspects). */
function composedStack(): TerraformStack {
  const inputs = readRuntimeInputs({ CUTTER_RUNTIME_ROOT: "/srv/cutter", CUTTER_STATE_PATH: "/srv/state/s.tfstate" });
  return composeStacks(testApp(), [{ stackName: "tree", source: "environment", inputs }])[0];
}

describe("WrittenFilesGuard over a real RuntimeTree", () => {
  test("Compliance: the config and README the stack writes pass every rule (synth with validations)", () => {
    const stack = composedStack();
    assert.equal(Aspects.of(stack).all.filter((a) => a instanceof WrittenFilesGuard).length, 1, "the app added the guard");
    synthPasses(stack);
    assert.doesNotThrow(() => fullSynth(stack));
  });

  test("the app adds the guard once to each stack it composes, so a stranger's file in the same stack is checked too", () => {
    const stack = composedStack();
    new File(stack, "Stranger", { filename: "/srv/other/app.env", content: "DB_PASSWORD=hunter2\n", filePermission: "0600", directoryPermission: "0700" });
    synthFails(stack, /CR-SECRET-KEY-VALUE \/srv\/other\/app.env: line 1: DB_PASSWORD = "hu…"/);
    assert.throws(() => fullSynth(stack), /CR-SECRET-KEY-VALUE/);
    assert.equal(Aspects.of(stack).all.filter((a) => a instanceof WrittenFilesGuard).length, 1);
  });

  test("the tree itself adds no Aspect: the guard is the app's (a tree composed elsewhere is not guarded until its app adds it)", () => {
    const stack = new TerraformStack(testApp(), "tree");
    new LocalProvider(stack, "local");
    new RuntimeTree(stack, "Tree", { rootPath: "/srv/cutter" });
    assert.equal(Aspects.of(stack).all.length, 0);
  });

  test("Testing.synth(stack) without validations would not see it (why the tests use synth(stack, true))", () => {
    assert.doesNotThrow(() => Testing.synth(stackWithFile('{"password":"hunter2"}')));
  });
});

const config = renderOrchestratorConfig(buildOrchestratorConfig(resolveLayout("/srv/cutter")));

const cases: Array<[GuardRule, string[], Array<[string, string, RegExp?]>]> = [
  [
    SECRET_KEY_VALUE_RULE,
    [config, '{"password_env":"DOT_CUTTER_EXEC_DB_PASSWORD","gpgFpr":"BACKUP_GPG_FPR","monkey":"x1"}', "token_env: SOME_TOKEN\n"],
    [
      ["a password value in JSON", '{"db":{"password":"hunter2"}}', /\$\.db\.password holds "hu…"/],
      ["a camelCase apiKey at depth", '{"a":[{"b":{"apiKey":"abc"}}]}', /\$\.a\[0\]\.b\.apiKey/],
      ["a numeric token", '{"token":123456}', /holds a number/],
      ["a lowercase env name", '{"secret_env":"dot_cutter_secret"}'],
      ["a passphrase in text", "gpg passphrase: correct horse\n", /line 1: passphrase = "co…"/],
      ["an fpr in text", "BACKUP_GPG_FPR=0123456789ABCDEF\n"],
      ["a key in YAML-ish text", "  private-key: 'abc'\n"],
    ],
  ],
  [
    PRIVATE_KEY_RULE,
    [config, "-----BEGIN PUBLIC KEY-----\n"],
    [
      ["a PEM RSA key", "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n"],
      ["an OpenSSH key", "x\n-----BEGIN OPENSSH PRIVATE KEY-----\n", /line 2/],
      ["a PGP key", "-----BEGIN PGP PRIVATE KEY BLOCK-----\n"],
      ["a PKCS#8 key", '{"k":"-----BEGIN PRIVATE KEY-----"}'],
    ],
  ],
  [
    CONNECTION_STRING_RULE,
    [config, "see https://example.com/docs and postgres://db/cutter\n"],
    [
      ["a postgres URL with a password", '{"dsn":"postgres://exec:s3cr3t@db:5432/cutter"}', /URL with user and password/],
      ["a libpq DSN with password=", "host=db user=exec password=s3cr3t dbname=cutter\n", /password=/],
      ["an amqp URL", "amqps://u:p@mq/\n"],
    ],
  ],
  [
    HIGH_ENTROPY_RULE,
    [config, "DOT_CUTTER_VERIFY_DB_PASSWORD Psycopg2ConnectionShim /var/lib/cutter/orchestrator.config.json /tmp/cutter-verify-env-a1B2c3/secrets.env\n"],
    [
      ["a GitHub-style token", '{"note":"ghp_aK9xQ2mZ7vL4pR8tY3wB6nC1dF5gH0jS"}', /bits\/char/],
      ["a base64 blob", "blob: c2VjcmV0LXZhbHVlLXRoYXQtaXMtbG9uZw==9Zx\n"],
      ["a 40-digit hex fingerprint", "0123456789ABCDEF0123456789ABCDEF01234567\n"],
    ],
  ],
  [
    EXECUTION_SWITCH_RULE,
    [
      config,
      "The execution switch is a source constant.\n",
      // The documented note: it names the switch (twice) without setting it.
      JSON.stringify({ execution: { configurable_here: false, source_constant: "__execution_enabled__", note: EXECUTION_NOTE } }),
      `${EXECUTION_NOTE}\n`,
      "execution enabled only through the source\n",
    ],
    [
      ["snake case key", '{"execution_enabled":false}', /\$\.execution_enabled: a key that sets the execution switch/],
      ["upper case key at depth", '{"a":{"b":[{"EXECUTION_ENABLED":true}]}}', /\$\.a\.b\[0\]\.EXECUTION_ENABLED: a key/],
      ["camel case key", '{"executionEnabled":1}'],
      ["the source constant as a key", '{"__execution_enabled__":true}'],
      ["a key split over parent and child", '{"orchestrator":{"execution":{"enabled":true}}}', /\$\.orchestrator\.execution\.enabled: a key/],
      ["a key spelt with JSON escapes", '{"execution\\u005fenabled":true}', /a key that sets/],
      ["a key that only names it, set to null", '{"execution_enabled":null}'],
      ["an assignment in a value", '{"note":"execution_enabled=1"}', /\$\.note: a value that assigns the execution switch/],
      ["an instruction in a value", '{"note":"set Execution-Enabled here"}'],
      ["an env-file line", "export EXECUTION_ENABLED=1\n", /line 1: assigns/],
      ["a YAML key", "orchestrator:\n  execution_enabled: true\n", /line 2: assigns/],
      ["a YAML key split over two lines", "execution:\n  enabled: true\n"],
      ["an INI section and key", "[execution]\nenabled = yes\n"],
      ["a space-separated setting", "execution_enabled off\n"],
      ["a command-line flag", "run with --execution-enabled\n"],
      ["fullwidth letters", "\uff45\uff58\uff45\uff43\uff55\uff54\uff49\uff4f\uff4e_enabled\uff1d\uff11\n"],
      ["a zero-width space inside the name", "execution\u200b_enabled: true\n"],
    ],
  ],
];

for (const [rule, compliant, noncompliant] of cases) {
  describe(`${rule.id}: ${rule.what}`, () => {
    compliant.forEach((content, i) =>
      test(`Compliance ${i + 1}`, () => {
        assert.deepEqual(rule.check({ source: "t", path: "/srv/x/f", content }), []);
        synthPasses(stackWithFile(content));
      }),
    );
    noncompliant.forEach(([what, content, message], i) =>
      test(`Noncompliance ${i + 1}: ${what} fails synth`, () => {
        assert.notDeepEqual(rule.check({ source: "t", path: "/srv/x/f", content }), []);
        synthFails(stackWithFile(content), new RegExp(`${rule.id} /srv/x/f: .*Nothing was written`));
        if (message) synthFails(stackWithFile(content), message);
      }),
    );
  });
}

describe(`${MODE_CEILING_RULE.id}: ${MODE_CEILING_RULE.what}`, () => {
  test("Compliance: 0640/0600/0400 files, 0700/0750 parent directories", () => {
    for (const [f, d] of [
      ["0640", "0700"],
      ["0600", "0750"],
      ["0400", "0500"],
    ])
      synthPasses(stackWithFile("x\n", { filePermission: f, directoryPermission: d }));
  });
  const bad: Array<[string, { filePermission?: string; directoryPermission?: string }]> = [
    ["a world-readable file 0644", { filePermission: "0644", directoryPermission: "0700" }],
    ["a group-writable file 0660", { filePermission: "0660", directoryPermission: "0700" }],
    ["a setuid file 4640", { filePermission: "4640", directoryPermission: "0700" }],
    ["an unset file mode (the provider's 0777)", { directoryPermission: "0700" }],
    ["a world-open parent 0777", { filePermission: "0640", directoryPermission: "0777" }],
    ["a sticky parent 1750", { filePermission: "0640", directoryPermission: "1750" }],
    ["an unset parent mode (the provider's 0777)", { filePermission: "0640" }],
  ];
  bad.forEach(([what, modes], i) =>
    test(`Noncompliance ${i + 1}: ${what} fails synth`, () =>
      synthFails(stackWithFile("x\n", modes), /CR-MODE-CEILING \/srv\/x\/f: (file|directory)_permission/)),
  );
});

describe("sensitive files are guarded too", () => {
  test("Noncompliance: a local_sensitive_file with a private key fails synth", () => {
    const stack = new TerraformStack(testApp(), "s");
    new LocalProvider(stack, "local");
    Aspects.of(stack).add(new WrittenFilesGuard());
    new SensitiveFile(stack, "S", { filename: "/srv/x/k", content: "-----BEGIN EC PRIVATE KEY-----\n", filePermission: "0600", directoryPermission: "0700" });
    synthFails(stack, /CR-PRIVATE-KEY \/srv\/x\/k/);
  });
});
