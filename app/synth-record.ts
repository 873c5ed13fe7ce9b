/**
 * Synth, skipped when nothing it depends on changed: what the app does before every
 * `npm run plan|deploy|destroy` (in the operator CLI's own process) and every raw
 * `cdktf` command (cli/app.sh -> main.ts).
 *
 * A synth writes its outputs and then a record, `<output dir>/cutter-synth.json` (0600),
 * of everything the synthesized files were made from. The next command skips synth (and
 * never loads cdktf) when all of it is unchanged:
 *
 * - key: sha256 of the stack specs as resolved now (every input, with real paths: the
 *   host files and environment variables they came from are read and validated anew by
 *   every command), the whole environment (but for variables npm and the shell set per
 *   command: npm_*, INIT_CWD, PWD, OLDPWD, SHLVL, _, COLUMNS, LINES), the working
 *   directory, the output directory, node's version and binary, uid, gid and umask;
 * - code: every module the synthesizing process had loaded (dist/, node_modules: the
 *   files, their directories, so a file added beside them is seen, and the nearest
 *   package.json), by identity (device, inode, mode, owner, size, mtime, ctime). A record
 *   is written only if none of them changed after the process started (ctime), so what
 *   ran is what the identities name;
 * - reads: every file, directory listing and real path the construction read (the
 *   scripts in constructs/scripts), by identity taken before the read, or by content;
 * - the engine cdktf's "Terraform >= 1.4" validation asked (found on PATH again, same
 *   fingerprint: app/engine-identity.ts), with the version it answered (the operator
 *   CLI reuses it, and so does a synth that runs again while the engine file is the same:
 *   no `<engine> version` until the engine changes);
 * - outputs: the sha256 of every file synth wrote (manifest.json, each cdk.tf.json), as
 *   written; the files must hold exactly those bytes.
 *
 * Anything different, missing or unreadable (a record of another format, of another owner,
 * writable by others, a link) means synth runs, as before. What runs on every command
 * either way: the output directory's privacy guard (before the record is trusted) and the
 * removal of anything synth did not write from each stack directory.
 */
import { createHash } from "crypto";
import * as fs from "fs";
// The module object itself (an `import * as` namespace is a read-only view of it): its functions are observed while synth runs.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- see above: the mutable module object, not a namespace
import fsModule = require("fs");
import * as path from "path";
import { StackSpec } from "../constructs/host-files";
import { engineFingerprint, engineVersion, fileIdentity, knownEngineVersions, rememberEngineVersions, resolveOnPath } from "./engine-identity";
import { cleanStackDirectory, guardOutputDirectory } from "./local-state";
import { invokingUid } from "./private-paths";

export const SYNTH_RECORD = "cutter-synth.json";
const FORMAT = "cutter-runtime-synth/1";

/** Variables npm and the shell set per command; synth reads none of them. */
const VOLATILE = /^(npm_.*|INIT_CWD|PWD|OLDPWD|SHLVL|_|COLUMNS|LINES)$/;

/** One read of the construction: kind (a path's entry, a listing with or without entry types, a real path), absolute path, what it found. */
type Observation = [kind: "file" | "dir" | "dirtypes" | "real", file: string, found: string];

interface SynthRecord {
  format: string;
  key: string;
  /** [file, identity] of every module and module directory, and the nearest package.json files. */
  code: Array<[string, string]>;
  observed: Observation[];
  /** [name looked up, file found, fingerprint] of each engine cdktf's validation asked. */
  validated: Array<[string, string, string]>;
  /** What those engines answered (and the operator CLI's engine), for `<engine> version` to be asked once per binary. */
  engines: ReturnType<typeof knownEngineVersions>;
  /** [path relative to the output directory, sha256] of every file synth wrote. */
  outputs: Array<[string, string]>;
}

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

function identityOrError(file: string, follow: boolean): string {
  try {
    return fileIdentity(follow ? fs.statSync(file) : fs.lstatSync(file));
  } catch (error) {
    return `error:${(error as NodeJS.ErrnoException).code ?? "?"}`;
  }
}

