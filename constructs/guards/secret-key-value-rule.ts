import { GuardRule, hint, lineOf, parseJson, walkJson } from "./rule";

/** Words that make a key name a secret's name. */
const SECRET_WORDS = new Set(["password", "passwd", "pwd", "secret", "token", "key", "apikey", "passphrase", "fpr"]);
/** What the value of such a key may be: the NAME of an environment variable. */
export const ENV_VAR_NAME = /^[A-Z][A-Z0-9_]*$/;

/** Splits `gpgFpr_env`, `db-password` into lowercase words. */
export function keyWords(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
}

export function isSecretKey(key: string): boolean {
  return keyWords(key).some((w) => SECRET_WORDS.has(w));
}

/** `key: value` or `key=value` in plain text. */
const TEXT_ASSIGNMENT = /([A-Za-z][A-Za-z0-9_.-]*)\s*[:=]\s*["']?([^\s"',;]+)/g;

export const SECRET_KEY_VALUE_RULE: GuardRule = {
  id: "CR-SECRET-KEY-VALUE",
  what: "a key named like a secret (password/secret/token/key/passphrase/fpr) must hold an environment-variable NAME, never a value",
  why: "the files the stack writes are readable by the orchestrator's group and kept in state: a value there is a leaked secret",
  check(file) {
    const findings: string[] = [];
    const json = parseJson(file.content);
    if (json !== undefined) {
      walkJson(json, (at, key, value) => {
        if (!isSecretKey(key)) return;
        if (typeof value === "string" && !ENV_VAR_NAME.test(value)) findings.push(`${at} holds ${hint(value)}, not an environment-variable name`);
        if (typeof value === "number") findings.push(`${at} holds a number, not an environment-variable name`);
      });
      return findings;
    }
    for (const m of file.content.matchAll(TEXT_ASSIGNMENT)) {
      if (isSecretKey(m[1]) && !ENV_VAR_NAME.test(m[2]))
        findings.push(`line ${lineOf(file.content, m.index ?? 0)}: ${m[1]} = ${hint(m[2])}, not an environment-variable name`);
    }
    return findings;
  },
};
