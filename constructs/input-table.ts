/**
 * The one table of operator-settable inputs: each input once, with its environment
 * variable, its host-file field, its default, its rule and a one-line doc. Everything
 * else is derived from it: the type RuntimeInputs, reading the environment
 * (runtime-inputs.ts), reading host files (host-files.ts), validation at that boundary,
 * the README's Inputs table (dev/render-readme.ts, kept in sync by __tests__/readme.test.ts)
 * and the names verify and the gate report print.
 *
 * Adding an input: one row here (rows are resolved in this order, so a default may use
 * the rows above it), a test, `npm run readme`. The construct that uses the value reads
 * it from RuntimeInputs, typed and already valid.
 */
import { createHash } from "crypto";
import * as path from "path";
import { BACKUP_KEY_STATUSES, BackupKeyStatus, DEFAULT_BACKUP_KEY_STATUS, backupKeyStatusRule, defaultAuditLogPath, reportReferenceRule } from "./gate-inputs";
import { CUTTER_LAYOUT } from "./layout";
import { defaultOwnershipDirectory } from "./ownership-record";
import { isInsideResolved, overlapsResolved, resolvesNote } from "./path-inside";
import { absolutePathRule, posixNameRule, runtimeRootRule } from "./validation";

/** Where the orchestrator's secrets live unless an operator says otherwise. */
export const DEFAULT_ENV_FILE = "/opt/incomex/docker/.env";
/** Where a stack keeps its Terraform state. */
export type StateBackendKind = "local" | "pg";
export const STATE_BACKENDS: readonly StateBackendKind[] = ["local", "pg"];
/** Directory holding local state files unless CUTTER_STATE_PATH says otherwise. */
export const DEFAULT_STATE_DIR = "/var/lib/cutter-runtime/state";
/** The engine's own variable for the pg backend's connection string (Terraform >= 1.5, OpenTofu >= 1.6). */
export const ENGINE_PG_CONN_ENV = "PG_CONN_STR";
/** Schema of the single stack configured from environment variables. */
export const DEFAULT_PG_SCHEMA = "cutter_runtime";

/**
 * Default state file for a root: one file per root, so two roots never share
 * (and so never replace each other's) state. The name keeps the root readable.
 */
