/**
 * Rules and defaults of the gate report's and the audit trail's inputs: the backup
 * key's status (written into the config), the report's reference line and the audit
 * log's path. Their rows are in input-table.ts.
 */
// The rule set itself, not ./guards (its Aspect loads cdktf, which reading inputs does not need).
import { brokenRules } from "./guards/content-rules";

/** Whether the backup encryption key (BACKUP_GPG_FPR) is provisioned on the host. */
export type BackupKeyStatus = "not-provisioned" | "provisioned";
export const BACKUP_KEY_STATUSES: readonly BackupKeyStatus[] = ["not-provisioned", "provisioned"];
export const DEFAULT_BACKUP_KEY_STATUS: BackupKeyStatus = "not-provisioned";

/** Longest reference line (it is one line of the report's header). */
export const MAX_REPORT_REFERENCE_LENGTH = 200;

export function backupKeyStatusRule(value: unknown): string | undefined {
  return BACKUP_KEY_STATUSES.includes(value as BackupKeyStatus)
    ? undefined
    : `must be one of ${BACKUP_KEY_STATUSES.join(", ")} (whether BACKUP_GPG_FPR is provisioned on the host)`;
}

/**
 * The report's reference line (e.g. the macro and KB id the gate runs under): one
 * line of printable text, and nothing the written-files guard would refuse.
 */
export function reportReferenceRule(value: unknown): string | undefined {
  if (typeof value !== "string") return "must be a string";
  if (value.length > MAX_REPORT_REFERENCE_LENGTH) return `is ${value.length} characters long; the limit is ${MAX_REPORT_REFERENCE_LENGTH}`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(value)) return "must be one line of printable text (no newline, tab or control character)";
  const findings = brokenRules(value, "report reference");
  if (findings.length > 0)
    return `looks like it holds a secret or the execution switch (${findings.join(", ")}); the report is read by reviewers: give a reference, never a value`;
  return undefined;
}

/** Where the audit log goes unless an operator says otherwise: beside the state (pg: beside the ownership record). */
export function defaultAuditLogPath(stateBackend: string, statePath: string, ownershipDir: string): string {
  const beside = stateBackend === "local" ? statePath : ownershipDir;
  return beside ? `${beside}.audit.jsonl` : "";
}
