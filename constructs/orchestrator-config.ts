import { ITerraformDependable } from "./cdk";
import { Construct } from "constructs";
import { ResolvedLayout } from "./layout";
import { BackupKeyStatus, DEFAULT_BACKUP_KEY_STATUS, backupKeyStatusRule } from "./gate-inputs";
import { ManagedFile, SharedFileSteps } from "./managed-file";
import { PermissionProps } from "./permission-command";
import { OwnershipRecord } from "./ownership-record";
import { DEFAULT_ENV_FILE } from "./runtime-inputs";
import { Problems, absolutePathRule } from "./validation";

/**
 * Names of the environment variables the orchestrator reads its database wiring
 * and backup key from. Only names: no value ever appears in the config.
 */
export const DB_ENV_NAMES = {
  host: "DOT_CUTTER_DB_HOST",
  port: "DOT_CUTTER_DB_PORT",
  name: "DOT_CUTTER_DB_NAME",
  sslmode: "DOT_CUTTER_DB_SSLMODE",
  execUser: "DOT_CUTTER_EXEC_DB_USER",
  execPassword: "DOT_CUTTER_EXEC_DB_PASSWORD",
  verifyUser: "DOT_CUTTER_VERIFY_DB_USER",
  verifyPassword: "DOT_CUTTER_VERIFY_DB_PASSWORD",
} as const;

export const BACKUP_KEY_ENV_NAME = "BACKUP_GPG_FPR";

/** Version of the document's shape; bump when a consumer must change. 2: `execution` note, backup key status as an input. */
export const CONFIG_SCHEMA_VERSION = 2;

/** The orchestrator's execution switch: a constant in its source, named here only to say it is not configurable. */
export const EXECUTION_SWITCH_CONSTANT = "__execution_enabled__";

/**
 * The execution note as the signed gate report words it. It names the switch
 * without assigning it, which the written-files guard tells apart from a setting.
 */
export const EXECUTION_NOTE = `execution_enabled explicitly NOT configurable here — it is the source constant ${EXECUTION_SWITCH_CONSTANT}; flipping it is a sovereign GAP7 action`;

/** How the config flags the backup key, per status. */
export const BACKUP_KEY_FLAGS: Record<BackupKeyStatus, "NOT PROVISIONED" | "PROVISIONED"> = {
  "not-provisioned": "NOT PROVISIONED",
  provisioned: "PROVISIONED",
};

function backupKeyNote(status: BackupKeyStatus): string {
  return status === "provisioned"
    ? `${BACKUP_KEY_ENV_NAME} is provisioned on this host (F4): encrypted backups can run`
    : `${BACKUP_KEY_ENV_NAME} is not provisioned on this host yet (F4); encrypted backups cannot run until it is`;
}

/** Builds the non-sensitive config document. Key order is fixed, so output is deterministic. */
export function buildOrchestratorConfig(
  layout: ResolvedLayout,
  envFilePath: string = DEFAULT_ENV_FILE,
  backupKeyStatus: BackupKeyStatus = DEFAULT_BACKUP_KEY_STATUS,
) {
  return {
    schema_version: CONFIG_SCHEMA_VERSION,
    generated_by: "cutter-runtime (CDKTF); edits are reported by verify and kept by destroy",
    sensitivity: "non-sensitive by construction: every credential below is the NAME of an environment variable, never a value",
    runtime_root: layout.root,
    layout: Object.fromEntries(layout.directories.map((d) => [d.name, d.path])),
    sidecar_root: layout.sidecarRoot,
    run_layout: "<sidecar_root>/<run_id>/{state.json, state.lock, kb/}",
    credentials: {
      source: "environment variables, resolved at runtime",
      env_file: envFilePath,
    },
    database: {
      host_env: DB_ENV_NAMES.host,
      port_env: DB_ENV_NAMES.port,
      name_env: DB_ENV_NAMES.name,
      sslmode_env: DB_ENV_NAMES.sslmode,
      roles: {
        exec: { user_env: DB_ENV_NAMES.execUser, password_env: DB_ENV_NAMES.execPassword },
        verify: { user_env: DB_ENV_NAMES.verifyUser, password_env: DB_ENV_NAMES.verifyPassword },
      },
      driver: {
        available: "psycopg2",
        adapter: "Psycopg2ConnectionShim",
        note: "the host has psycopg2 only; wrap every connection via Psycopg2ConnectionShim",
      },
    },
    backup: {
      directory: layout.backupPath,
      format: "pg_dump, encrypted with gpg",
      gpg_fpr_env: BACKUP_KEY_ENV_NAME,
      provisioning: BACKUP_KEY_FLAGS[backupKeyStatus],
      note: backupKeyNote(backupKeyStatus),
    },
    execution: {
      configurable_here: false,
      source_constant: EXECUTION_SWITCH_CONSTANT,
      note: EXECUTION_NOTE,
    },
  };
}

export type OrchestratorConfigDocument = ReturnType<typeof buildOrchestratorConfig>;

/** 2-space JSON with a trailing newline: re-synth gives the same bytes. */
export function renderOrchestratorConfig(document: OrchestratorConfigDocument): string {
  return JSON.stringify(document, null, 2) + "\n";
}

export interface OrchestratorConfigProps extends PermissionProps {
  readonly layout: ResolvedLayout;
  /** Absolute path of the file holding the secret values. @default "/opt/incomex/docker/.env" */
  readonly envFilePath?: string;
  /** Whether BACKUP_GPG_FPR is provisioned on the host. @default "not-provisioned" */
  readonly backupKeyStatus?: BackupKeyStatus;
  /** Octal mode, 0640 at most. @default "0640" */
  readonly mode?: string;
  readonly dependsOn?: ITerraformDependable[];
  /** Passed to the ManagedFile. @default - no ownership record */
  readonly ownership?: OwnershipRecord;
  /** Passed to the ManagedFile. @default - its own write guard and owner/mode step */
  readonly steps?: SharedFileSteps;
}

/** `orchestrator.config.json` in the runtime root: paths and env-var names, zero secret values. */
export class OrchestratorConfig extends Construct {
  public readonly document: OrchestratorConfigDocument;
  public readonly file: ManagedFile;

  constructor(scope: Construct, id: string, props: OrchestratorConfigProps) {
    super(scope, id);
    const envFilePath = props.envFilePath ?? DEFAULT_ENV_FILE;
    const problems = new Problems();
    const envProblem = absolutePathRule(envFilePath);
    if (envProblem) problems.add("envFilePath", envFilePath, envProblem);
    const backupKeyStatus = props.backupKeyStatus ?? DEFAULT_BACKUP_KEY_STATUS;
    const statusProblem = backupKeyStatusRule(backupKeyStatus);
    if (statusProblem) problems.add("backupKeyStatus", backupKeyStatus, statusProblem);
    problems.throwIfAny(`OrchestratorConfig ${this.node.path}`);

    this.document = buildOrchestratorConfig(props.layout, envFilePath, backupKeyStatus);
    this.file = new ManagedFile(this, "Config", {
      path: props.layout.configPath,
      content: renderOrchestratorConfig(this.document),
      owner: props.owner,
      group: props.group,
      mode: props.mode,
      dependsOn: props.dependsOn,
      ownership: props.ownership,
      steps: props.steps,
    });
  }
}
