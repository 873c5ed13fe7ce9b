/**
 * The env-wiring check: the env file the config points to exists, is a regular file
 * owned by root and not open to others, and defines every variable the config names,
 * by NAME.
 *
 * Values are handled as bytes of the file's buffer only: never turned into strings,
 * never returned, printed or written. Each is looked at for two things while the
 * buffer is in hand: whether it is empty, and whether its bytes appear in the config
 * (a secret copied into it). Then the buffer is zeroed.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import { formatMode } from "../constructs";

/** Largest env file read (a dotenv file is a few KiB). */
const MAX_ENV_FILE = 1024 * 1024;
/** Shorter values are not searched for in the config (they match anything: "1", "on", a port). */
export const MIN_COMPARED_VALUE = 6;

export interface EnvFileFacts {
  readonly path: string;
  /** "regular file", "missing", "symbolic link", "directory", "fifo", ... */
  readonly type: string;
  readonly owner?: string;
  readonly group?: string;
  readonly mode?: string;
  /** Names assigned a non-empty value, in file order (deduplicated). */
  readonly defined: readonly string[];
  /** Names assigned an empty value (and never a non-empty one after). */
  readonly empty: readonly string[];
  /** Names whose value appears in the config text given (a secret copied into it). */
  readonly valuesInConfig: readonly string[];
  /** Why the names were not read (unreadable, too large, not a regular file). */
  readonly unreadable?: string;
}

const names = new Map<string, string>();

/** Name of a uid/gid through NSS (`getent`), or the number. */
export function nameOf(kind: "passwd" | "group", id: number): string {
  const key = `${kind}:${id}`;
  const cached = names.get(key);
  if (cached !== undefined) return cached;
  const r = spawnSync("getent", [kind, String(id)], { encoding: "utf8" });
  const name = r.status === 0 && r.stdout.includes(":") ? r.stdout.split(":")[0] : String(id);
  names.set(key, name);
  return name;
}

/** What a path is, in words ("regular file", "symbolic link", ...). */
export function typeOf(st: fs.Stats): string {
  if (st.isSymbolicLink()) return "symbolic link";
  if (st.isDirectory()) return "directory";
  if (st.isFile()) return "regular file";
  if (st.isFIFO()) return "fifo";
  if (st.isSocket()) return "socket";
  return "special file";
}

const SPACE = new Set([0x20, 0x09, 0x0d]);
const NAME_START = (c: number) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
const NAME_PART = (c: number) => NAME_START(c) || (c >= 0x30 && c <= 0x39);

/**
 * Walks dotenv-style assignments (`NAME=value`, `export NAME=value`, quoted values,
 * multi-line quoted values, `# comments`) and calls `visit(name, start, end)` with the
 * value's byte range. The value is never copied.
 */
export function scanAssignments(buffer: Buffer, visit: (name: string, start: number, end: number) => void): void {
  let i = 0;
  const n = buffer.length;
  const skipSpace = () => {
    while (i < n && SPACE.has(buffer[i])) i++;
  };
  const toLineEnd = () => {
    while (i < n && buffer[i] !== 0x0a) i++;
  };
  while (i < n) {
    skipSpace();
    if (i >= n) break;
    if (buffer[i] === 0x0a) {
      i++;
      continue;
    }
    if (buffer[i] === 0x23 || !NAME_START(buffer[i])) {
      toLineEnd();
      continue;
    }
    let nameStart = i;
    while (i < n && NAME_PART(buffer[i])) i++;
    let name = buffer.toString("latin1", nameStart, i);
    if (name === "export" && i < n && SPACE.has(buffer[i])) {
      skipSpace();
      nameStart = i;
      if (i >= n || !NAME_START(buffer[i])) {
        toLineEnd();
        continue;
      }
      while (i < n && NAME_PART(buffer[i])) i++;
      name = buffer.toString("latin1", nameStart, i);
    }
    skipSpace();
    if (i >= n || buffer[i] !== 0x3d) {
      toLineEnd();
      continue;
    }
    i++;
    skipSpace();
    const quote = i < n && (buffer[i] === 0x22 || buffer[i] === 0x27) ? buffer[i] : undefined;
    if (quote !== undefined) {
      const start = i + 1;
      let end = start;
      // A quoted value may span lines; a backslash escapes a double quote.
      while (end < n && !(buffer[end] === quote && !(quote === 0x22 && buffer[end - 1] === 0x5c))) end++;
      visit(name, start, Math.min(end, n));
      i = end + 1;
      toLineEnd();
      continue;
    }
    const start = i;
    toLineEnd();
    let end = i;
    // An unquoted value ends before " #" (a comment) and trailing spaces.
    for (let j = start; j < end; j++) {
      if (buffer[j] === 0x23 && j > start && SPACE.has(buffer[j - 1])) {
        end = j;
        break;
      }
    }
    while (end > start && SPACE.has(buffer[end - 1])) end--;
    visit(name, start, end);
  }
}

/**
 * Reads the env file's facts. `configBytes`, when given, is searched for every value of
 * MIN_COMPARED_VALUE bytes or more. Reads only; never follows a link; never blocks on a FIFO.
 */
