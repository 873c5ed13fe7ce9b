/**
 * The gate report: the signed hand-run report "O8E Report 02 — Runtime dirs &
 * non-sensitive config readiness (G2 / GAP5)" (docs/gate-report.md), section by
 * section, made from evidence instead of typed in:
 *
 *   header      gate covered, reference (an input), date, machine + stack, what was reviewed
 *               (commit, engine, provider, state serial, saved-plan digest), result
 *   1 Survey    the state before the first deploy, as that deploy recorded it (constructs/tree-survey.ts)
 *   2 Changes   the tree with each directory's purpose, how it was applied (audit log), "Verified: ..."
 *   3 Config    what the config holds, checked against what the stack writes
 *   3a Env      the env file by NAME: defined / missing, the backup key's flag against it
 *   4 Changes & rollback  created/adopted paths (ownership records), secrets, db/service touched
 *               (resource types in state and configuration), what lives outside the tree, the
 *               exact rollback command for this stack
 *   5 Verdict   the gate's lines, or their failing forms
 *
 * `collectEvidence` reads (never writes); `gateFacts` and `renderMarkdown` are pure.
 * `--json` carries the GateFacts as data.
 */
import * as fs from "fs";
import * as path from "path";
import {
  BACKUP_KEY_FLAGS,
  DEFAULT_HOSTS_DIR,
  ENV_LABELS,
  HOSTS_DIR_VARIABLE,
  OrchestratorConfigDocument,
  RuntimeInputs,
  StackSpec,
  buildOrchestratorConfig,
  readRuntimeInputs,
  resolveLayout,
} from "../constructs";
import { EnvWiring } from "./env-wiring";
import {
  AuditEntry,
  AuditEvidence,
  REPOSITORY,
  RecordWord,
  ResourceTypes,
  StateEvidence,
  SurveyEvidence,
  TouchedEvidence,
  configurationTypes,
  providerVersions,
  readAuditLog,
  readRecords,
  readState,
  readSurvey,
  repositoryCommit,
  touchedBeyondTree,
} from "./gate-evidence";
import type { VerifyReport } from "./verify";

export const GATE_TITLE = "O8E Report 02 — Runtime dirs & non-sensitive config readiness (G2 / GAP5)";
export const GATE_COVERED = "G2 — GAP5 runtime directories + config";

/** What was read to write the report (all read only). */
export interface GateEvidence {
  readonly state: StateEvidence;
  readonly configuration: ResourceTypes;
  readonly touched: TouchedEvidence;
  readonly survey: SurveyEvidence;
  /** Managed path -> what its ownership record says. */
  readonly records: ReadonlyMap<string, RecordWord | undefined>;
  /** Files in the record directory that are records (named by a 64-hex key). */
  readonly recordCount: number;
  readonly audit: AuditEvidence;
  readonly checkoutCommit?: { readonly id: string; readonly dirty: boolean };
  /** Provider versions of the stack's lock file in the default output directory (when there is one). */
  readonly lockFileProviders: Record<string, string>;
  /** Found while collecting: each fails the verdict. */
  readonly problems: readonly string[];
  /** Found while collecting: reported, never failing. */
  readonly warnings: readonly string[];
}

