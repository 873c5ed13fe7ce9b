import * as fs from "fs";
import * as path from "path";
import { INPUT_KEYS, INPUT_TABLE, InputKey, RuntimeInputs } from "./input-table";
import { isInsideResolved, resolvedPath, resolvesNote } from "./path-inside";
import { InputLabels, RawRuntimeInputs, perHostVariablesSet, readRuntimeInputs, resolveRuntimeInputs } from "./runtime-inputs";
import { JsonValue, StrictJsonError, jsonKind, parseStrictJson, showKey } from "./strict-json";
import { Problems, runtimeRootRule, show } from "./validation";

/**
 * Hosts as data: one `hosts/<name>.json` per host, one stack per host.
 *
 * ```json
 * { "runtimeRoot": "/var/lib/cutter", "owner": "root", "group": "root",
 *   "envFile": "/opt/incomex/docker/.env",
 *   "state": { "backend": "pg", "pgSchema": "cutter_runtime_production", "pgConnEnv": "CUTTER_PROD_PG_CONN" } }
 * ```
 * Every field is optional and defaults like its environment variable; unknown
 * fields are refused (a typo must not silently fall back to a default). The fields
 * are the `field` column of input-table.ts.
 */

/** Name of the single stack configured from environment variables (no host files). */
export const DEFAULT_STACK_NAME = "cutter-runtime";
/** Selects the hosts directory; `none` forces the single stack from environment variables. */
export const HOSTS_DIR_VARIABLE = "CUTTER_HOSTS_DIR";
/** Used when CUTTER_HOSTS_DIR is not set and this directory exists in the project. */
export const DEFAULT_HOSTS_DIR = "hosts";

/** What CUTTER_HOSTS_DIR is, for the README's Inputs table (it selects host files; it is no input of a stack). */
export const HOSTS_DIR_DOC = {
  env: HOSTS_DIR_VARIABLE,
  defaultDoc: `\`${DEFAULT_HOSTS_DIR}\` if that directory exists`,
  ruleDoc: "directory of host files; `none` = the single stack from the variables above",
} as const;

const STATE_PREFIX = "state.";
/** Fields of the host file's top level, or of its `state` object, and the input each sets (from the table). */
function fieldsOf(inState: boolean): Readonly<Record<string, InputKey>> {
  const rows = INPUT_KEYS.filter((key) => INPUT_TABLE[key].field.startsWith(STATE_PREFIX) === inState);
  return Object.fromEntries(rows.map((key) => [INPUT_TABLE[key].field.slice(inState ? STATE_PREFIX.length : 0), key]));
}
/** Top-level fields of a host file and the input each sets. */
const HOST_FIELDS = fieldsOf(false);
/** Fields of a host file's `state` object and the input each sets. */
const STATE_FIELDS = fieldsOf(true);

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
      throw new Error(
        `cutter-runtime inputs: ${HOSTS_DIR_VARIABLE}: ${show(setting)} is not a directory; nothing was changed. Point it at the directory holding <host>.json files, or set it to "none" for the single stack from environment variables.`,
      );
    }
    return checkHostsDirectory(dir, setting);
  }
  const dir = path.resolve(cwd, DEFAULT_HOSTS_DIR);
  return fs.existsSync(dir) && fs.statSync(dir).isDirectory() ? checkHostsDirectory(dir, DEFAULT_HOSTS_DIR) : undefined;
}

/** A hosts directory that others can write would let them add a host file that root then deploys. */
function checkHostsDirectory(dir: string, shown: string): string {
  const st = fs.statSync(dir);
  const uid = process.getuid?.() ?? 0;
  const problem =
    st.uid !== uid && st.uid !== 0
      ? `is owned by uid ${st.uid}, not by you (uid ${uid}) or root`
      : (st.mode & 0o022) !== 0
        ? `is writable by others (mode ${(st.mode & 0o7777).toString(8).padStart(4, "0")})`
        : undefined;
  if (problem) {
    throw new Error(
      `cutter-runtime inputs: the hosts directory ${show(shown)} ${problem}; anyone who can add a host file there decides where root writes. Nothing was changed. Check its files, then make it yours and not writable by others (chmod go-w).`,
    );
  }
  return dir;
}

function display(file: string, cwd: string): string {
  const relative = path.relative(cwd, file);
  return relative.startsWith("..") || path.isAbsolute(relative) ? file : relative;
}

/** Largest host file read (a host file is a few hundred bytes). */
export const MAX_HOST_FILE_BYTES = 64 * 1024;
/** Deepest nesting read (a host file nests two levels: the file and `state`). */
const MAX_HOST_FILE_DEPTH = 8;