/** A path as a read found it: the entry itself, and where a link points what it points to. */
function fileFound(file: string): string {
  const own = identityOrError(file, false);
  if (own.startsWith("error:")) return own;
  let link = "";
  try {
    link = fs.lstatSync(file).isSymbolicLink() ? `->${fs.readlinkSync(file)}=${identityOrError(file, true)}` : "";
  } catch (error) {
    link = `->error:${(error as NodeJS.ErrnoException).code ?? "?"}`;
  }
  return own + link;
}

function listingFound(dir: string, withTypes: boolean): string {
  try {
    const names = fs.readdirSync(dir).sort();
    return JSON.stringify(withTypes ? names.map((n) => [n, identityOrError(path.join(dir, n), false).split(":")[2]]) : names);
  } catch (error) {
    return `error:${(error as NodeJS.ErrnoException).code ?? "?"}`;
  }
}

function realFound(p: string): string {
  try {
    return fs.realpathSync.native(p);
  } catch (error) {
    return `error:${(error as NodeJS.ErrnoException).code ?? "?"}`;
  }
}

function found(kind: Observation[0], file: string): string {
  return kind === "file" ? fileFound(file) : kind === "real" ? realFound(file) : listingFound(file, kind === "dirtypes");
}

function pathArgument(arg: unknown): string | undefined {
  if (typeof arg === "string") return path.resolve(arg);
  if (Buffer.isBuffer(arg)) return path.resolve(arg.toString("utf8"));
  if (arg instanceof URL && arg.protocol === "file:") return path.resolve(decodeURIComponent(arg.pathname));
  return undefined;
}

function bytesOf(data: unknown, options: unknown): Buffer | undefined {
  const encoding = (typeof options === "string" ? options : (options as { encoding?: BufferEncoding } | undefined)?.encoding) ?? "utf8";
  if (typeof data === "string") return Buffer.from(data, encoding as BufferEncoding);
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return undefined;
}

/**
 * Runs `run` with every synchronous read outside `outdir` observed (identity taken before
 * the read) and every file written inside it hashed as written.
 */
function observed<T>(outdir: string, run: () => T): { result: T; observations: Observation[]; written: Map<string, string>; unobserved: string[] } {
  const observations = new Map<string, Observation>();
  const written = new Map<string, string>();
  const unobserved: string[] = [];
  const inside = (p: string) => p === outdir || p.startsWith(outdir + path.sep);
  // Observing reads files too (through the same, wrapped, functions): those reads are not the construction's.
  let observing = false;
  const note = (kind: Observation[0], file: string | undefined) => {
    if (observing || file === undefined || inside(file)) return;
    const key = `${kind}\0${file}`;
    if (observations.has(key)) return;
    observing = true;
    try {
      observations.set(key, [kind, file, found(kind, file)]);
    } finally {
      observing = false;
    }
  };
  const fsAny = fsModule as unknown as Record<string, (...args: unknown[]) => unknown>;
  const originals = new Map<string, (...args: unknown[]) => unknown>();
  const realNative = fs.realpathSync.native;
  const wrap = (name: string, before: (args: unknown[]) => void) => {
    const original = fsAny[name];
    originals.set(name, original);
    fsAny[name] = function (this: unknown, ...args: unknown[]) {
      before(args);
      return original.apply(this, args);
    };
  };
  for (const name of ["readFileSync", "openSync", "statSync", "lstatSync", "existsSync", "accessSync", "readlinkSync"])
    wrap(name, (args) => note("file", pathArgument(args[0])));
  wrap("readdirSync", (args) => note((args[1] as { withFileTypes?: boolean } | undefined)?.withFileTypes ? "dirtypes" : "dir", pathArgument(args[0])));
  const realpath = fsAny.realpathSync;
  wrap("realpathSync", (args) => note("real", pathArgument(args[0])));
  (fsAny.realpathSync as unknown as { native: unknown }).native = function (this: unknown, ...args: unknown[]) {
    note("real", pathArgument(args[0]));
    return (realNative as (...a: unknown[]) => unknown).apply(this, args);
  };
  wrap("writeFileSync", (args) => {
    if (observing) return;
    const file = pathArgument(args[0]);
    if (file === undefined || !inside(file)) {
      unobserved.push(`a write outside the output directory (${String(args[0])})`);
      return;
    }
    const bytes = bytesOf(args[1], args[2]);
    if (bytes === undefined) unobserved.push(`a write of unknown data to ${file}`);
    else written.set(path.relative(outdir, file), sha256(bytes));
  });
  // Writes that are not one whole file in one call: a record could not say what they wrote.
  for (const name of ["appendFileSync", "copyFileSync", "renameSync", "symlinkSync", "linkSync"]) wrap(name, () => unobserved.push(`fs.${name}`));
  // What is printed (stdout or stderr to a file goes through writeSync) is not an output.
  wrap("writeSync", (args) => {
    if (args[0] !== 1 && args[0] !== 2) unobserved.push("fs.writeSync");
  });
  try {
    return { result: run(), observations: [...observations.values()], written, unobserved };
  } finally {
    for (const [name, original] of originals) fsAny[name] = original;
    (realpath as unknown as { native: unknown }).native = realNative;
    fsAny.realpathSync = realpath;
  }
}

