/**
 * One rule set, one mode ceiling (no engine): a secret one checker catches, every
 * checker catches (the guard at synth, verify on the deployed config, the report
 * reference input, the audit log); a mode one checker refuses, every checker refuses.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Construct } from "constructs";
import { Aspects, TerraformStack, Testing } from "../constructs/cdk";
import { File, LocalProvider } from "../constructs/local-provider";
import {
  CONTENT_RULES,
  MODE_CEILING,
  MODE_CEILING_RULE,
  PathKind,
  Problems,
  SECRET_RULES,
  WRITTEN_FILE_RULES,
  WrittenFilesGuard,
  checkOwnerAndMode,
  formatMode,
  reportReferenceRule,
} from "../constructs";
import { guarded } from "../cli/audit-log";
import { configSecretFindings } from "../cli/verify";
import { testApp } from "./support/test-app";

/** One sample per content rule, each in the shape it would reach a written file. */
const SAMPLES: ReadonlyArray<{ rule: string; text: string }> = [
  { rule: "CR-SECRET-KEY-VALUE", text: 'db_password: "hunter2-not-a-name"' },
  { rule: "CR-PRIVATE-KEY", text: "-----BEGIN OPENSSH PRIVATE KEY-----" },
  { rule: "CR-CONNECTION-STRING", text: "postgres://app:s3cret@db.internal/cutter" },
  { rule: "CR-HIGH-ENTROPY", text: "token ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8" },
  { rule: "CR-NO-EXECUTION-SWITCH", text: "execution_enabled = true" },
];

/** What the synth-time guard says about a file holding `text` (a real synth with validations). */
function guardFindings(text: string): string {
  const stack = new TerraformStack(testApp(), "guarded");
  new LocalProvider(stack, "local");
  Aspects.of(stack).add(new WrittenFilesGuard());
  new File(new Construct(stack, "Stranger"), "F", { filename: "/srv/x/f", content: text, filePermission: "0640", directoryPermission: "0700" });
  try {
    Testing.synth(stack, true);
    return "";
  } catch (error) {
    return (error as Error).message;
  }
}

describe("one secret rule set (constructs/guards/content-rules.ts)", () => {
  test("every content rule has a sample here, and the guard and verify run the same set", () => {
    assert.deepEqual(
      SAMPLES.map((s) => s.rule),
      CONTENT_RULES.map((r) => r.id),
    );
    for (const rule of CONTENT_RULES) assert.ok(WRITTEN_FILE_RULES.includes(rule), `${rule.id} is in the guard`);
  });

  for (const { rule, text } of SAMPLES) {
    test(`${rule}: caught by the guard at synth, by verify on the deployed config, by the report-reference input${SECRET_RULES.some((r) => r.id === rule) ? " and withheld from the audit log" : ""}`, () => {
      assert.match(guardFindings(text), new RegExp(`${rule} /srv/x/f: `), "the guard");
      const verified = configSecretFindings("/srv/cutter/orchestrator.config.json", text);
      assert.ok(
        verified.some((f) => f.startsWith(`${rule}: `)),
        `verify: ${verified.join("; ")}`,
      );
      assert.match(reportReferenceRule(text.replace(/\n/g, " ")) ?? "", new RegExp(rule), "the report reference input");
      if (SECRET_RULES.some((r) => r.id === rule)) assert.match(guarded(text), new RegExp(`\\[withheld: .*${rule}`), "the audit log");
    });
  }

  test("Compliance: what the stack writes passes all of them (the negative control)", () => {
    const text = 'password_env: "DOT_CUTTER_DB_PASSWORD"; runtime root /var/lib/cutter';
    assert.equal(guardFindings(text), "");
    assert.deepEqual(configSecretFindings("/srv/cutter/orchestrator.config.json", text), []);
    assert.equal(guarded(text), text);
  });
});

describe("one mode ceiling (constructs/validation.ts MODE_CEILING)", () => {
  test("the constructs' props and the written-files guard refuse exactly the same modes", () => {
    const modes = ["0400", "0600", "0640", "0644", "0660", "0700", "0750", "0755", "0770", "0775", "2750", "4640", "1750", "0741"];
    for (const kind of [PathKind.FILE, PathKind.DIRECTORY]) {
      for (const mode of modes) {
        const problems = new Problems();
        checkOwnerAndMode({ kind, mode }, problems);
        const byProps = problems.list.length > 0;
        const file = kind === PathKind.FILE ? { fileMode: mode, directoryMode: "0700" } : { fileMode: "0600", directoryMode: mode };
        const byGuard = MODE_CEILING_RULE.check({ source: "t", path: "/srv/x/f", content: "", ...file }).length > 0;
        assert.equal(byGuard, byProps, `${kind} ${mode}`);
        assert.equal(byProps, (parseInt(mode, 8) & ~MODE_CEILING[kind]) !== 0, `${kind} ${mode} against ${formatMode(MODE_CEILING[kind])}`);
      }
    }
    assert.ok(
      MODE_CEILING_RULE.what.includes(formatMode(MODE_CEILING[PathKind.FILE])) && MODE_CEILING_RULE.what.includes(formatMode(MODE_CEILING[PathKind.DIRECTORY])),
    );
  });
});
