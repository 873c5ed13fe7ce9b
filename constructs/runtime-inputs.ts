import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { CUTTER_LAYOUT } from "./layout";
import { BackupKeyStatus, resolveGateInputs } from "./gate-inputs";
import { defaultOwnershipDirectory } from "./ownership-record";
import { Problems, absolutePathRule, posixNameRule, runtimeRootRule } from "./validation";

/**
 * Where the orchestrator's secrets live unless an operator says otherwise. (Here, with
 * the other inputs: reading the inputs must not load the constructs and cdktf, which
 * the operator commands need only when they synthesize.)
 */
export const DEFAULT_ENV_FILE = "/opt/incomex/docker/.env";

/** Where a stack keeps its Terraform state. */
export type StateBackendKind = "local" | "pg";
export const STATE_BACKENDS: readonly StateBackendKind[] = ["local", "pg"];

/** Everything an operator chooses for one host. */
export interface RuntimeInputs {
  readonly rootPath: string;
  readonly owner: string;
  readonly group: string;
  readonly envFilePath: string;
  /**
   * Where the state lives.
   * @default "local"
   */
  readonly stateBackend: StateBackendKind;
  /** Local state file (local backend only); never inside the managed tree. */
  readonly statePath: string;
  /** PostgreSQL schema holding this stack's state (pg backend only): one schema per stack. */
  readonly statePgSchema: string;
  /**
   * NAME of the environment variable holding the PostgreSQL connection string (pg backend only).
   * The value is read at plan/deploy time and handed to the engine as PG_CONN_STR; it is never synthesized.
   */
  readonly statePgConnEnv: string;
  /**
   * Ownership record directory (what the stack created or adopted); outside the tree.
   * @default "<state file>.ownership" (local backend), or one per root under /var/lib/cutter-runtime/ownership (pg)
   */
  readonly ownershipDir: string;
  /** Adopt paths that exist before the first deploy instead of refusing them. @default false */
  readonly adoptExisting: boolean;
  /** Whether BACKUP_GPG_FPR is provisioned on the host; written into the config. @default "not-provisioned" */
  readonly backupKeyStatus: BackupKeyStatus;
  /** The gate report's reference line (macro, KB id). @default "" - none */
  readonly reportReference: string;
  /** Where deploy and destroy append one JSON line each; outside the tree. @default "<state file>.audit.jsonl" (pg: "<ownership dir>.audit.jsonl") */
  readonly auditLogPath: string;
}

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

/** The environment variables an operator sets, with what each means. */
export const INPUT_VARIABLES = {
  CUTTER_RUNTIME_ROOT: `runtime root (default ${CUTTER_LAYOUT.defaultRoot})`,
  CUTTER_OWNER: `owner of every managed path (default ${CUTTER_LAYOUT.defaultOwner})`,
  CUTTER_GROUP: `group of every managed path (default ${CUTTER_LAYOUT.defaultGroup})`,
  CUTTER_ENV_FILE: `env file the orchestrator reads secrets from (default ${DEFAULT_ENV_FILE})`,
  CUTTER_STATE_BACKEND: `state backend: local or pg (default local)`,
  CUTTER_STATE_PATH: `local state file (default ${DEFAULT_STATE_DIR}/<root>.<hash>.tfstate)`,
  CUTTER_STATE_PG_SCHEMA: `pg backend: schema holding the state (default ${DEFAULT_PG_SCHEMA})`,
  CUTTER_STATE_PG_CONN_ENV: `pg backend: NAME of the variable holding the connection string (default ${ENGINE_PG_CONN_ENV})`,
  CUTTER_OWNERSHIP_DIR: "record of the paths the stack created or adopted (default <state file>.ownership)",
  CUTTER_ADOPT_EXISTING: "1 to adopt a root or subdirectory that exists before the first deploy (default 0: refuse)",
  CUTTER_BACKUP_KEY_STATUS: "whether BACKUP_GPG_FPR is provisioned on the host: not-provisioned (default) or provisioned",
  CUTTER_REPORT_REFERENCE: "the gate report's reference line, e.g. the macro and KB id (default: none)",
  CUTTER_AUDIT_LOG: "audit log of every deploy and destroy, one JSON line each (default <state file>.audit.jsonl)",
} as const;