export function defaultStatePath(rootPath: string): string {
  const readable = rootPath.slice(1).replace(/\//g, "-");
  const digest = createHash("sha256").update(rootPath).digest("hex").slice(0, 8);
  return path.posix.join(DEFAULT_STATE_DIR, `${readable}.${digest}.tfstate`);
}

const PG_SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/;
const ENV_NAME = /^[A-Z_][A-Z0-9_]{0,127}$/;

/** A PostgreSQL schema name that needs no quoting: `[a-z_][a-z0-9_]{0,62}`. */
export function pgSchemaRule(value: unknown): string | undefined {
  if (typeof value !== "string" || !PG_SCHEMA.test(value)) {
    return "must be a PostgreSQL schema name: a lowercase letter or _ first, then up to 62 of [a-z0-9_]";
  }
  return undefined;
}

/** An environment variable name: `[A-Z_][A-Z0-9_]*`. */
export function envNameRule(value: unknown): string | undefined {
  if (typeof value !== "string" || !ENV_NAME.test(value)) {
    return "must be an environment variable NAME (not a connection string): an uppercase letter or _ first, then [A-Z0-9_]";
  }
  return undefined;
}

/** One of `choices`. */
const oneOf =
  (choices: readonly string[], why = "") =>
  (value: unknown): string | undefined =>
    choices.includes(value as string) ? undefined : `must be one of ${choices.join(", ")}${why}`;

/** What a default or a relation may look at: the rows resolved before it. */
export interface InputContext {
  /** Values of the rows above, as resolved (text; "" where none could be derived). */
  readonly text: Readonly<Record<string, string>>;
  /** Whether the row `key` above passed its rule. */
  readonly ok: (key: string) => boolean;
  /** The host's name when the inputs come from `hosts/<name>.json`; undefined for the environment. */
  readonly hostName?: string;
}

/** One operator-settable input. */
export interface InputRow<T> {
  /** Environment variable (the single stack from environment variables). */
  readonly env: string;
  /** Field of `hosts/<name>.json`; `state.x` is the field `x` of the `state` object. */
  readonly field: string;
  /** What it is, in one line. */
  readonly doc: string;
  /** The default, for the README (markdown). */
  readonly defaultDoc: string;
  /** The rule, for the README (markdown). */
  readonly ruleDoc: string;
  /** The default, as text ("" = none can be derived: what it derives from is reported already). */
  readonly fallback: (context: InputContext) => string;
  /** The rule a value must keep; returns the rule broken, or undefined. */
  readonly rule: (value: unknown) => string | undefined;
  /** Checks against the rows above, once the value passed its rule; returns the rule broken. */
  readonly relation?: (value: string, context: InputContext) => string | undefined;
  /** Only for this state backend: refused when given with the other one. */
  readonly backend?: StateBackendKind;
  /** When a problem means the value may be a secret, it is not shown. */
  readonly withhold?: (problem: string) => boolean;
  /** The typed value of valid text. */
  readonly parse: (text: string) => T;
}

const text = (t: string) => t;
const row = <T>(r: InputRow<T>): InputRow<T> => r;

/** Both the tree and the other path: neither inside the other. */
const outsideTree = (what: string) => (value: string, c: InputContext) =>
  c.ok("rootPath") && overlapsResolved(value, c.text.rootPath) ? `overlaps the managed tree ${c.text.rootPath}${resolvesNote(value)}; ${what}` : undefined;

export const INPUT_TABLE = {
  rootPath: row({
    env: "CUTTER_RUNTIME_ROOT",
    field: "runtimeRoot",
    doc: "runtime root: the directory the stack manages",
    defaultDoc: `\`${CUTTER_LAYOUT.defaultRoot}\``,
    ruleDoc:
      "absolute, normalised, characters `[A-Za-z0-9._-]`; a directory named `cutter*` below `/var/lib`, `/srv`, `/opt` or a temp dir (`/tmp`, `/var/tmp`), see [docs/safety.md](docs/safety.md)",
    fallback: () => CUTTER_LAYOUT.defaultRoot,
    rule: runtimeRootRule,
    parse: text,
  }),
  owner: row({
    env: "CUTTER_OWNER",
    field: "owner",
    doc: "owner of every managed path",
    defaultDoc: `\`${CUTTER_LAYOUT.defaultOwner}\``,
    ruleDoc: "POSIX user name `[a-z_][a-z0-9_-]{0,31}`",
    fallback: () => CUTTER_LAYOUT.defaultOwner,
    rule: posixNameRule,
    parse: text,
  }),
  group: row({
    env: "CUTTER_GROUP",
    field: "group",
    doc: "group of every managed path",
    defaultDoc: `\`${CUTTER_LAYOUT.defaultGroup}\``,
    ruleDoc: "POSIX group name `[a-z_][a-z0-9_-]{0,31}`",
    fallback: () => CUTTER_LAYOUT.defaultGroup,
    rule: posixNameRule,
    parse: text,
  }),
  envFilePath: row({
    env: "CUTTER_ENV_FILE",
    field: "envFile",
    doc: "env file the orchestrator reads secrets from",
    defaultDoc: `\`${DEFAULT_ENV_FILE}\``,
    ruleDoc: "absolute, normalised path (where the secret values live; the config names it, never reads it)",
    fallback: () => DEFAULT_ENV_FILE,
    rule: absolutePathRule,
    parse: text,
  }),
  stateBackend: row<StateBackendKind>({
    env: "CUTTER_STATE_BACKEND",
    field: "state.backend",
    doc: "where the state lives: local or pg",
    defaultDoc: "`local`",
    ruleDoc: "`local` or `pg` (see [State backends](docs/state-backends.md))",
    fallback: () => "local",
    rule: oneOf(STATE_BACKENDS),
    parse: (t) => t as StateBackendKind,
  }),
  statePath: row({
    env: "CUTTER_STATE_PATH",
    field: "state.path",
    doc: "local state file; never inside the managed tree",
    defaultDoc: `\`${DEFAULT_STATE_DIR}/<root>.<hash>.tfstate\` (host file: \`${DEFAULT_STATE_DIR}/<host>.tfstate\`)`,
    ruleDoc: "local backend only; absolute, normalised, outside the managed tree",
    // With a bad root there is no default state path to check; the root's problem is reported.
    fallback: (c) =>
      c.hostName !== undefined ? path.posix.join(DEFAULT_STATE_DIR, `${c.hostName}.tfstate`) : c.ok("rootPath") ? defaultStatePath(c.text.rootPath) : "",
    rule: absolutePathRule,
    relation: (value, c) =>
      c.ok("rootPath") && isInsideResolved(value, c.text.rootPath)
        ? `is inside the managed tree ${c.text.rootPath}${resolvesNote(value)}; keep state outside it (destroy removes the tree)`
        : undefined,
    backend: "local",
    parse: text,
  }),
  statePgSchema: row({
    env: "CUTTER_STATE_PG_SCHEMA",
    field: "state.pgSchema",
    doc: "PostgreSQL schema holding this stack's state: one schema per stack",
    defaultDoc: `\`${DEFAULT_PG_SCHEMA}\` (host file: \`cutter_runtime_<host>\`)`,
    ruleDoc: "pg backend only; `[a-z_][a-z0-9_]{0,62}`",
    fallback: (c) => (c.hostName !== undefined ? `cutter_runtime_${c.hostName.replace(/-/g, "_")}` : DEFAULT_PG_SCHEMA),
    rule: pgSchemaRule,
    backend: "pg",
    parse: text,
  }),
  statePgConnEnv: row({
    env: "CUTTER_STATE_PG_CONN_ENV",
    field: "state.pgConnEnv",
    doc: "NAME of the variable holding the PostgreSQL connection string; read at plan/deploy time, never synthesized",
    defaultDoc: `\`${ENGINE_PG_CONN_ENV}\``,
    ruleDoc: "pg backend only; the **name** of the variable holding the connection string, `[A-Z_][A-Z0-9_]*`",
    fallback: () => ENGINE_PG_CONN_ENV,
    rule: envNameRule,
    backend: "pg",
    parse: text,
  }),
  ownershipDir: row({
    env: "CUTTER_OWNERSHIP_DIR",
    field: "state.ownershipDir",
    doc: "record of the paths the stack created or adopted; outside the tree",
    defaultDoc: "`<state file>.ownership` (pg: `/var/lib/cutter-runtime/ownership/<root>.<hash>`)",
    ruleDoc: "absolute, normalised, outside the managed tree (see [docs/safety.md](docs/safety.md))",
    // Next to the local state file; with pg state, one directory per root on the host.
    fallback: (c) =>
      c.text.stateBackend === "local"
        ? c.text.statePath
          ? `${c.text.statePath}.ownership`
          : ""
        : c.ok("rootPath")
          ? defaultOwnershipDirectory(c.text.rootPath)
          : "",
    rule: absolutePathRule,
    relation: (value, c) =>
      c.ok("rootPath") && overlapsResolved(value, c.text.rootPath)
        ? `overlaps the managed tree ${c.text.rootPath}${resolvesNote(value)}; keep it outside (next to the state file)`
        : undefined,
    parse: text,
  }),
  adoptExisting: row({
    env: "CUTTER_ADOPT_EXISTING",
    field: "adoptExisting",
    doc: "1 to adopt a root or subdirectory that exists before the first deploy (0: refuse it)",
    defaultDoc: "`0`",
    ruleDoc: "`1` adopts a root/subdirectory that existed before the first deploy; `0` refuses it",
    fallback: () => "0",
    rule: (value) => (value === "0" || value === "1" ? undefined : 'must be "1" (adopt pre-existing paths) or "0" (refuse them, the default)'),
    parse: (t) => t === "1",
  }),
  backupKeyStatus: row<BackupKeyStatus>({
    env: "CUTTER_BACKUP_KEY_STATUS",
    field: "backupKeyStatus",
    doc: "whether BACKUP_GPG_FPR is provisioned on the host; written into the config",
    defaultDoc: `\`${DEFAULT_BACKUP_KEY_STATUS}\``,
    ruleDoc: `${BACKUP_KEY_STATUSES.map((s) => `\`${s}\``).join(" or ")}: how the config flags \`BACKUP_GPG_FPR\` (verify compares it with the env file)`,
    fallback: () => DEFAULT_BACKUP_KEY_STATUS,
    rule: backupKeyStatusRule,
    parse: (t) => t as BackupKeyStatus,
  }),
  reportReference: row({
    env: "CUTTER_REPORT_REFERENCE",
    field: "reportReference",
    doc: "the gate report's reference line, e.g. the macro and KB id",
    defaultDoc: "none",
    ruleDoc: "one line of text for the gate report's header (e.g. the macro and KB id); no secret-looking value",
    fallback: () => "",
    rule: reportReferenceRule,
    // Never echo a value that looks like a secret: name the input and the rule only.
    withhold: (problem) => problem.startsWith("looks like"),
    parse: text,
  }),
  auditLogPath: row({
    env: "CUTTER_AUDIT_LOG",
    field: "state.auditLog",
    doc: "audit log of every deploy and destroy, one JSON line each; outside the tree",
    defaultDoc: "`<state file>.audit.jsonl` (pg: `<ownership dir>.audit.jsonl`)",
    ruleDoc: "absolute, outside the tree, not the state file nor in the record directory (see [docs/gate-report.md](docs/gate-report.md))",
    fallback: (c) => defaultAuditLogPath(c.text.stateBackend, c.text.statePath, c.text.ownershipDir),
    rule: absolutePathRule,
    relation: (value, c) =>
      outsideTree("keep the audit log outside it (beside the state)")(value, c) ??
      (c.text.stateBackend === "local" && value === c.text.statePath
        ? "is the state file; give the audit log its own file (default <state file>.audit.jsonl)"
        : c.text.ownershipDir && overlapsResolved(value, c.text.ownershipDir)
          ? `overlaps the ownership record directory ${c.text.ownershipDir}; keep it beside it (default ${path.posix.basename(c.text.ownershipDir)}.audit.jsonl)`
          : undefined),
    parse: text,
  }),
} as const;

/** An input's key: `rootPath`, `owner`, ... */
export type InputKey = keyof typeof INPUT_TABLE;
/** The keys in table order (the order they are resolved and documented in). */
export const INPUT_KEYS = Object.keys(INPUT_TABLE) as InputKey[];

/** Everything an operator chooses for one host, typed and valid: derived from INPUT_TABLE. */
export type RuntimeInputs = { readonly [K in InputKey]: ReturnType<(typeof INPUT_TABLE)[K]["parse"]> };
