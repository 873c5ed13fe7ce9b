/**
 * Evidence for the gate report, read only: the state (resource types, serial, the
 * engine that wrote it), the configuration built now (resource types), the survey
 * and the ownership records (in their documented format), the audit log, the
 * repository commit and the provider lock file. Nothing here writes anything but a
 * temporary directory for reading pg state, removed at once.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
// Modules, not ../constructs: the audit log of every deploy reads this, and cdktf is loaded only where the stack is built.
import { SURVEY_FILE_NAME, recordKey } from "../constructs/ownership-record";
import { ENGINE_PG_CONN_ENV, RuntimeInputs } from "../constructs/runtime-inputs";
import { runCaptured } from "./engine";
import { offlineEngineEnv, readOfflineEngine } from "./offline-engine";

/** The project's root (dist/cli -> .., .. from the compiled file). */
export const REPOSITORY = path.resolve(__dirname, "..", "..");

/** Resource types of the runtime tree itself: its directories and files, and the plan-time read. */
export const TREE_MANAGED_TYPES: readonly string[] = ["terraform_data", "local_file"];
export const TREE_DATA_TYPES: readonly string[] = ["local_command"];
/** Resource types that touch a database (providers for PostgreSQL, MySQL, ...). */
const DATABASE_TYPE = /^(postgresql|mysql|mssql|mongodb(atlas)?|redis|cockroach|snowflake|sql)_|_(database|db|role|grant|schema)$/;

/** Most bytes read of a state or an audit log (both stay small for this stack). */
const MAX_READ = 64 * 1024 * 1024;

export interface ResourceTypes {
  /** Managed resource type -> instance count. */
  readonly managed: Record<string, number>;
  readonly data: readonly string[];
}

export interface StateEvidence {
  readonly backend: "local" | "pg";
  /** The state file, or "PostgreSQL schema S". */
  readonly location: string;
  readonly read: boolean;
  /** Why it was not read (read = false). */
  readonly reason?: string;
  readonly serial?: number;
  readonly lineage?: string;
  /** `terraform_version` of the state: the engine version that wrote it last. */
  readonly engineVersion?: string;
  readonly types?: ResourceTypes;
}

/** Only the tree's own resource types: what `db_touched`/`service_touched` are derived from. */
export interface TouchedEvidence {
  readonly database: readonly string[];
  readonly service: readonly string[];
}

function typesOf(resources: ReadonlyArray<{ mode?: string; type?: string; instances?: unknown[] }>): ResourceTypes {
  const managed: Record<string, number> = {};
  const data = new Set<string>();
  for (const r of resources) {
    if (typeof r.type !== "string") continue;
    if (r.mode === "data") data.add(r.type);
    else managed[r.type] = (managed[r.type] ?? 0) + (Array.isArray(r.instances) ? r.instances.length : 1);
  }
  return { managed, data: [...data].sort() };
}

function parseState(text: string, base: Omit<StateEvidence, "read">): StateEvidence {
  try {
    const state = JSON.parse(text);
    return {
      ...base,
      read: true,
      serial: typeof state.serial === "number" ? state.serial : undefined,
      lineage: typeof state.lineage === "string" ? state.lineage : undefined,
      engineVersion: typeof state.terraform_version === "string" ? state.terraform_version : undefined,
      types: typesOf(Array.isArray(state.resources) ? state.resources : []),
    };
  } catch (error) {
    return { ...base, read: false, reason: `not valid JSON (${(error as Error).message})` };
  }
}