function keyOf(outdir: string, env: NodeJS.ProcessEnv, specs: readonly StackSpec[]): string {
  const environment = Object.entries(env)
    .filter(([name, value]) => value !== undefined && !VOLATILE.test(name))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const umask = process.umask();
  const material = {
    format: FORMAT,
    node: [process.version, process.arch, process.platform, process.execPath, identityOrError(process.execPath, true)],
    user: [invokingUid(), process.getgid?.() ?? 0, umask],
    cwd: process.cwd(),
    outdir,
    environment,
    specs,
  };
  return sha256(JSON.stringify(material));
}

/** The nearest package.json at or above `dir` (node reads it for every module below it). */
function nearestPackageJson(dir: string, cache: Map<string, string | undefined>): string | undefined {
  if (cache.has(dir)) return cache.get(dir);
  const candidate = path.join(dir, "package.json");
  const parent = path.dirname(dir);
  const result = fs.existsSync(candidate) ? candidate : parent === dir ? undefined : nearestPackageJson(parent, cache);
  cache.set(dir, result);
  return result;
}

/** Identities of the loaded code, or undefined when a file changed after this process started (what ran is then not known). */
function codeIdentities(): Array<[string, string]> | undefined {
  const started = performance.timeOrigin;
  const files = new Set<string>();
  const packages = new Map<string, string | undefined>();
  for (const file of Object.keys(require.cache)) {
    if (!path.isAbsolute(file)) continue;
    files.add(file);
    files.add(path.dirname(file));
    const pkg = nearestPackageJson(path.dirname(file), packages);
    if (pkg) files.add(pkg);
  }
  files.add(process.execPath);
  const identities: Array<[string, string]> = [];
  for (const file of [...files].sort()) {
    let st: fs.Stats;
    try {
      st = fs.statSync(file);
    } catch {
      return undefined;
    }
    if (st.ctimeMs >= started) return undefined;
    identities.push([file, fileIdentity(st)]);
  }
  return identities;
}

