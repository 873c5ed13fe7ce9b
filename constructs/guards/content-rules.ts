/**
 * The one set of rules about what text may hold, used everywhere text is checked: the
 * written-files guard at synth (constructs/guards/written-files-guard.ts), `npm run verify`
 * on the deployed config (cli/verify.ts), the report-reference input
 * (constructs/gate-inputs.ts) and the audit log's free text (cli/audit-log.ts).
 * A module of its own that loads no cdktf, so reading inputs and the operator commands
 * can use it. A new content rule is one file in this folder plus one line here.
 */
import { CONNECTION_STRING_RULE } from "./connection-string-rule";
import { EXECUTION_SWITCH_RULE } from "./execution-switch-rule";
import { HIGH_ENTROPY_RULE } from "./high-entropy-rule";
import { PRIVATE_KEY_RULE } from "./private-key-rule";
import { GuardRule } from "./rule";
import { SECRET_KEY_VALUE_RULE } from "./secret-key-value-rule";

/** Rules that find a secret value (a key's value, a private key, credentials, a token). */
export const SECRET_RULES: readonly GuardRule[] = [SECRET_KEY_VALUE_RULE, PRIVATE_KEY_RULE, CONNECTION_STRING_RULE, HIGH_ENTROPY_RULE];

/** Every rule about content: the secret rules and the execution switch (the mode ceiling is about files, not text). */
export const CONTENT_RULES: readonly GuardRule[] = [...SECRET_RULES, EXECUTION_SWITCH_RULE];

/** The ids of the rules in `rules` that `text` breaks (none: it may be written). */
export function brokenRules(text: string, where: string, rules: readonly GuardRule[] = CONTENT_RULES): string[] {
  return rules.filter((rule) => rule.check({ source: where, path: where, content: text }).length > 0).map((rule) => rule.id);
}