/** Reads the evidence the report rests on. Reads only. */
export function collectEvidence(spec: StackSpec, report: VerifyReport, env: NodeJS.ProcessEnv): GateEvidence {
  const { inputs } = spec;
  const layout = resolveLayout(inputs.rootPath);
  const managed = [layout.root, ...layout.directories.map((d) => d.path), layout.configPath, layout.readmePath];
  const state = readState(inputs, env);
  const configuration = configurationTypes(inputs, spec.stackName);
  const touched = touchedBeyondTree(state.types, configuration);
  const survey = readSurvey(inputs.ownershipDir, managed);
  const records = readRecords(inputs.ownershipDir, managed);
  let recordCount = 0;
  try {
    recordCount = fs.readdirSync(inputs.ownershipDir).filter((n) => /^[0-9a-f]{64}$/.test(n)).length;
  } catch {
    recordCount = 0;
  }
  const audit = readAuditLog(inputs.auditLogPath, spec.stackName);
  const problems: string[] = [];
  const warnings: string[] = [];
  const beyond = [...touched.database, ...touched.service];
  if (beyond.length > 0) {
    problems.push(
      `mutation class: the ${state.types && Object.keys(state.types.managed).some((t) => beyond.includes(t)) ? "state" : "configuration"} holds resource types beyond the tree's directories and files: ${beyond.join(", ")}; the gate is filesystem-only`,
    );
  }
  if (!state.read) warnings.push(`state (${state.location}): not read: ${state.reason}`);
  if (!survey.found && report.rootDirectory.type === "directory")
    warnings.push(`survey ${survey.file}: ${survey.reason}; section 1 falls back to the ownership records`);
  const applied = audit.lastApplied;
  if (state.read && state.serial !== undefined && report.rootDirectory.type === "directory") {
    const last = audit.last;
    if (!last || last.state?.serial === undefined || last.state.serial < state.serial) {
      warnings.push(
        `audit log ${inputs.auditLogPath}: the state (serial ${state.serial}) changed after the last audited command${last?.state?.serial !== undefined ? ` (serial ${last.state.serial})` : ""}: applied outside \`npm run deploy|destroy\` (e.g. \`cdktf deploy\`), which writes no audit entry`,
      );
    }
  } else if (!applied && report.rootDirectory.type === "directory") {
    warnings.push(`audit log ${inputs.auditLogPath}: no applied deploy of this stack recorded (only \`npm run deploy|destroy\` write it)`);
  }
  return {
    state,
    configuration,
    touched,
    survey,
    records,
    recordCount,
    audit,
    checkoutCommit: repositoryCommit(),
    lockFileProviders: providerVersions(path.join(process.cwd(), "cdktf.out", "stacks", spec.stackName, ".terraform.lock.hcl")),
    problems,
    warnings,
  };
}

/** Every fact of the report, as data (what `--json` carries under `gate`). */
export interface GateFacts {
  readonly title: string;
  readonly gateCovered: string;
  /** The operator's reference line (CUTTER_REPORT_REFERENCE / reportReference); "" if none. */
  readonly reference: string;
  readonly dateUtc: string;
  readonly machine: string;
  readonly stack: { readonly name: string; readonly hostName?: string; readonly source: string };
  readonly result: string;
  readonly reviewed: {
    readonly commit?: { readonly id: string; readonly dirty: boolean; readonly from: "audit log (at deploy)" | "this checkout" };
    readonly checkoutCommit?: { readonly id: string; readonly dirty: boolean };
    readonly engine?: string;
    readonly providers: Record<string, string>;
    readonly state: StateEvidence;
    readonly savedPlan?: AuditEntry["savedPlan"];
    /** The last applied command of the audit log, when it is the state's last change. */
    readonly appliedBy?: { readonly via: string; readonly time: string; readonly user: string; readonly host: string; readonly command: string };
    readonly auditLog: { readonly file: string; readonly entries: number; readonly last?: AuditEntry };
  };
  readonly survey: { readonly file: string; readonly found: boolean; readonly recordedAt?: string; readonly lines: readonly string[] };
  readonly tree: {
    readonly root: string;
    readonly owner: string;
    readonly group: string;
    readonly mode: string;
    readonly directories: ReadonlyArray<{ readonly name: string; readonly purpose: string; readonly gateReference?: string }>;
    /** The root is a directory (else nothing was applied, or it was destroyed). */
    readonly inPlace: boolean;
    readonly appliedWith: string;
    readonly verified: string;
  };
  readonly config: {
    readonly path: string;
    readonly readmePath: string;
    readonly fileOwner: string;
    readonly fileMode: string;
    readonly envFile: string;
    readonly holds: readonly string[];
    readonly checked: string;
  };
  readonly envWiring: EnvWiring & { readonly status: "OK" | "WARN" | "FAIL" };
  readonly changes: {
    readonly createdDirs: string;
    readonly adoptedDirs?: string;
    readonly createdFiles: readonly string[];
    readonly adoptedFiles: readonly string[];
    readonly secretsWritten: string;
    readonly dbTouched: string;
    readonly serviceTouched: string;
    readonly outsideTree: readonly string[];
    readonly rollback: string;
    readonly rollbackNeeds?: string;
    readonly rollbackNote: string;
  };
  readonly verdict: {
    readonly gap5RuntimeDirs: string;
    readonly gap5Config: string;
    readonly mutationClass: string;
    readonly secrets: string;
    readonly envWiring: string;
    readonly g2: "PASS" | "FAIL";
  };
  readonly problems: readonly string[];
  readonly warnings: readonly string[];
}

