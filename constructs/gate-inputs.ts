/**
 * The inputs of the gate report and the audit trail: the backup key's status
 * (written into the config), the report's reference line and the audit log's
 * path. Rows of the input tables in runtime-inputs.ts / host-files.ts; their
 * rules and defaults live here.
 */
import * as path from "path";
// The rule modules themselves, not ./guards (its Aspect loads cdktf, which reading inputs does not need).
import { CONNECTION_STRING_RULE } from "./guards/connection-string-rule";
import { EXECUTION_SWITCH_RULE } from "./guards/execution-switch-rule";
import { HIGH_ENTROPY_RULE } from "./guards/high-entropy-rule";
import { PRIVATE_KEY_RULE } from "./guards/private-key-rule";
import { SECRET_KEY_VALUE_RULE } from "./guards/secret-key-value-rule";
import { Problems, absolutePathRule } from "./validation";

/** Whether the backup encryption key (BACKUP_GPG_FPR) is provisioned on the host. */
export type BackupKeyStatus = "not-provisioned" | "provisioned";
export const BACKUP_KEY_STATUSES: readonly BackupKeyStatus[] = ["not-provisioned", "provisioned"];
export const DEFAULT_BACKUP_KEY_STATUS: BackupKeyStatus = "not-provisioned";

/** Longest reference line (it is one line of the report's header). */
export const MAX_REPORT_REFERENCE_LENGTH = 200;

/** The guard rules that look at content (the mode ceiling is about files, not text). */
const CONTENT_RULES = [SECRET_KEY_VALUE_RULE, PRIVATE_KEY_RULE, CONNECTION_STRING_RULE, HIGH_ENTROPY_RULE, EXECUTION_SWITCH_RULE];

export function backupKeyStatusRule(value: unknown): string | undefined {
  return BACKUP_KEY_STATUSES.includes(value as BackupKeyStatus) ? undefined : `must be one of ${BACKUP_KEY_STATUSES.join(", ")} (whether BACKUP_GPG_FPR is provisioned on the host)`;
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
  const findings = CONTENT_RULES.flatMap((rule) => rule.check({ source: "input", path: "report reference", content: value }).map(() => rule.id));
  if (findings.length > 0) return `looks like it holds a secret or the execution switch (${[...new Set(findings)].join(", ")}); the report is read by reviewers: give a reference, never a value`;
  return undefined;
}

/** Where the audit log goes unless an operator says otherwise: beside the state (pg: beside the ownership record). */
export function defaultAuditLogPath(stateBackend: string, statePath: string, ownershipDir: string): string {
  const beside = stateBackend === "local" ? statePath : ownershipDir;
  return beside ? `${beside}.audit.jsonl` : "";
}

function isInside(child: string, parent: string): boolean {
  return child === parent || child.startsWith(parent + "/");
}

export interface GateInputs {
  readonly backupKeyStatus: BackupKeyStatus;
  readonly reportReference: string;
  readonly auditLogPath: string;
}

/** What the gate inputs are checked against (already resolved). */
export interface GateInputContext {
  readonly rootPath: string;
  readonly rootOk: boolean;
  readonly stateBackend: string;
  readonly statePath: string;
  readonly ownershipDir: string;
}

/** Applies defaults and validates the gate inputs; every problem goes to `problems` under its label. */
export function resolveGateInputs(
  raw: { readonly backupKeyStatus?: unknown; readonly reportReference?: unknown; readonly auditLogPath?: unknown },
  labels: { readonly backupKeyStatus: string; readonly reportReference: string; readonly auditLogPath: string },
  problems: Problems,
  context: GateInputContext,
): GateInputs {
  const given = (value: unknown) => value !== undefined && value !== "";
  const backupKeyStatus = given(raw.backupKeyStatus) ? raw.backupKeyStatus : DEFAULT_BACKUP_KEY_STATUS;
  const statusProblem = backupKeyStatusRule(backupKeyStatus);
  if (statusProblem) problems.add(labels.backupKeyStatus, backupKeyStatus, statusProblem);
  const reportReference = given(raw.reportReference) ? raw.reportReference : "";
  const referenceProblem = reportReferenceRule(reportReference);
  // Never echo a value that looks like a secret: name the input and the rule only.
  if (referenceProblem) problems.add(labels.reportReference, referenceProblem.startsWith("looks like") ? "(value withheld)" : reportReference, referenceProblem);
  const fallback = defaultAuditLogPath(context.stateBackend, context.statePath, context.ownershipDir);
  const auditLogPath = given(raw.auditLogPath) ? (raw.auditLogPath as string) : fallback;
  // A derived default is only as good as what it derives from, which is reported already.
  if (given(raw.auditLogPath) || absolutePathRule(fallback) === undefined) {
    const pathProblem = absolutePathRule(auditLogPath);
    if (pathProblem) problems.add(labels.auditLogPath, auditLogPath, pathProblem);
    else if (context.rootOk && (isInside(auditLogPath, context.rootPath) || isInside(context.rootPath, auditLogPath))) {
      problems.add(labels.auditLogPath, auditLogPath, `overlaps the managed tree ${context.rootPath}; keep the audit log outside it (beside the state)`);
    } else if (context.stateBackend === "local" && auditLogPath === context.statePath) {
      problems.add(labels.auditLogPath, auditLogPath, "is the state file; give the audit log its own file (default <state file>.audit.jsonl)");
    } else if (context.ownershipDir && (isInside(auditLogPath, context.ownershipDir) || isInside(context.ownershipDir, auditLogPath))) {
      problems.add(labels.auditLogPath, auditLogPath, `overlaps the ownership record directory ${context.ownershipDir}; keep it beside it (default ${path.posix.basename(context.ownershipDir)}.audit.jsonl)`);
    }
  }
  return { backupKeyStatus: backupKeyStatus as BackupKeyStatus, reportReference: reportReference as string, auditLogPath };
}