/**
 * The text of a host file, or a problem: it must be a regular file (not a link, which
 * could point at a secrets file, and not a FIFO, which would block), owned by the
 * invoking user or root and not writable by anyone else (it decides where root writes),
 * at most MAX_HOST_FILE_BYTES, and valid UTF-8.
 */
function readHostFileText(file: string): { text: string } | { problem: string } {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(file);
  } catch (error) {
    return { problem: `cannot be read (${(error as NodeJS.ErrnoException).code})` };
  }
  if (st.isSymbolicLink()) return { problem: "is a symbolic link; host files are read only as regular files (copy the file itself into the hosts directory)" };
  if (!st.isFile()) return { problem: "is not a regular file; a host file is a JSON file" };
  const uid = process.getuid?.() ?? 0;
  if (st.uid !== uid && st.uid !== 0)
    return { problem: `is owned by uid ${st.uid}, not by you (uid ${uid}) or root; a host file decides where root writes: check it, then chown it` };
  if ((st.mode & 0o022) !== 0)
    return {
      problem: `is writable by others (mode ${(st.mode & 0o7777).toString(8).padStart(4, "0")}); a host file decides where root writes: check it, then chmod go-w it`,
    };
  if (st.size > MAX_HOST_FILE_BYTES) return { problem: `is ${st.size} bytes; a host file is at most ${MAX_HOST_FILE_BYTES} bytes` };
  let fd: number;
  try {
    // O_NOFOLLOW|O_NONBLOCK: a link or FIFO swapped in after the lstat is refused, never waited on.
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch (error) {
    return { problem: `cannot be read (${(error as NodeJS.ErrnoException).code})` };
  }
  try {
    const opened = fs.fstatSync(fd);
    if (!opened.isFile() || opened.ino !== st.ino || opened.dev !== st.dev) return { problem: "changed while it was read; run again" };
    const buffer = Buffer.alloc(MAX_HOST_FILE_BYTES + 1);
    let length = 0;
    for (let n = 1; n > 0 && length < buffer.length; length += n) n = fs.readSync(fd, buffer, length, buffer.length - length, null);
    if (length > MAX_HOST_FILE_BYTES) return { problem: `is larger than ${MAX_HOST_FILE_BYTES} bytes; a host file is at most ${MAX_HOST_FILE_BYTES} bytes` };
    try {
      return { text: new TextDecoder("utf-8", { fatal: true }).decode(buffer.subarray(0, length)) };
    } catch {
      return { problem: "is not valid UTF-8 text; save it as UTF-8" };
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** A field of a JSON object that is a known field of `fields`: own keys only (never `toString`, `__proto__`). */
function knownField<T extends object>(fields: T, name: string): name is Extract<keyof T, string> {
  return Object.prototype.hasOwnProperty.call(fields, name);
}

/** Reads one host file; every problem goes to `problems` labelled `<file>: <field>`. Values of unknown fields are never shown. */
export function readHostFile(file: string, problems: Problems, cwd = process.cwd()): StackSpec | undefined {
  const shown = display(file, cwd);
  const hostName = path.basename(file, ".json");
  if (!HOST_NAME.test(hostName)) {
    problems.add(`${shown}: file name`, hostName, `must be a host name ${HOST_NAME.source} (lowercase letters, digits, "-"), e.g. hosts/production.json`);
    return undefined;
  }
  const read = readHostFileText(file);
  if ("problem" in read) {
    problems.addAll([`${shown}: ${read.problem}`]);
    return undefined;
  }
  let data: JsonValue;
  try {
    data = parseStrictJson(read.text, { maxDepth: MAX_HOST_FILE_DEPTH });
  } catch (error) {
    if (!(error instanceof StrictJsonError)) throw error;
    problems.addAll([`${shown}: is not valid JSON (${error.message}); fix the syntax`]);
    return undefined;
  }
  const topFields = [...Object.keys(HOST_FIELDS), "state"].join(", ");
  if (!(data instanceof Map)) {
    problems.addAll([`${shown}: must be a JSON object with the fields ${topFields}, not ${jsonKind(data)}`]);
    return undefined;
  }
  const raw: { -readonly [K in keyof RawRuntimeInputs]: string } = {};
  const take = (key: InputKey, value: JsonValue) => {
    // Values must be strings (a number or null is not a path or a name); empty means "not given".
    if (typeof value === "string") raw[key] = value;
    else if (value === null || typeof value !== "object") problems.add(`${shown}: ${labelOf(key)}`, value, "must be a string");
    else problems.addAll([`${shown}: ${labelOf(key)}: must be a string, not ${jsonKind(value)}`]);
  };
  const unknown = (field: string, fields: string) =>
    problems.addAll([`${shown}: ${showKey(field)} is not a known field (its value is not shown); the fields are ${fields}`]);
  for (const [field, value] of data) {
    if (field === "state") continue;
    if (knownField(HOST_FIELDS, field)) take(HOST_FIELDS[field], value);
    else unknown(field, topFields);
  }
  const state = data.get("state");
  if (state !== undefined) {
    const stateFields = Object.keys(STATE_FIELDS).join(", ");
    if (!(state instanceof Map)) {
      problems.addAll([`${shown}: state: must be an object with the fields ${stateFields}, not ${jsonKind(state)}`]);
    } else {
      for (const [field, value] of state) {
        if (knownField(STATE_FIELDS, field)) take(STATE_FIELDS[field], value);
        else unknown(`state.${field}`, stateFields);
      }
    }
  }
  const labels = Object.fromEntries(INPUT_KEYS.map((key) => [key, `${shown}: ${labelOf(key)}`])) as Record<InputKey, string> as InputLabels;
  const inputs = resolveRuntimeInputs(raw, labels, problems, hostName);
  return { stackName: hostStackName(hostName), hostName, source: shown, inputs };
}

function labelOf(key: InputKey): string {
  return INPUT_TABLE[key].field;
}

/** Where a stack's state lives, as a comparable key: a local file by its real path. */
function stateLocation(inputs: RuntimeInputs): string {
  return inputs.stateBackend === "pg" ? `pg schema ${inputs.statePgSchema} via ${inputs.statePgConnEnv}` : `local file ${resolvedPath(inputs.statePath)}`;
}

/**
 * Paths two hosts must never share, compared by real path (a symlinked spelling of a
 * directory is that directory). Shared state makes each stack treat the other's
 * resources as its own (and destroy them). Hosts with local state keep it as files of
 * one filesystem (the rule that their state files differ already assumes so): for
 * them the ownership records must differ too, and neither state nor records may lie
 * inside another such host's tree, where its destroy would remove them. Hosts with pg
 * state may be separate machines with the same root and record paths.
 */
function checkNothingShared(specs: readonly StackSpec[], problems: Problems): void {
  const seen = new Map<string, string>();
  for (const spec of specs) {
    const location = stateLocation(spec.inputs);
    const other = seen.get(location);
    if (other) problems.add(`${spec.source}: state`, location, `is also the state of ${other}; give each host its own state (state.path or state.pgSchema)`);
    else seen.set(location, spec.source);
  }
  // A host whose root is invalid is reported already; comparing with it would only add noise.
  const local = specs.filter((s) => s.inputs.stateBackend === "local" && runtimeRootRule(s.inputs.rootPath) === undefined);
  for (let i = 0; i < local.length; i++) {
    for (let j = 0; j < i; j++) {
      const [a, b] = [local[i], local[j]];
      if (isInsideResolved(a.inputs.ownershipDir, b.inputs.ownershipDir) || isInsideResolved(b.inputs.ownershipDir, a.inputs.ownershipDir)) {
        problems.add(
          `${a.source}: state.ownershipDir`,
          a.inputs.ownershipDir,
          `is (or overlaps) the ownership record of ${b.source}${resolvesNote(a.inputs.ownershipDir)}; give each host its own`,
        );
      }
      for (const [x, y] of [
        [a, b],
        [b, a],
      ]) {
        for (const [field, p] of [
          ["state.path", x.inputs.statePath],
          ["state.ownershipDir", x.inputs.ownershipDir],
        ]) {
          if (isInsideResolved(p, y.inputs.rootPath))
            problems.add(
              `${x.source}: ${field}`,
              p,
              `is inside the runtime root of ${y.source} (${y.inputs.rootPath})${resolvesNote(p)}; its destroy would remove it`,
            );
        }
      }
    }
  }
}

/** Reads every `<host>.json` in `dir` (sorted); throws one error naming every bad file and field. */
export function readHostFiles(dir: string, cwd = process.cwd()): StackSpec[] {
  const problems = new Problems();
  const files = fs
    .readdirSync(dir)
    .filter((name) => name.endsWith(".json"))
    .sort();
  const specs: StackSpec[] = [];
  if (files.length === 0)
    problems.add(
      display(dir, cwd),
      dir,
      "holds no <host>.json files; add one per host, or set CUTTER_HOSTS_DIR=none for the single stack from environment variables",
    );
  for (const name of files) {
    const spec = readHostFile(path.join(dir, name), problems, cwd);
    if (spec) specs.push(spec);
  }
  checkNothingShared(specs, problems);
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