/** The record, if it is a private regular file of ours in the (already guarded) output directory and reads as one. */
function readRecord(outdir: string): SynthRecord | undefined {
  const file = path.join(outdir, SYNTH_RECORD);
  try {
    const st = fs.lstatSync(file);
    if (!st.isFile() || (st.uid !== invokingUid() && st.uid !== 0) || (st.mode & 0o022) !== 0 || st.nlink !== 1) return undefined;
    const record = JSON.parse(fs.readFileSync(file, "utf8")) as SynthRecord;
    return record?.format === FORMAT ? record : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the record says the outputs in `outdir` are what a synth would write now. */
function recordHolds(record: SynthRecord, outdir: string, key: string, env: NodeJS.ProcessEnv): boolean {
  if (record.key !== key) return false;
  for (const [name, file, fingerprint] of record.validated) {
    if ((name.startsWith("/") ? name : resolveOnPath(name, env)) !== file || engineFingerprint(file) !== fingerprint) return false;
  }
  for (const [file, identity] of record.code) if (identityOrError(file, true) !== identity) return false;
  for (const [kind, file, was] of record.observed) if (found(kind, file) !== was) return false;
  if (record.outputs.length === 0) return false;
  for (const [relative, digest] of record.outputs) {
    try {
      const file = path.join(outdir, relative);
      if (!fs.lstatSync(file).isFile() || sha256(fs.readFileSync(file)) !== digest) return false;
    } catch {
      return false;
    }
  }
  return true;
}

function writeRecord(outdir: string, record: SynthRecord): void {
  const file = path.join(outdir, SYNTH_RECORD);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, JSON.stringify(record) + "\n", { mode: 0o600, flag: "wx" });
    fs.renameSync(tmp, file);
  } catch {
    // No record: the next command synthesizes again.
    fs.rmSync(tmp, { force: true });
  }
}

/**
 * What the app does before an engine runs (see the module comment): guards the output
 * directory, synthesizes every stack unless the record says nothing changed, then
 * removes from each stack directory what synth did not write. Returns one note per
 * removed entry. `engineFiles` are engines whose version answers the record should keep
 * (the operator CLI's engine). Throws what the guard or synth throws.
 */
export function synthesizeUnlessUnchanged(
  outdir: string,
  env: NodeJS.ProcessEnv,
  specs: readonly StackSpec[],
  engineFiles: readonly string[] = [],
): { skipped: boolean; notes: string[] } {
  guardOutputDirectory(outdir);
  const key = keyOf(outdir, env, specs);
  const record = readRecord(outdir);
  // Its engines' answers stand on their own (each kept only while that file's fingerprint is the same): a synth that runs asks no `version` of an unchanged engine either.
  if (record) rememberEngineVersions(record.engines);
  let skipped = false;
  if (record && recordHolds(record, outdir, key, env)) {
    skipped = true;
  } else {
    fs.rmSync(path.join(outdir, SYNTH_RECORD), { force: true });
    const {
      result: validated,
      observations,
      written,
      unobserved,
    } = observed(outdir, () => {
      // Loaded only when synth runs: a skipped synth loads neither cdktf nor the constructs.
      /* eslint-disable @typescript-eslint/no-require-imports -- see above */
      const synth = require("./synth") as typeof import("./synth");
      synth.synthesizeInProcess(outdir, specs);
      return (require("./engine-check-once") as typeof import("./engine-check-once")).validationEngines();
      /* eslint-enable @typescript-eslint/no-require-imports */
    });
    const code = codeIdentities();
    // The CLI's engine is asked right after synth anyway; asked now, its answer goes into the record (when it is not the engine cdktf's check found on PATH).
    for (const file of engineFiles) engineVersion(file, env);
    if (code && validated && unobserved.length === 0 && written.size > 0) {
      const codeFiles = new Set(code.map(([file]) => file));
      writeRecord(outdir, {
        format: FORMAT,
        key,
        code,
        // Reads of the code itself (node's loader reads and resolves each module) are the code's identities.
        observed: observations.filter(([, file]) => !codeFiles.has(file)),
        validated: validated.map((v) => [v.name, v.file, v.fingerprint]),
        engines: knownEngineVersions([...validated.map((v) => v.file), ...engineFiles]),
        outputs: [...written.entries()].sort(),
      });
    }
  }
  const notes = specs.flatMap((spec) => cleanStackDirectory(path.join(outdir, "stacks", spec.stackName)));
  return { skipped, notes };
}