/** `DOT_CUTTER_DB_HOST, …PORT` -> `DOT_CUTTER_DB_HOST/PORT/…` (as the gate report wrote them). */
export function abbreviateNames(names: readonly string[]): string {
  if (names.length < 2) return names.join("");
  let prefix = names[0].slice(0, names[0].lastIndexOf("_") + 1);
  while (prefix && !names.every((n) => n.startsWith(prefix))) prefix = prefix.slice(0, prefix.slice(0, -1).lastIndexOf("_") + 1);
  return prefix + names.map((n) => n.slice(prefix.length)).join("/");
}

/** A value as the shell needs it: bare when it holds only safe characters, else single-quoted. */
function shellWord(value: string): string {
  return /^[A-Za-z0-9._/:=@%+-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * The exact command that rolls back this stack: `npm run destroy -- HOST --auto-approve` for a
 * host-file stack (the variables a host-file stack refuses are never added), or the variables
 * that select this env stack's inputs (non-default ones only). Run from the repository; it
 * runs as printed with or without a terminal (--auto-approve: no question asked).
 */
export function rollbackCommand(spec: StackSpec, env: NodeJS.ProcessEnv): { command: string; needs?: string } {
  const assignments: string[] = [];
  let hostArgument = "";
  const defaultHosts = path.join(REPOSITORY, DEFAULT_HOSTS_DIR);
  if (spec.hostName !== undefined) {
    hostArgument = ` ${spec.hostName}`;
    // The hosts directory this stack came from; the command runs in the repository, where hosts/ is the default.
    const setting = env[HOSTS_DIR_VARIABLE];
    const dir = path.resolve(process.cwd(), setting && setting !== "none" ? setting : DEFAULT_HOSTS_DIR);
    if (dir !== defaultHosts) assignments.push(`${HOSTS_DIR_VARIABLE}=${shellWord(dir)}`);
  } else {
    if (fs.existsSync(defaultHosts)) assignments.push(`${HOSTS_DIR_VARIABLE}=none`);
    const given: Record<string, string> = {};
    for (const [key, name] of Object.entries(ENV_LABELS) as Array<[keyof RuntimeInputs, string]>) {
      if (key === "reportReference") continue; // the report's own line: no part of the stack
      const value = spec.inputs[key];
      let resolved: RuntimeInputs | undefined;
      try {
        resolved = readRuntimeInputs(given);
      } catch {
        resolved = undefined;
      }
      const shown = typeof value === "boolean" ? (value ? "1" : "0") : String(value);
      if (resolved === undefined || resolved[key] !== value) {
        given[name] = shown;
        assignments.push(`${name}=${shellWord(shown)}`);
      }
    }
  }
  const needs =
    spec.inputs.stateBackend === "pg"
      ? `${spec.inputs.statePgConnEnv} set to the connection string of the PostgreSQL database holding schema ${spec.inputs.statePgSchema} (the state)`
      : undefined;
  return { command: `cd ${shellWord(REPOSITORY)} && ${[...assignments, "npm run destroy"].join(" ")} --${hostArgument} --auto-approve`, needs };
}

function relativeNames(root: string, paths: readonly string[]): string {
  return paths.map((p) => path.posix.relative(root, p)).join(",");
}

const shortMode = (mode?: string) => (mode ? mode.padStart(4, "0") : "?");

/** Section 1's lines: what each managed path was before the first deploy. */
function surveyLines(evidence: GateEvidence, inputs: RuntimeInputs, present: boolean): string[] {
  const layout = resolveLayout(inputs.rootPath);
  if (!present && !evidence.survey.found) return [`${layout.root}: not in place; nothing surveyed yet (the first \`npm run deploy\` records the survey)`];
  const { survey, records } = evidence;
  const lines: string[] = [];
  const absent: string[] = [];
  const describe = (p: string, isRoot: boolean): string | undefined => {
    const record = records.get(p);
    const seen = survey.paths.find((s) => s.path === p);
    const was = seen?.existed ? `${seen.type} ${seen.owner}:${seen.group} ${shortMode(seen.mode)}` : "";
    const shown = isRoot ? `${p}` : path.posix.relative(inputs.rootPath, p);
    if (survey.found && seen && !seen.existed) return undefined;
    if (survey.found && seen?.existed) {
      if (record === "adopted") return `${shown}: EXISTED before this gate (${was}), adopted: owner and mode managed since; destroy leaves it in place`;
      if (record === "created") return undefined; // recorded late: the record says the stack created it
      return `${shown}: EXISTED when surveyed (${was}); no ownership record`;
    }
    if (record === "created") return undefined;
    if (record === "adopted") return `${shown}: EXISTED before this gate (ownership record: adopted; its owner and mode then were not recorded)`;
    return `${shown}: not surveyed, no ownership record`;
  };
  const rootLine = describe(layout.root, true);
  if (rootLine) lines.push(rootLine);
  else lines.push(`${layout.root}: DID NOT EXIST before this gate`);
  for (const p of [...layout.directories.map((d) => d.path), layout.configPath, layout.readmePath]) {
    const line = describe(p, false);
    if (line) lines.push(line);
    else absent.push(p);
  }
  if (absent.length > 0) {
    const dirs = absent.filter((p) => layout.directories.some((d) => d.path === p));
    const files = absent.filter((p) => !dirs.includes(p)).map((p) => path.posix.basename(p));
    const parts = [dirs.length > 0 ? `${layout.root}/{${relativeNames(layout.root, dirs)}}` : "", ...files].filter(Boolean);
    lines.push(`${parts.join(", ")}: did not exist${rootLine ? "" : " either"}`);
  }
  const late = survey.found && survey.paths.some((s) => s.existed && records.get(s.path) === "created");
  if (survey.found) {
    lines.push(
      `recorded by the first deploy from its plan-time observation${survey.recordedAt ? ` (${survey.recordedAt})` : ""}; kept with the ownership records: ${survey.file}` +
        (late
          ? "; recorded after the tree was created (a deploy before surveys existed, or one that was stopped): paths the records say the stack created did not exist before it"
          : "") +
        (survey.truncated ? "; the observation was cut at its size limit: paths past it are reported from the records" : ""),
    );
  } else {
    lines.push(
      `no survey recorded (${survey.reason}): the lines above come from the ownership records in ${inputs.ownershipDir} (created = did not exist; adopted = existed)`,
    );
  }
  return lines;
}

/** The short, human form of a problem: its path relative to the root. */
function short(problem: string, root: string): string {
  return problem
    .split(root + "/")
    .join("")
    .replace(new RegExp(`^${root.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: `), "root: ");
}

function summary(problems: readonly string[], root: string): string {
  const shown = problems.slice(0, 3).map((p) => short(p, root).replace(/ \(.*$|; .*$/, ""));
  return shown.join("; ") + (problems.length > 3 ? `; +${problems.length - 3} more (listed under Problems)` : "");
}

/** Builds every fact of the report. Pure. */
export function gateFacts(spec: StackSpec, report: VerifyReport, evidence: GateEvidence, env: NodeJS.ProcessEnv = {}): GateFacts {
  const { inputs } = spec;
  const layout = resolveLayout(inputs.rootPath);
  const document: OrchestratorConfigDocument = buildOrchestratorConfig(layout, inputs.envFilePath, inputs.backupKeyStatus);
  const root = layout.root;
  const audit = evidence.audit;
  const state = evidence.state;
  const applied = audit.lastApplied;
  const appliedIsLast = applied !== undefined && state.serial !== undefined && applied.state?.serial === state.serial;
  const config = report.files.find((f) => f.role === "config");
  const readme = report.files.find((f) => f.role === "readme");

  // What failed, by gate item.
  const dirProblems = [...report.rootDirectory.problems, ...report.directories.flatMap((d) => d.problems)];
  const configProblems = [...(config?.problems ?? []), ...(readme?.problems ?? [])];
  const secretProblems = config?.secretFindings ?? [];
  const envFailed = report.requireEnv && report.envWiring.problems.length > 0;
  const g2 = report.verdict;

  // A tree that is not in place (never deployed, or destroyed) has nothing created, applied or to roll back.
  const present = report.rootDirectory.type === "directory";
  const createdDirs = [root, ...layout.directories.map((d) => d.path)].filter((p) => evidence.records.get(p) !== "adopted");
  const adoptedDirs = [root, ...layout.directories.map((d) => d.path)].filter((p) => evidence.records.get(p) === "adopted");
  const unknownRecords = [root, ...layout.directories.map((d) => d.path)].filter((p) => evidence.records.get(p) === undefined).length;
  const dirsText = (list: string[]) => {
    const subs = list.filter((p) => p !== root);
    if (list.includes(root)) return subs.length > 0 ? `${root} + {${relativeNames(root, subs)}}` : root;
    return subs.length > 0 ? `${root}/{${relativeNames(root, subs)}}` : "none";
  };
  const files = [layout.configPath, layout.readmePath];
  const createdFiles = present ? files.filter((p) => evidence.records.get(p) !== "adopted") : [];
  const adoptedFiles = files.filter((p) => evidence.records.get(p) === "adopted");

  const evidenceTypes = (t?: ResourceTypes) => (t ? [...Object.keys(t.managed).sort(), ...t.data.map((d) => `data.${d}`)].join(", ") : "");
  const stateSays = state.read ? `the state holds ${evidenceTypes(state.types) || "no resources"}` : `the state was not read (${state.reason})`;
  const treeOnly = `${stateSays}; the configuration plans ${evidenceTypes(evidence.configuration)}: only the tree's directories and files`;
  const stateHome =
    inputs.stateBackend === "pg"
      ? `; the state itself is stored in PostgreSQL (schema ${inputs.statePgSchema}): deploy and destroy write that one state row, nothing else in any database`
      : "; the state itself is a local file";
  const dbTouched = evidence.touched.database.length > 0 ? `TOUCHED — ${evidence.touched.database.join(", ")}` : `NONE (${treeOnly}${stateHome})`;
  const serviceTouched =
    evidence.touched.service.length > 0
      ? `TOUCHED — ${evidence.touched.service.join(", ")}`
      : "NONE (same evidence: no resource type beyond the tree's directories and files)";

  const rollback = rollbackCommand(spec, env);
  const hostArg = spec.hostName ? ` -- ${spec.hostName}` : "";
  const holdsData = report.entriesBelow > 0;
  const rollbackNote = !present
    ? "nothing to roll back: the tree is not in place."
    : holdsData
      ? `the tree holds ${report.entriesBelow} entr${report.entriesBelow === 1 ? "y" : "ies"} below its directories (${report.nonDirectoryFiles} non-directory file(s)): destroy stops before removing anything while they are there, and never removes data.`
      : "the tree holds no data; this is a clean, complete rollback until the first production run writes a run sidecar." +
        (adoptedDirs.length + adoptedFiles.length > 0
          ? ` Adopted paths (${[...adoptedDirs, ...adoptedFiles].map((p) => path.posix.relative(path.posix.dirname(root), p)).join(", ")}) existed before and are left in place.`
          : "");

  const outsideTree = [
    `state ${state.location}${state.serial !== undefined ? ` (serial ${state.serial})` : ""}`,
    `ownership records ${inputs.ownershipDir} (${evidence.recordCount} record(s)${evidence.survey.found ? " + survey" : ""})`,
    `audit log ${inputs.auditLogPath} (${audit.entries} entr${audit.entries === 1 ? "y" : "ies"} of this stack)`,
  ];

  const dirCount = layout.directories.length;
  const treeOk = dirProblems.length === 0;
  const adoptedSubdirectories = adoptedDirs.filter((p) => p !== root).length;
  const createdWord = adoptedSubdirectories === 0 ? "created" : `in place (${dirCount - adoptedSubdirectories} created, ${adoptedSubdirectories} adopted)`;
  const gap5RuntimeDirs = treeOk
    ? `CLOSED — ${dirCount} dirs ${createdWord}, ${inputs.owner}:${inputs.group} ${layout.layout.directoryMode}, ${holdsData ? `holding ${report.entriesBelow} entr${report.entriesBelow === 1 ? "y" : "ies"} of run data (--allow-data)` : "empty"}`
    : `OPEN — ${summary(dirProblems, root)}`;
  const gap5Config = configProblems.length === 0 ? "CLOSED — non-sensitive config + README authored" : `OPEN — ${summary(configProblems, root)}`;
  const beyond = [...evidence.touched.database, ...evidence.touched.service];
  const mutationClass = beyond.length === 0 ? `filesystem-only, reversible (npm run destroy${hostArg})` : `NOT filesystem-only — ${beyond.join(", ")}`;
  const secrets =
    config?.type !== "regular file"
      ? "UNVERIFIED (no config to check)"
      : secretProblems.length === 0
        ? "none written"
        : `FOUND — ${secretProblems.length} finding(s) in the config (listed under Problems)`;
  const envStatus: "OK" | "WARN" | "FAIL" = report.envWiring.problems.length === 0 ? "OK" : envFailed ? "FAIL" : "WARN";
  const envVerdict =
    envStatus === "OK"
      ? "OK — every name defined; backup key flag agrees"
      : `${envStatus} — ${report.envWiring.problems.length} problem(s)${envStatus === "WARN" ? " (a FAIL with --require-env)" : ""}`;

  const failedItems = [
    !treeOk ? "runtime dirs" : "",
    configProblems.length > 0 ? "config" : "",
    beyond.length > 0 ? "mutation class" : "",
    envFailed ? "env wiring" : "",
  ].filter(Boolean);
  const result =
    g2 === "PASS"
      ? "G2 PASS — GAP5 CLOSED (filesystem-only, non-sensitive, reversible)"
      : `G2 FAIL — GAP5 OPEN (${failedItems.join(", ") || "see Problems"}; ${report.problems.length} problem(s), listed under Problems)`;

  const dbNames = [document.database.host_env, document.database.port_env, document.database.name_env, document.database.sslmode_env];
  const roles = Object.values(document.database.roles).map((r) => abbreviateNames([r.user_env, r.password_env]));
  const holds = [
    `runtime_root + the ${dirCount}-dir layout map, sidecar_root = ${document.sidecar_root}`,
    `DB wiring as env-var NAMES — ${abbreviateNames(dbNames)}, ${roles.join(", ")}`,
    `driver note — host has ${document.database.driver.available} only ⇒ wrap via ${document.database.driver.adapter}`,
    `backup — ${document.backup.gpg_fpr_env} env-name pointer, flagged ${BACKUP_KEY_FLAGS[inputs.backupKeyStatus]} (F4)`,
    `${document.execution.note}.`,
  ];
  const checked =
    config?.type === "regular file"
      ? `content sha256 ${config.sha256 === config.expectedSha256 ? "matches what the stack writes" : "DIFFERS from what the stack writes"}; schema ${config.schemaValid ? `valid (schema_version ${document.schema_version})` : "INVALID"}; written-files guard and env-file values: ${secretProblems.length === 0 ? "no finding" : `${secretProblems.length} finding(s)`}`
      : `not checked: the config is ${config?.type ?? "missing"}`;

  const commit =
    appliedIsLast && applied?.commit
      ? { ...applied.commit, from: "audit log (at deploy)" as const }
      : evidence.checkoutCommit
        ? { ...evidence.checkoutCommit, from: "this checkout" as const }
        : undefined;
  const providers = appliedIsLast && applied?.providers && Object.keys(applied.providers).length > 0 ? applied.providers : evidence.lockFileProviders;
  const engine =
    appliedIsLast && applied?.engine
      ? `${applied.engine.kind} ${applied.engine.version}`
      : state.engineVersion
        ? `engine ${state.engineVersion} (wrote the state)`
        : undefined;
  const appliedWith = !present
    ? "nothing applied: the tree is not in place"
    : appliedIsLast
      ? `by \`${applied!.via}\` (audit log: ${applied!.time}, ${applied!.user}@${applied!.host})`
      : state.read && state.serial !== undefined
        ? "by a command the audit log does not record (`cdktf deploy`, or the engine by hand: only `npm run deploy|destroy` write the audit log)"
        : "(not applied: no state)";

  return {
    title: GATE_TITLE,
    gateCovered: GATE_COVERED,
    reference: inputs.reportReference,
    dateUtc: report.checkedAt.replace(/\.\d{3}Z$/, "Z"),
    machine: report.host,
    stack: { name: spec.stackName, hostName: spec.hostName, source: spec.source },
    result,
    reviewed: {
      commit,
      checkoutCommit: evidence.checkoutCommit,
      engine,
      providers,
      state,
      savedPlan: appliedIsLast ? applied?.savedPlan : undefined,
      appliedBy: appliedIsLast ? { via: applied!.via, time: applied!.time, user: applied!.user, host: applied!.host, command: applied!.command } : undefined,
      auditLog: { file: audit.file, entries: audit.entries, last: audit.last },
    },
    survey: { file: evidence.survey.file, found: evidence.survey.found, recordedAt: evidence.survey.recordedAt, lines: surveyLines(evidence, inputs, present) },
    tree: {
      root,
      owner: inputs.owner,
      group: inputs.group,
      mode: layout.layout.directoryMode,
      directories: layout.directories.map((d) => ({ name: d.name, purpose: d.purpose, gateReference: d.gateReference })),
      inPlace: present,
      appliedWith,
      verified: verifiedLine(report),
    },
    config: {
      path: layout.configPath,
      readmePath: layout.readmePath,
      fileOwner: `${inputs.owner}:${inputs.group}`,
      fileMode: layout.layout.fileMode,
      envFile: inputs.envFilePath,
      holds,
      checked,
    },
    envWiring: { ...report.envWiring, status: envStatus },
    changes: {
      createdDirs: !present
        ? "none (the tree is not in place)"
        : dirsText(createdDirs) + (unknownRecords > 0 ? ` (no ownership record for ${unknownRecords}: created or adopted is not known for those)` : ""),
      adoptedDirs: adoptedDirs.length > 0 ? `${dirsText(adoptedDirs)} (existed before; destroy leaves them in place)` : undefined,
      createdFiles,
      adoptedFiles,
      secretsWritten:
        config?.type !== "regular file"
          ? "UNVERIFIED (no config to check)"
          : secretProblems.length === 0
            ? "NONE"
            : `FOUND — ${secretProblems.length} finding(s) (listed under Problems)`,
      dbTouched,
      serviceTouched,
      outsideTree,
      rollback: rollback.command,
      rollbackNeeds: rollback.needs,
      rollbackNote,
    },
    verdict: { gap5RuntimeDirs, gap5Config, mutationClass, secrets, envWiring: envVerdict, g2 },
    problems: report.problems,
    warnings: report.warnings,
  };
}

/** The summary line of the original gate, true to what was found. */
export function verifiedLine(r: VerifyReport): string {
  const all = r.directoriesOk === r.directoryCount;
  const empty = r.allowData || r.entriesBelow === 0;
  const nested = r.entriesBelow - r.nonDirectoryFiles;
  const extra = r.rootDirectory.unexpectedEntries?.length ?? 0;
  const head =
    all && empty && extra === 0
      ? `Verified: ${r.directoryCount} directories, all ${r.owner}:${r.group} ${r.directoryMode}`
      : `Found: ${r.directoriesOk} of ${r.directoryCount} directories ${r.owner}:${r.group} ${r.directoryMode}`;
  const nestedText = nested > 0 ? `, ${nested} nested director${nested === 1 ? "y" : "ies"}` : "";
  const extraText = extra > 0 ? `, ${extra} entr${extra === 1 ? "y" : "ies"} in the root the layout does not have` : "";
  return `${head}, ${r.nonDirectoryFiles} non-directory files${nestedText}${extraText}.`;
}

/** The gate report in Markdown, section by section as the signed one. Pure. */
export function renderMarkdown(f: GateFacts): string {
  const fence = "```";
  const r = f.reviewed;
  const stackLine = f.stack.hostName ? `host file ${f.stack.source}, stack ${f.stack.name}` : `stack ${f.stack.name}, from environment variables`;
  const providers = Object.entries(r.providers).map(([source, version]) => `provider ${source} ${version}`);
  const reviewed = [
    r.commit
      ? `commit ${r.commit.id} (${r.commit.from === "this checkout" ? "this checkout; not in the audit log" : "at deploy"}${r.commit.dirty ? ", with uncommitted changes" : ", clean"})`
      : "commit: not known (no git checkout)",
    r.engine ? `engine ${r.engine.replace(/^engine /, "")}` : "engine: not recorded",
    ...(providers.length > 0 ? providers : ["provider: not recorded"]),
    r.state.serial !== undefined ? `state serial ${r.state.serial}` : `state: ${r.state.read ? "no serial" : "not read"}`,
    ...(r.savedPlan
      ? [`saved plan ${r.savedPlan.file} (archive sha256 ${r.savedPlan.sha256}${r.savedPlan.planSha256 ? `, plan sha256 ${r.savedPlan.planSha256}` : ""})`]
      : []),
  ];
  const tree = [
    `${f.tree.root}/ ${f.tree.owner}:${f.tree.group} ${f.tree.mode}`,
    ...f.tree.directories.map((d, i) => {
      const branch = i === f.tree.directories.length - 1 ? "└──" : "├──";
      const width = Math.max(...f.tree.directories.map((x) => x.name.length)) + 1;
      return `${branch} ${(d.name + "/").padEnd(width)} ${d.purpose}${d.gateReference ? ` — ${d.gateReference}` : ""}`;
    }),
  ];
  const w = f.envWiring;
  const envLines = [
    `- file: ${w.file.type === "regular file" ? `regular file ${w.file.owner}:${w.file.group} ${w.file.mode}` : w.file.type}${w.file.unreadable ? ` (names not read: ${w.file.unreadable})` : ""}`,
    `- defined (${w.defined.length} of ${w.required.length}): ${w.defined.join(", ") || "none"}`,
    `- missing: ${w.missing.join(", ") || "none"}`,
    `- ${w.backupKey.name}: ${w.backupKey.defined ? "defined" : "not defined"}; the config flags it ${BACKUP_KEY_FLAGS[w.backupKey.status]}${w.backupKey.consistent ? " — consistent" : " — MISMATCH"}`,
    `- values: read by name only; none is kept, printed or written${w.file.valuesInConfig.length > 0 ? `; the value of ${w.file.valuesInConfig.join(", ")} APPEARS IN THE CONFIG` : ""}`,
    `- env_wiring: ${f.verdict.envWiring}`,
  ];
  const c = f.changes;
  const section4 = [
    `created_dirs: ${c.createdDirs}`,
    ...(c.adoptedDirs ? [`adopted_dirs: ${c.adoptedDirs}`] : []),
    ...c.createdFiles.map((p, i) => `${i === 0 ? "created_files: " : "               "}${p}${p === f.config.path ? " (non-sensitive)" : ""}`),
    ...(c.createdFiles.length === 0 ? ["created_files: none"] : []),
    ...(c.adoptedFiles.length > 0 ? [`adopted_files: ${c.adoptedFiles.join(", ")} (existed before)`] : []),
    `secrets_written: ${c.secretsWritten}`,
    `db_touched: ${c.dbTouched}`,
    `service_touched: ${c.serviceTouched}`,
    `outside_tree: ${c.outsideTree.join(" · ")}`,
    `rollback: ${c.rollback}`,
    ...(c.rollbackNeeds ? [`          (needs ${c.rollbackNeeds})`] : []),
  ];
  const v = f.verdict;
  return [
    `# ${f.title}`,
    "",
    ...(f.reference ? [`- reference: ${f.reference}`] : []),
    `- date_utc: ${f.dateUtc} · host: ${f.machine} (${stackLine})`,
    `- gate covered: ${f.gateCovered}`,
    `- reviewed: ${reviewed.join(" · ")}`,
    `- result: ${f.result}`,
    "",
    "## 1. Survey",
    "",
    ...f.survey.lines.map((l) => `- ${l}`),
    `- runtime contract (the config's run_layout): each run materialises as ${"`"}<sidecar_root>/<run_id>/{state.json, state.lock, kb/}${"`"}.`,
    "",
    `## 2. Changes applied — ${f.tree.root} runtime tree`,
    "",
    f.tree.inPlace
      ? `Created with install -d -o ${f.tree.owner} -g ${f.tree.group} -m ${f.tree.mode} (empty directories only), ${f.tree.appliedWith}:`
      : `Not applied: ${f.tree.root} is not in place. The layout \`npm run deploy\` creates:`,
    "",
    fence,
    ...tree,
    fence,
    "",
    f.tree.verified,
    "",
    "## 3. Non-sensitive config authored",
    "",
    `- ${f.config.path} ${f.config.fileOwner} ${f.config.fileMode}`,
    `- ${f.config.readmePath} ${f.config.fileOwner} ${f.config.fileMode}`,
    "",
    `orchestrator.config.json is non-sensitive by construction: it contains ZERO secret values. Every credential is a pointer to an environment-variable name resolved at runtime from ${f.config.envFile}:`,
    "",
    ...f.config.holds.map((h) => `- ${h}`),
    "",
    "No code change loads this file automatically; the first-run sidecar runner / command package reads it to resolve paths + DB wiring.",
    "",
    `Checked: ${f.config.checked}.`,
    "",
    `## 3a. Env wiring — ${f.config.envFile} (names only)`,
    "",
    ...envLines,
    "",
    "## 4. Exact changes & rollback",
    "",
    fence,
    ...section4,
    fence,
    "",
    `— ${c.rollbackNote}`,
    "",
    "## 5. Verdict",
    "",
    fence,
    `gap5_runtime_dirs: ${v.gap5RuntimeDirs}`,
    `gap5_config: ${v.gap5Config}`,
    `mutation_class: ${v.mutationClass}`,
    `secrets: ${v.secrets}`,
    `env_wiring: ${v.envWiring}`,
    `g2: ${v.g2}`,
    fence,
    ...(f.problems.length > 0 ? ["", "Problems:", "", ...f.problems.map((p) => `- ${p}`)] : []),
    ...(f.warnings.length > 0 ? ["", "Warnings (not failing):", "", ...f.warnings.map((p) => `- WARN ${p}`)] : []),
    ...(r.auditLog.last
      ? [
          "",
          `Audit log: ${r.auditLog.file}, last entry: ${r.auditLog.last.time} ${r.auditLog.last.command} by \`${r.auditLog.last.via}\` → ${r.auditLog.last.result}${r.auditLog.last.reasons.length > 0 ? ` (${r.auditLog.last.reasons[0]})` : ""}.`,
        ]
      : []),
    "",
  ].join("\n");
}