export function inspectEnvFile(file: string, configBytes?: Buffer): EnvFileFacts {
  const base = { path: file, defined: [] as string[], empty: [] as string[], valuesInConfig: [] as string[] };
  let st: fs.Stats;
  try {
    st = fs.lstatSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { ...base, type: code === "ENOENT" || code === "ENOTDIR" ? "missing" : `unreadable (${code})` };
  }
  const facts = { ...base, type: typeOf(st), owner: nameOf("passwd", st.uid), group: nameOf("group", st.gid), mode: formatMode(st.mode & 0o7777) };
  if (!st.isFile()) return { ...facts, unreadable: `it is a ${facts.type}, not a regular file` };
  if (st.size > MAX_ENV_FILE) return { ...facts, unreadable: `it is ${st.size} bytes; an env file is at most ${MAX_ENV_FILE}` };
  let buffer: Buffer;
  try {
    const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY);
    try {
      const opened = fs.fstatSync(fd);
      // The same file as stat'ed (not swapped in between), and still small.
      if (!opened.isFile() || opened.ino !== st.ino || opened.dev !== st.dev || opened.size > MAX_ENV_FILE)
        return { ...facts, unreadable: "it changed while being read" };
      buffer = Buffer.alloc(opened.size);
      let read = 0;
      while (read < buffer.length) {
        const got = fs.readSync(fd, buffer, read, buffer.length - read, read);
        if (got === 0) break;
        read += got;
      }
    } finally {
      fs.closeSync(fd);
    }
  } catch (error) {
    return { ...facts, unreadable: `it cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` };
  }
  const last = new Map<string, boolean>();
  const inConfig = new Set<string>();
  try {
    scanAssignments(buffer, (name, start, end) => {
      last.set(name, end > start);
      if (configBytes && end - start >= MIN_COMPARED_VALUE && configBytes.includes(buffer.subarray(start, end))) inConfig.add(name);
    });
  } finally {
    buffer.fill(0);
  }
  const defined = [...last].filter(([, nonEmpty]) => nonEmpty).map(([name]) => name);
  const empty = [...last].filter(([, nonEmpty]) => !nonEmpty).map(([name]) => name);
  return { ...facts, defined, empty, valuesInConfig: [...inConfig] };
}

/** What the report says of the env file: its facts against the names the config needs. */
export interface EnvWiring {
  readonly file: EnvFileFacts;
  /** Names the config points to (the backup key excluded: see backupKey). */
  readonly required: readonly string[];
  readonly defined: readonly string[];
  readonly missing: readonly string[];
  readonly backupKey: {
    readonly name: string;
    /** As the config flags it. */
    readonly status: "provisioned" | "not-provisioned";
    readonly defined: boolean;
    /** The config's flag agrees with the env file. */
    readonly consistent: boolean;
  };
  /** Each a WARN in the report; a FAIL with --require-env. */
  readonly problems: readonly string[];
}

/** Compares the env file with the names the config points to, and the backup key's flag with the file. */
export function envWiring(
  facts: EnvFileFacts,
  required: readonly string[],
  backupKeyName: string,
  backupKeyStatus: "provisioned" | "not-provisioned",
): EnvWiring {
  const problems: string[] = [];
  const file = facts.path;
  if (facts.type === "missing") problems.push(`env file ${file}: missing; the orchestrator resolves every credential from it`);
  else if (facts.unreadable) problems.push(`env file ${file}: names not read: ${facts.unreadable}`);
  if (facts.type === "regular file") {
    if (facts.owner !== "root") problems.push(`env file ${file}: owner ${facts.owner}:${facts.group}, expected root`);
    if (facts.mode !== undefined && (parseInt(facts.mode, 8) & 0o007) !== 0)
      problems.push(`env file ${file}: mode ${facts.mode}: readable or writable by others; expected no access for others (e.g. 0600 or 0640)`);
  }
  const read = facts.type === "regular file" && !facts.unreadable;
  const defined = required.filter((n) => facts.defined.includes(n));
  const missing = required.filter((n) => !facts.defined.includes(n));
  if (read && missing.length > 0) {
    const empty = missing.filter((n) => facts.empty.includes(n));
    problems.push(
      `env file ${file}: ${missing.length} of ${required.length} variable(s) the config names are not defined: ${missing.join(", ")}${empty.length > 0 ? ` (empty: ${empty.join(", ")})` : ""}`,
    );
  }
  const keyDefined = facts.defined.includes(backupKeyName);
  const consistent = !read || (backupKeyStatus === "provisioned") === keyDefined;
  if (!consistent) {
    problems.push(
      backupKeyStatus === "provisioned"
        ? `backup key: the config flags ${backupKeyName} PROVISIONED, but ${file} does not define it; define it there, or deploy with CUTTER_BACKUP_KEY_STATUS=not-provisioned`
        : `backup key: the config flags ${backupKeyName} NOT PROVISIONED, but ${file} defines it; deploy with CUTTER_BACKUP_KEY_STATUS=provisioned (backupKeyStatus in a host file)`,
    );
  }
  return {
    file: facts,
    required,
    defined,
    missing: read ? missing : [...required],
    backupKey: { name: backupKeyName, status: backupKeyStatus, defined: keyDefined, consistent },
    problems,
  };
}