/** The offline engine environment: the one we run in (npm scripts), or the one setup wrote. */
export function engineEnvironmentFor(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv | undefined {
  if (env.CUTTER_ENGINE_PATH) return env;
  try {
    return offlineEngineEnv(readOfflineEngine(env), {}, { base: env, passOn: "all", plain: false });
  } catch {
    return undefined;
  }
}

/**
 * Reads a pg state with the engine, read only: a temporary configuration holding only the
 * backend (schema, table and index creation skipped, so nothing is created), `init`, `state pull`.
 */
function readPgState(inputs: RuntimeInputs, env: NodeJS.ProcessEnv, base: Omit<StateEvidence, "read">): StateEvidence {
  const connection = env[inputs.statePgConnEnv];
  if (!connection)
    return { ...base, read: false, reason: `${inputs.statePgConnEnv} is not set (the connection string; set it to let the report read the state)` };
  const engineEnv = engineEnvironmentFor(env);
  if (!engineEnv?.CUTTER_ENGINE_PATH) return { ...base, read: false, reason: "no engine environment (run `npm run setup`)" };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cutter-state-read-"));
  try {
    const backend = { schema_name: inputs.statePgSchema, skip_schema_creation: true, skip_table_creation: true, skip_index_creation: true };
    fs.writeFileSync(path.join(dir, "main.tf.json"), JSON.stringify({ terraform: { backend: { pg: backend } } }));
    const runEnv = { ...engineEnv, [ENGINE_PG_CONN_ENV]: connection, TF_IN_AUTOMATION: "1", TF_INPUT: "0", TF_DATA_DIR: path.join(dir, ".terraform") };
    const engine = engineEnv.CUTTER_ENGINE_PATH;
    // The project's one engine runner (cli/engine.ts); a run that cannot start reads as a failed one here.
    const step = (args: string[]) => {
      try {
        return runCaptured(engine, args, { cwd: dir, env: runEnv });
      } catch (error) {
        return { code: null, stdout: "", stderr: (error as Error).message };
      }
    };
    const init = step(["init", "-input=false", "-no-color"]);
    if (init.code !== 0) return { ...base, read: false, reason: `the engine could not open it (init exit ${init.code})` };
    const pulled = step(["state", "pull"]);
    if (pulled.code !== 0) return { ...base, read: false, reason: `the engine could not read it (state pull exit ${pulled.code})` };
    if (pulled.stdout.length > MAX_READ) return { ...base, read: false, reason: `${pulled.stdout.length} bytes; larger than this stack's state can be` };
    if (pulled.stdout.trim() === "") return { ...base, read: false, reason: "no state in that schema (never deployed, or another schema)" };
    return parseState(pulled.stdout, base);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The stack's state as evidence (never its values). */
export function readState(inputs: RuntimeInputs, env: NodeJS.ProcessEnv): StateEvidence {
  if (inputs.stateBackend === "pg") return readPgState(inputs, env, { backend: "pg", location: `PostgreSQL schema ${inputs.statePgSchema}` });
  const base = { backend: "local" as const, location: inputs.statePath };
  let st: fs.Stats;
  try {
    st = fs.lstatSync(inputs.statePath);
  } catch {
    return { ...base, read: false, reason: "no state file (never deployed here, or another state path)" };
  }
  if (!st.isFile()) return { ...base, read: false, reason: "not a regular file" };
  if (st.size > MAX_READ) return { ...base, read: false, reason: `${st.size} bytes; larger than this stack's state can be` };
  return parseState(fs.readFileSync(inputs.statePath, "utf8"), base);
}

/** Resource types of the stack as the code builds it now (the configuration every plan is made from). */
export function configurationTypes(inputs: RuntimeInputs, stackName: string): ResourceTypes {
  // A plain root, not an App: an App creates its output directory, and this must write nothing.
  // Loaded here: building the stack needs cdktf, which the operator commands' audit log (also a reader of this module) does not.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { TerraformDataSource, TerraformResource } = require("../constructs/cdk") as typeof import("../constructs/cdk");
  const { Construct } = require("constructs") as typeof import("constructs");
  const { RuntimeStack } = require("../constructs/runtime-stack") as typeof import("../constructs/runtime-stack");
  /* eslint-enable @typescript-eslint/no-require-imports */
  const stack = new RuntimeStack(new Construct(undefined as unknown as import("constructs").Construct, ""), stackName, { inputs });
  const managed: Record<string, number> = {};
  const data = new Set<string>();
  for (const c of stack.node.findAll()) {
    if (c instanceof TerraformDataSource) data.add(c.terraformResourceType);
    else if (c instanceof TerraformResource) managed[c.terraformResourceType] = (managed[c.terraformResourceType] ?? 0) + 1;
  }
  return { managed, data: [...data].sort() };
}

/** Types beyond the tree's directories and files, sorted into database and other (services). */
export function touchedBeyondTree(...sets: ReadonlyArray<ResourceTypes | undefined>): TouchedEvidence {
  const beyond = new Set<string>();
  for (const set of sets) {
    if (!set) continue;
    for (const t of Object.keys(set.managed)) if (!TREE_MANAGED_TYPES.includes(t)) beyond.add(t);
    for (const t of set.data) if (!TREE_DATA_TYPES.includes(t)) beyond.add(`data.${t}`);
  }
  const sorted = [...beyond].sort();
  const isDatabase = (t: string) => DATABASE_TYPE.test(t.replace(/^data\./, ""));
  return { database: sorted.filter(isDatabase), service: sorted.filter((t) => !isDatabase(t)) };
}

/** The checkout's commit, and whether tracked files differ from it. */
export function repositoryCommit(dir = REPOSITORY): { id: string; dirty: boolean } | undefined {
  // One git process (every deploy and destroy writes this into its audit entry): the commit from the
  // "# branch.oid" header, dirty when any other line names a changed tracked file.
  const status = spawnSync("git", ["-C", dir, "status", "--porcelain=v2", "--branch", "--untracked-files=no"], { encoding: "utf8" });
  if (status.status !== 0) return undefined;
  const lines = status.stdout.split("\n").filter((l) => l !== "");
  const id = /^# branch\.oid ([0-9a-f]{40,64})$/m.exec(status.stdout)?.[1];
  if (id === undefined) return undefined;
  return { id, dirty: lines.some((l) => !l.startsWith("# ")) };
}

/** Provider source -> version from a `.terraform.lock.hcl` (empty if there is none). */
export function providerVersions(lockFile: string): Record<string, string> {
  let text: string;
  try {
    text = fs.readFileSync(lockFile, "utf8");
  } catch {
    return {};
  }
  const versions: Record<string, string> = {};
  for (const m of text.matchAll(/provider "(?:[^"/]+\/)?([^"]+)" \{\s*version\s*=\s*"([^"]+)"/g)) versions[m[1]] = m[2];
  return versions;
}

/** What the ownership record says of a path: "created", "adopted", or undefined (no readable record). */
export type RecordWord = "created" | "adopted";

/**
 * Reads the records of `paths` through the documented format only: one file per path,
 * named recordKey(path), holding `WORD PATH [RESOURCE-ID] ...`.
 */
export function readRecords(recordDir: string, paths: readonly string[]): Map<string, RecordWord | undefined> {
  const words = new Map<string, RecordWord | undefined>();
  for (const p of paths) {
    let word: RecordWord | undefined;
    try {
      const [first, recorded] = fs
        .readFileSync(path.join(recordDir, recordKey(p)), "utf8")
        .split("\n")[0]
        .split(" ");
      if ((first === "created" || first === "adopted") && recorded === p) word = first;
    } catch {
      word = undefined;
    }
    words.set(p, word);
  }
  return words;
}

/** One managed path as the survey saw it before the first deploy. */
export interface SurveyedPath {
  readonly path: string;
  readonly existed: boolean;
  readonly type?: string;
  readonly owner?: string;
  readonly group?: string;
  /** Octal, four digits. */
  readonly mode?: string;
}

export interface SurveyEvidence {
  readonly file: string;
  readonly found: boolean;
  readonly reason?: string;
  readonly recordedAt?: string;
  readonly truncated?: boolean;
  /** Every path of `paths` (the layout), in order. */
  readonly paths: readonly SurveyedPath[];
}

/** Reads the survey the first deploy recorded (constructs/tree-survey.ts); `paths` are the managed paths. */
export function readSurvey(recordDir: string, paths: readonly string[]): SurveyEvidence {
  const file = path.join(recordDir, SURVEY_FILE_NAME);
  let text: string;
  try {
    const st = fs.lstatSync(file);
    if (!st.isFile()) return { file, found: false, reason: "not a regular file", paths: [] };
    text = fs.readFileSync(file, "utf8");
  } catch {
    return { file, found: false, reason: "not recorded (the tree was deployed before surveys were recorded, or the record directory was moved)", paths: [] };
  }
  const lines = text.split("\n");
  if (lines[0] !== "cutter-runtime-survey 1") return { file, found: false, reason: "not a survey this version can read", paths: [] };
  const observed = new Map<string, string[]>();
  let recordedAt: string | undefined;
  let truncated = false;
  for (const line of lines.slice(1)) {
    const [key, ...rest] = line.split(" ");
    const value = rest.join(" ");
    if (key === "recorded_at") recordedAt = value;
    else if (key === "truncated") truncated = value === "1";
    else if (key === "observed" && value.startsWith("S|")) {
      const fields = value.split("|");
      // S|path|type|owner|group|mode, then fields later observations add (link count, ...).
      if (fields.length >= 6) observed.set(fields[1], fields.slice(2, 6));
    }
  }
  const surveyed = paths.map((p): SurveyedPath => {
    const o = observed.get(p);
    if (!o) return { path: p, existed: false };
    return { path: p, existed: true, type: o[0], owner: o[1], group: o[2], mode: o[3].padStart(4, "0") };
  });
  return { file, found: true, recordedAt, truncated, paths: surveyed };
}

/** One line of the audit log (cli/audit-log.ts). */
export interface AuditEntry {
  readonly format: string;
  readonly time: string;
  readonly command: "deploy" | "destroy";
  readonly via: string;
  readonly host: string;
  readonly user: string;
  readonly uid: number;
  readonly stack: string;
  readonly hostName?: string;
  readonly source: string;
  readonly root: string;
  readonly engine?: { readonly kind: string; readonly version: string };
  readonly providers?: Record<string, string>;
  readonly commit?: { readonly id: string; readonly dirty: boolean };
  readonly savedPlan?: { readonly file: string; readonly sha256: string; readonly planSha256?: string };
  readonly counts: { readonly add: number; readonly change: number; readonly destroy: number };
  readonly result: "applied" | "refused" | "failed";
  readonly reasons: readonly string[];
  readonly state?: { readonly backend: string; readonly location: string; readonly serial?: number };
  readonly durationMs: number;
}

export interface AuditEvidence {
  readonly file: string;
  readonly found: boolean;
  readonly reason?: string;
  /** Entries of this stack. */
  readonly entries: number;
  /** The last entry of this stack. */
  readonly last?: AuditEntry;
  /** The last deploy of this stack that applied. */
  readonly lastApplied?: AuditEntry;
}

/** Reads the audit log's entries for `stack` (lines that are not entries are skipped). */
export function readAuditLog(file: string, stack: string): AuditEvidence {
  let text: string;
  try {
    const st = fs.lstatSync(file);
    if (!st.isFile()) return { file, found: false, reason: "not a regular file", entries: 0 };
    if (st.size > MAX_READ) return { file, found: false, reason: `${st.size} bytes; too large to read (rotate it)`, entries: 0 };
    text = fs.readFileSync(file, "utf8");
  } catch {
    return { file, found: false, reason: "no audit log (only `npm run deploy|destroy` write it)", entries: 0 };
  }
  const entries: AuditEntry[] = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      const entry = JSON.parse(line) as AuditEntry;
      if (entry.stack === stack && (entry.command === "deploy" || entry.command === "destroy")) entries.push(entry);
    } catch {
      // A torn line (a writer killed mid-write) is skipped, never fatal.
    }
  }
  return {
    file,
    found: true,
    entries: entries.length,
    last: entries[entries.length - 1],
    lastApplied: [...entries].reverse().find((e) => e.result === "applied"),
  };
}
