import { GuardRule, lineOf, parseJson } from "./rule";

/** Lowercase letters and digits only, after Unicode compatibility folding (fullwidth, ligatures). */
export function fold(text: string): string {
  return text
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "");
}

const SWITCH = "executionenabled";
/** The switch's name in any spelling: its letters, with anything but letters and digits between them. */
const NAME = `${[...SWITCH].join("[^a-z0-9]*")}`;
/**
 * The name used to set the switch: followed by `=` or `:` (`:=`, `==`, `=>`, a JSON,
 * YAML or INI key, `export NAME=1`), or by a boolean word (`NAME true`, `NAME off`),
 * or preceded by `--` or `set` (a flag, `set NAME to ...`). Quotes, brackets,
 * underscores and spaces may come between; a letter or digit may not.
 */
const ASSIGNMENT = new RegExp(
  [
    `${NAME}[\\s"'\`_\\]\\)}>]*(?::|=)`,
    `${NAME}[\\s"'\`_]+(?:true|false|yes|no|on|off|enabled|disabled|[01])\\b`,
    `(?:--|\\bset[\\s_-]+|\\benable[\\s_-]+|\\bdisable[\\s_-]+)${NAME}`,
  ].join("|"),
  "g",
);

/** Line numbers (1-based) where `text` assigns the switch. */
function assignmentLines(text: string): number[] {
  const normalized = text.normalize("NFKC").toLowerCase();
  return [...normalized.matchAll(ASSIGNMENT)].map((m) => lineOf(normalized, m.index ?? 0));
}

/** Calls `visit(at, parentKey, key, value)` for every key of a parsed JSON document, at any depth. */
function walkKeys(value: unknown, visit: (at: string, parentKey: string, key: string, value: unknown) => void, at = "$", parentKey = ""): void {
  if (Array.isArray(value)) value.forEach((v, i) => walkKeys(v, visit, `${at}[${i}]`, parentKey));
  else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      visit(`${at}.${k}`, parentKey, k, v);
      walkKeys(v, visit, `${at}.${k}`, k);
    }
  }
}

/**
 * The config may say that the switch is not configurable (naming `__execution_enabled__`),
 * but nothing written may set it: no key naming it (any spelling, any depth, also split
 * over a parent and a child key: `execution: { enabled: ... }`), and no text assigning it.
 */
export const EXECUTION_SWITCH_RULE: GuardRule = {
  id: "CR-NO-EXECUTION-SWITCH",
  what: "no key that sets execution_enabled (any spelling or case, any depth) and no value assigning it; naming it in a note is fine",
  why: "the orchestrator's execution switch is a constant in its source; a config copy of it would look like a switch that works",
  check(file) {
    const findings: string[] = [];
    const json = parseJson(file.content);
    if (json !== undefined) {
      walkKeys(json, (at, parent, key, value) => {
        if (fold(key).includes(SWITCH) || fold(parent + key).includes(SWITCH)) findings.push(`${at}: a key that sets the execution switch`);
        if (typeof value === "string" && assignmentLines(value).length > 0) findings.push(`${at}: a value that assigns the execution switch`);
      });
    }
    // The text as written: prose, YAML, INI, env files (for JSON: keys spelt with escapes are caught above).
    for (const line of assignmentLines(file.content)) findings.push(`line ${line}: assigns the execution switch`);
    return [...new Set(findings)];
  },
};
