import * as fs from "fs";
import * as path from "path";
import {
  DEFAULT_STATE_DIR,
  InputLabels,
  RawRuntimeInputs,
  RuntimeInputs,
  perHostVariablesSet,
  readRuntimeInputs,
  resolveRuntimeInputs,
} from "./runtime-inputs";
import { Problems, show } from "./validation";

/**
 * Hosts as data: one `hosts/<name>.json` per host, one stack per host.
 *
 * ```json
 * { "runtimeRoot": "/var/lib/cutter", "owner": "root", "group": "root",
 *   "envFile": "/opt/incomex/docker/.env",
 *   "state": { "backend": "pg", "pgSchema": "cutter_runtime_production", "pgConnEnv": "CUTTER_PROD_PG_CONN" } }
 * ```
 * Every field is optional and defaults like its environment variable; unknown
 * fields are refused (a typo must not silently fall back to a default).
 */

/** Name of the single stack configured from environment variables (no host files). */
export const DEFAULT_STACK_NAME = "cutter-runtime";
/** Selects the hosts directory; `none` forces the single stack from environment variables. */
export const HOSTS_DIR_VARIABLE = "CUTTER_HOSTS_DIR";
/** Used when CUTTER_HOSTS_DIR is not set and this directory exists in the project. */
export const DEFAULT_HOSTS_DIR = "hosts";

/** Top-level fields of a host file and the input each sets. */
const HOST_FIELDS = { runtimeRoot: "rootPath", owner: "owner", group: "group", envFile: "envFilePath", adoptExisting: "adoptExisting", backupKeyStatus: "backupKeyStatus", reportReference: "reportReference" } as const;
/** Fields of a host file's `state` object and the input each sets. */
const STATE_FIELDS = { backend: "stateBackend", path: "statePath", pgSchema: "statePgSchema", pgConnEnv: "statePgConnEnv", ownershipDir: "ownershipDir", auditLog: "auditLogPath" } as const;

const HOST_NAME = /^[a-z0-9][a-z0-9-]{0,39}$/;

/** One stack to synthesize: its name, where its inputs came from, the inputs. */
export interface StackSpec {
  readonly stackName: string;
  /** Host name (file name without .json); undefined for the stack from environment variables. */
  readonly hostName?: string;
  /** The host file, or "environment". */
  readonly source: string;
  readonly inputs: RuntimeInputs;
}

/** Stack name of a host. */
export function hostStackName(hostName: string): string {
  return `${DEFAULT_STACK_NAME}-${hostName}`;
}

/** Where host files are read from, or undefined for the single stack from environment variables. */
export function hostsDirectory(env: Record<string, string | undefined>, cwd: string): string | undefined {
  const setting = env[HOSTS_DIR_VARIABLE];
  if (setting === "none") return undefined;
  if (setting !== undefined && setting !== "") {
    const dir = path.resolve(cwd, setting);
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
      throw new Error(`cutter-runtime inputs: ${HOSTS_DIR_VARIABLE}: ${show(setting)} is not a directory; nothing was changed. Point it at the directory holding <host>.json files, or set it to "none" for the single stack from environment variables.`);
    }
    return dir;
  }
  const dir = path.resolve(cwd, DEFAULT_HOSTS_DIR);
  return fs.existsSync(dir) && fs.statSync(dir).isDirectory() ? dir : undefined;
}

function display(file: string, cwd: string): string {
  const relative = path.relative(cwd, file);
  return relative.startsWith("..") || path.isAbsolute(relative) ? file : relative;
}