/** The inputs as given, before defaults; undefined = not given. */
export interface RawRuntimeInputs {
  readonly rootPath?: unknown;
  readonly owner?: unknown;
  readonly group?: unknown;
  readonly envFilePath?: unknown;
  readonly stateBackend?: unknown;
  readonly statePath?: unknown;
  readonly statePgSchema?: unknown;
  readonly statePgConnEnv?: unknown;
  readonly ownershipDir?: unknown;
  readonly adoptExisting?: unknown;
  readonly backupKeyStatus?: unknown;
  readonly reportReference?: unknown;
  readonly auditLogPath?: unknown;
}

/** How each input is named in messages: an environment variable, or a host file's field. */
export type InputLabels = { readonly [K in keyof RuntimeInputs]: string };

/** Defaults that differ between the single env stack and a host's stack. */
export interface InputDefaults {
  /** @default defaultStatePath(root) */
  readonly statePath?: (rootPath: string) => string;
  /** @default DEFAULT_PG_SCHEMA */
  readonly statePgSchema?: string;
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

function isInside(child: string, parent: string): boolean {
  return child === parent || child.startsWith(parent + "/");
}

/**
 * The real path of `p`: the longest existing prefix resolved (symbolic links, `..`),
 * the rest appended as written. Paths are compared this way, never as text: a
 * symlinked spelling of a directory is the directory.
 */
export function resolvedPath(p: string): string {
  const missing: string[] = [];
  let at = path.resolve(p);
  for (let i = 0; i < 4096; i++) {
    try {
      return path.join(fs.realpathSync.native(at), ...missing.reverse());
    } catch {
      const parent = path.dirname(at);
      if (parent === at) break;
      missing.push(path.basename(at));
      at = parent;
    }
  }
  return path.resolve(p);
}

/** Whether `child` is `parent` or below it, by real path (see resolvedPath). */
export function isInsideResolved(child: string, parent: string): boolean {
  return isInside(child, parent) || isInside(resolvedPath(child), resolvedPath(parent));
}

/** " (it resolves to X)" when a path's real path differs from its spelling, for messages. */
export function resolvesNote(p: string): string {
  const real = resolvedPath(p);
  return real === p ? "" : ` (it resolves to ${real} through a symbolic link)`;
}

/**
 * Applies defaults and validates; every problem goes to `problems` under its label.
 * Settings of the backend not chosen must not be given: they would be silently ignored.
 */
export function resolveRuntimeInputs(raw: RawRuntimeInputs, labels: InputLabels, problems: Problems, defaults: InputDefaults = {}): RuntimeInputs {
  const given = (value: unknown) => value !== undefined && value !== "";
  const pick = <T>(value: unknown, fallback: T): T => (given(value) ? (value as T) : fallback);
  const check = (label: string, value: unknown, rule: (v: unknown) => string | undefined) => {
    const problem = rule(value);
    if (problem) problems.add(label, value, problem);
    return problem === undefined;
  };
  const rootPath = pick<string>(raw.rootPath, CUTTER_LAYOUT.defaultRoot);
  const rootOk = check(labels.rootPath, rootPath, runtimeRootRule);
  const stateBackend = pick<StateBackendKind>(raw.stateBackend, "local");
  const backendOk = STATE_BACKENDS.includes(stateBackend);
  if (!backendOk) problems.add(labels.stateBackend, stateBackend, `must be one of ${STATE_BACKENDS.join(", ")}`);
  const inputs: Omit<RuntimeInputs, "ownershipDir" | "adoptExisting" | "backupKeyStatus" | "reportReference" | "auditLogPath"> = {
    rootPath,
    owner: pick(raw.owner, CUTTER_LAYOUT.defaultOwner),
    group: pick(raw.group, CUTTER_LAYOUT.defaultGroup),
    envFilePath: pick(raw.envFilePath, DEFAULT_ENV_FILE),
    stateBackend,
    statePath: pick(raw.statePath, rootOk ? (defaults.statePath ?? defaultStatePath)(rootPath) : ""),
    statePgSchema: pick(raw.statePgSchema, defaults.statePgSchema ?? DEFAULT_PG_SCHEMA),
    statePgConnEnv: pick(raw.statePgConnEnv, ENGINE_PG_CONN_ENV),
  };
  check(labels.owner, inputs.owner, posixNameRule);
  check(labels.group, inputs.group, posixNameRule);
  check(labels.envFilePath, inputs.envFilePath, absolutePathRule);
  if (stateBackend === "pg") {
    if (given(raw.statePath)) problems.add(labels.statePath, raw.statePath, `is for the local backend, but the state backend is pg (${labels.stateBackend}); remove it`);
    check(labels.statePgSchema, inputs.statePgSchema, pgSchemaRule);
    check(labels.statePgConnEnv, inputs.statePgConnEnv, envNameRule);
  } else if (backendOk) {
    for (const key of ["statePgSchema", "statePgConnEnv"] as const) {
      if (given(raw[key])) problems.add(labels[key], raw[key], `is for the pg backend, but the state backend is local (${labels.stateBackend}); remove it or choose pg`);
    }
    // With a bad root there is no default state path to check; the root's problem is reported.
    const statePathKnown = given(raw.statePath) || rootOk;
    if (statePathKnown && check(labels.statePath, inputs.statePath, absolutePathRule) && rootOk) {
      if (isInsideResolved(inputs.statePath, inputs.rootPath)) {
        problems.add(labels.statePath, inputs.statePath, `is inside the managed tree ${inputs.rootPath}${resolvesNote(inputs.statePath)}; keep state outside it (destroy removes the tree)`);
      }
    }
  }
  const adopt = pick<string>(raw.adoptExisting, "0");
  if (adopt !== "0" && adopt !== "1") problems.add(labels.adoptExisting, adopt, 'must be "1" (adopt pre-existing paths) or "0" (refuse them, the default)');
  // Next to the local state file; with pg state, one directory per root on the host.
  const ownershipDefault = stateBackend === "local" ? (inputs.statePath ? `${inputs.statePath}.ownership` : "") : rootOk ? defaultOwnershipDirectory(rootPath) : "";
  const ownershipDir = pick<string>(raw.ownershipDir, ownershipDefault);
  // A derived default is only as good as what it derives from, which is reported already.
  const ownershipKnown = given(raw.ownershipDir) || absolutePathRule(ownershipDefault) === undefined;
  if (ownershipKnown && check(labels.ownershipDir, ownershipDir, absolutePathRule) && rootOk && (isInsideResolved(ownershipDir, rootPath) || isInsideResolved(rootPath, ownershipDir))) {
    problems.add(labels.ownershipDir, ownershipDir, `overlaps the managed tree ${rootPath}${resolvesNote(ownershipDir)}; keep it outside (next to the state file)`);
  }
  const gate = resolveGateInputs(raw, labels, problems, { rootPath, rootOk, stateBackend, statePath: inputs.statePath, ownershipDir });
  return { ...inputs, ownershipDir, adoptExisting: adopt === "1", ...gate };
}

export const ENV_LABELS: InputLabels = {
  rootPath: "CUTTER_RUNTIME_ROOT",
  owner: "CUTTER_OWNER",
  group: "CUTTER_GROUP",
  envFilePath: "CUTTER_ENV_FILE",
  stateBackend: "CUTTER_STATE_BACKEND",
  statePath: "CUTTER_STATE_PATH",
  statePgSchema: "CUTTER_STATE_PG_SCHEMA",
  statePgConnEnv: "CUTTER_STATE_PG_CONN_ENV",
  ownershipDir: "CUTTER_OWNERSHIP_DIR",
  adoptExisting: "CUTTER_ADOPT_EXISTING",
  backupKeyStatus: "CUTTER_BACKUP_KEY_STATUS",
  reportReference: "CUTTER_REPORT_REFERENCE",
  auditLogPath: "CUTTER_AUDIT_LOG",
};

/** The per-host input variables that are set in `env` (they conflict with host files). */
export function perHostVariablesSet(env: Record<string, string | undefined>): string[] {
  return Object.values(ENV_LABELS).filter((name) => env[name] !== undefined && env[name] !== "");
}

/** Reads and validates the inputs; throws one error naming every bad variable. */
export function readRuntimeInputs(env: Record<string, string | undefined>): RuntimeInputs {
  const problems = new Problems();
  const raw: { -readonly [K in keyof RuntimeInputs]?: string } = {};
  for (const [key, name] of Object.entries(ENV_LABELS) as Array<[keyof RuntimeInputs, string]>) raw[key] = env[name];
  const inputs = resolveRuntimeInputs(raw, ENV_LABELS, problems);
  problems.throwIfAny("cutter-runtime inputs (fix the environment variables named below)");
  return inputs;
}