/** Reads one host file; every problem goes to `problems` labelled `<file>: <field>`. */
export function readHostFile(file: string, problems: Problems, cwd = process.cwd()): StackSpec | undefined {
  const shown = display(file, cwd);
  const hostName = path.basename(file, ".json");
  if (!HOST_NAME.test(hostName)) {
    problems.add(`${shown}: file name`, hostName, `must be a host name ${HOST_NAME.source} (lowercase letters, digits, "-"), e.g. hosts/production.json`);
    return undefined;
  }
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    problems.add(shown, (error as Error).message, "is not valid JSON; fix the syntax");
    return undefined;
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    problems.add(shown, data, "must be a JSON object with the fields " + [...Object.keys(HOST_FIELDS), "state"].join(", "));
    return undefined;
  }
  const raw: { -readonly [K in keyof RawRuntimeInputs]: unknown } = {};
  const object = data as Record<string, unknown>;
  for (const [field, value] of Object.entries(object)) {
    if (field === "state") continue;
    if (field in HOST_FIELDS) raw[HOST_FIELDS[field as keyof typeof HOST_FIELDS]] = value;
    else problems.add(`${shown}: ${field}`, value, `is not a known field; the fields are ${[...Object.keys(HOST_FIELDS), "state"].join(", ")}`);
  }
  if (object.state !== undefined) {
    if (typeof object.state !== "object" || object.state === null || Array.isArray(object.state)) {
      problems.add(`${shown}: state`, object.state, `must be an object with the fields ${Object.keys(STATE_FIELDS).join(", ")}`);
    } else {
      for (const [field, value] of Object.entries(object.state)) {
        if (field in STATE_FIELDS) raw[STATE_FIELDS[field as keyof typeof STATE_FIELDS]] = value;
        else problems.add(`${shown}: state.${field}`, value, `is not a known field; the fields are ${Object.keys(STATE_FIELDS).join(", ")}`);
      }
    }
  }
  // Values from JSON must be strings (a number or null is not a path or a name); empty means "not given".
  for (const [key, value] of Object.entries(raw)) {
    if (value !== undefined && typeof value !== "string") {
      problems.add(`${shown}: ${labelOf(key as keyof RuntimeInputs)}`, value, "must be a string");
      delete raw[key as keyof RawRuntimeInputs];
    }
  }
  const labels = Object.fromEntries(Object.keys(fieldOf).map((key) => [key, `${shown}: ${labelOf(key as keyof RuntimeInputs)}`])) as unknown as InputLabels;
  const inputs = resolveRuntimeInputs(raw, labels, problems, {
    statePath: () => path.posix.join(DEFAULT_STATE_DIR, `${hostName}.tfstate`),
    statePgSchema: `cutter_runtime_${hostName.replace(/-/g, "_")}`,
  });
  return { stackName: hostStackName(hostName), hostName, source: shown, inputs };
}

const fieldOf: { [K in keyof RuntimeInputs]: string } = {
  rootPath: "runtimeRoot",
  owner: "owner",
  group: "group",
  envFilePath: "envFile",
  stateBackend: "state.backend",
  statePath: "state.path",
  statePgSchema: "state.pgSchema",
  statePgConnEnv: "state.pgConnEnv",
  ownershipDir: "state.ownershipDir",
  adoptExisting: "adoptExisting",
  backupKeyStatus: "backupKeyStatus",
  reportReference: "reportReference",
  auditLogPath: "state.auditLog",
};

function labelOf(key: keyof RuntimeInputs): string {
  return fieldOf[key];
}

/** Where a stack's state lives, as a comparable key. */
function stateLocation(inputs: RuntimeInputs): string {
  return inputs.stateBackend === "pg" ? `pg schema ${inputs.statePgSchema} via ${inputs.statePgConnEnv}` : `local file ${inputs.statePath}`;
}

/** Reads every `<host>.json` in `dir` (sorted); throws one error naming every bad file and field. */
export function readHostFiles(dir: string, cwd = process.cwd()): StackSpec[] {
  const problems = new Problems();
  const files = fs.readdirSync(dir).filter((name) => name.endsWith(".json")).sort();
  const specs: StackSpec[] = [];
  if (files.length === 0) problems.add(display(dir, cwd), dir, "holds no <host>.json files; add one per host, or set CUTTER_HOSTS_DIR=none for the single stack from environment variables");
  for (const name of files) {
    const spec = readHostFile(path.join(dir, name), problems, cwd);
    if (spec) specs.push(spec);
  }
  // Two stacks writing one state would each see the other's resources as foreign and delete them.
  const seen = new Map<string, string>();
  for (const spec of specs) {
    const location = stateLocation(spec.inputs);
    const other = seen.get(location);
    if (other) problems.add(`${spec.source}: state`, location, `is also the state of ${other}; give each host its own state (state.path or state.pgSchema)`);
    else seen.set(location, spec.source);
  }
  problems.throwIfAny(`cutter-runtime host files in ${display(dir, cwd)} (fix the files and fields named below)`);
  return specs;
}

/**
 * The stacks to synthesize: one per host file when a hosts directory is in use,
 * else the single stack from environment variables.
 */
export function resolveStackSpecs(env: Record<string, string | undefined>, cwd = process.cwd()): StackSpec[] {
  const dir = hostsDirectory(env, cwd);
  if (dir === undefined) return [{ stackName: DEFAULT_STACK_NAME, source: "environment", inputs: readRuntimeInputs(env) }];
  const conflicting = perHostVariablesSet(env);
  if (conflicting.length > 0) {
    throw new Error(
      `cutter-runtime inputs: host files in ${display(dir, cwd)} are in use, but ${conflicting.join(", ")} ${conflicting.length === 1 ? "is" : "are"} set; nothing was changed.\n` +
        `  Per-host inputs come from the host files there: move the value into the host file and unset the variable, or set ${HOSTS_DIR_VARIABLE}=none for the single stack from environment variables.`,
    );
  }
  return readHostFiles(dir, cwd);
}
