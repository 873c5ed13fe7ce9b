/**
 * The state and its records, checked before every engine run (the operator CLI does it
 * before synth; the app does it at synth for the raw `cdktf` commands):
 *
 * - private: state, its `.backup`, the ownership records, the recovery directory and
 *   the synthesized output are the invoking user's alone (app/private-paths.ts);
 * - intact: a local state file that is empty or cut off (a run killed while the engine
 *   rewrote it, a full filesystem) is never used: the engine would see no resources and
 *   report "No objects need to be destroyed" while the ownership records say the stack
 *   owns paths. The command stops and prints the exact command that restores the last
 *   good state;
 * - remembered: before each run, a verified copy of the state (valid JSON, version 4,
 *   a lineage and serial) goes to the recovery directory. It tells "state lost" (a
 *   copy with resources exists) from "state never written" (a first deploy killed
 *   before the engine wrote any: the next deploy carries on from the records);
 * - errored.tfstate, which the engine leaves in its working directory when it cannot
 *   write the state, is moved to the recovery directory (0600) and the command to put
 *   it back is printed.
 *
 * Recovery files: `recoveryDirectory(inputs)` (local: `<state file>.recovery`, pg:
 * `<ownership dir>.recovery`), directory 0700, files 0600, named
 * `<stack>-<UTC yyyymmddThhmmssZ>-<what>.tfstate`.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { StackSpec } from "../constructs/host-files";
import { RuntimeInputs } from "../constructs/runtime-inputs";
import { describeStack } from "./describe-stack";
import { privateDirectoryProblems, privateFileProblems, privateTreeProblems } from "./private-paths";

/** What an engine run is about to do; "unknown" is treated like destroy where that is the safer reading. */
export type EngineVerb = "plan" | "deploy" | "destroy" | "unknown";

/** Thrown when a command must not run; the message says why and how to recover. */
export class StateRefusal extends Error {}

/** Where recovery files of a stack go (see the module comment). */
export function recoveryDirectory(inputs: RuntimeInputs): string {
  return inputs.stateBackend === "pg" ? `${inputs.ownershipDir}.recovery` : `${inputs.statePath}.recovery`;
}

/** How many verified copies of one stack's state are kept (newest first). */
const VERIFIED_COPIES_KEPT = 5;
/** The engine rewrites the state in place and writes a `.backup`: free space needed beyond twice the state. */
const STATE_SPACE_MARGIN = 64 * 1024;

function stamp(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
}

/** The name of a recovery file: `<stack>-<UTC yyyymmddThhmmssZ>-<what>.tfstate`. */
export function recoveryFileName(stackName: string, what: string, date = new Date()): string {
  return `${stackName}-${stamp(date)}-${what}.tfstate`;
}

/** One state file as read. */
interface StateFile {
  readonly file: string;
  readonly kind: "missing" | "empty" | "invalid" | "valid";
  readonly reason?: string;
  readonly lineage?: string;
  readonly serial?: number;
  /** Managed resource instances in it. */
  readonly resources?: number;
  readonly sha256?: string;
  readonly size?: number;
}

function readStateFile(file: string): StateFile {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return { file, kind: "missing" };
    return { file, kind: "invalid", reason: `cannot be read (${code})` };
  }
  if (bytes.length === 0) return { file, kind: "empty", size: 0, reason: "is empty (0 bytes)" };
  let state: { version?: unknown; lineage?: unknown; serial?: unknown; resources?: unknown } | null;
  try {
    state = JSON.parse(bytes.toString("utf8"));
  } catch {
    return { file, kind: "invalid", size: bytes.length, reason: `is not valid JSON (${bytes.length} bytes: cut off while it was written?)` };
  }
  if (
    typeof state !== "object" ||
    state === null ||
    state.version !== 4 ||
    typeof state.lineage !== "string" ||
    typeof state.serial !== "number" ||
    !Array.isArray(state.resources)
  ) {
    return { file, kind: "invalid", size: bytes.length, reason: "is not an engine state file (version 4 with a lineage, a serial and resources)" };
  }
  const resources = (state.resources as Array<{ mode?: unknown; instances?: unknown } | null>)
    .filter((r) => r && r.mode === "managed")
    .reduce((n, r) => n + (Array.isArray(r?.instances) ? r.instances.length : 0), 0);
  return {
    file,
    kind: "valid",
    lineage: state.lineage,
    serial: state.serial,
    resources,
    size: bytes.length,
    sha256: createHash("sha256").update(bytes).digest("hex"),
  };
}

/** The ownership records: paths the stack created or adopted (first words of the record files). */
function readRecords(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const paths: string[] = [];
  for (const name of names.filter((n) => /^[0-9a-f]{64}$/.test(n)).sort()) {
    try {
      const [word, recorded] = fs.readFileSync(path.join(dir, name), "utf8").split("\n")[0].split(" ");
      if ((word === "created" || word === "adopted") && recorded) paths.push(recorded);
    } catch {
      // Unreadable records are reported by the privacy check.
    }
  }
  return paths.sort();
}

function listPaths(paths: readonly string[]): string {
  return paths.length <= 3 ? paths.join(", ") : `${paths.slice(0, 3).join(", ")}, … (${paths.length - 3} more)`;
}

const descending = (a: string, b: string) => (a < b ? 1 : a > b ? -1 : 0);

/** Recovery files of a stack, newest first: [file, what]. */
function recoveryFiles(dir: string, stackName: string): Array<{ file: string; what: string }> {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const pattern = new RegExp(`^${stackName.replace(/[^A-Za-z0-9]/g, "\\$&")}-(\\d{8}T\\d{6}Z)-([a-z0-9-]+)\\.tfstate$`);
  return (
    names
      .map((name) => ({ name, m: pattern.exec(name) }))
      .filter((x) => x.m !== null)
      // Code-unit order (the names are ASCII: the same order localeCompare gave), not localeCompare: its first use loads ICU's collation, 30-100 ms of every command.
      .sort((a, b) => (a.m![1] === b.m![1] ? descending(a.name, b.name) : descending(a.m![1], b.m![1])))
      .map((x) => ({ file: path.join(dir, x.name), what: x.m![2] }))
  );
}

/** Writes `bytes` as a new private file (0600, never through a link), atomically. */
function writePrivateFile(file: string, bytes: Buffer): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o600);
  try {
    // A write to a nearly full filesystem can be short without an error: write until all is written (or ENOSPC).
    for (let written = 0; written < bytes.length;) written += fs.writeSync(fd, bytes, written, bytes.length - written);
    fs.fsyncSync(fd);
    if (!fs.readFileSync(tmp).equals(bytes)) throw new Error(`${tmp} does not read back as written`);
  } catch (error) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw error;
  }
  fs.closeSync(fd);
  fs.renameSync(tmp, file);
}

/** A file name in the recovery directory that does not exist yet. */
function freshName(dir: string, stackName: string, what: string): string {
  const now = new Date();
  for (let n = 1; n < 100; n++) {
    const file = path.join(dir, recoveryFileName(stackName, n === 1 ? what : `${what}-${n}`, now));
    if (!fs.existsSync(file)) return file;
  }
  throw new StateRefusal(`cutter-runtime: too many recovery files for ${stackName} in ${dir} within one second`);
}

function restoreCommand(from: string, to: string): string {
  return `install -m 600 ${from} ${to}`;
}

function describeState(s: StateFile): string {
  return `serial ${s.serial}, ${s.resources} resource(s), lineage ${s.lineage}`;
}

/** Where an errored.tfstate was kept, and why not where it belongs if it could not be moved. */
interface KeptErroredState {
  readonly file: string;
  readonly note: string;
}

/**
 * Moves an `errored.tfstate` the engine left in `workDir` into the recovery directory
 * (0600); undefined if there is none. If it cannot be moved (the recovery directory's
 * filesystem is full), it stays where it is and the note says so.
 */
function moveErroredState(spec: StackSpec, workDir: string): KeptErroredState | undefined {
  const errored = path.join(workDir, "errored.tfstate");
  const st = fs.lstatSync(errored, { throwIfNoEntry: false });
  if (!st) return undefined;
  if (!st.isFile()) {
    fs.rmSync(errored, { recursive: true, force: true });
    return undefined;
  }
  const dir = recoveryDirectory(spec.inputs);
  try {
    const problems = privateDirectoryProblems(dir, "the recovery directory", { create: true });
    if (problems.length > 0) throw new Error(problems.join("; "));
    const target = freshName(dir, spec.stackName, "errored");
    writePrivateFile(target, fs.readFileSync(errored));
    fs.rmSync(errored);
    return { file: target, note: "" };
  } catch (error) {
    try {
      fs.chmodSync(errored, 0o600);
    } catch {
      // A read-only working directory: it stays as the engine wrote it.
    }
    return { file: errored, note: ` (it could not be moved to ${dir}: ${(error as Error).message}; leave it there)` };
  }
}

function keptLine(kept: KeptErroredState): string {
  return `The engine could not write the state and left the newest state it knew in ${kept.file}${kept.note}.`;
}

function fullDirectory(spec: StackSpec): string {
  return spec.inputs.stateBackend === "pg" ? recoveryDirectory(spec.inputs) : path.dirname(spec.inputs.statePath);
}

/**
 * After a failed engine run: keeps the `errored.tfstate` it left in `workDir` (see
 * moveErroredState) and returns what to tell the operator, with the command that puts
 * it back; undefined if there is none.
 */
export function keepErroredState(spec: StackSpec, workDir: string, engineName = "terraform"): string | undefined {
  const kept = moveErroredState(spec, workDir);
  if (!kept) return undefined;
  const putBack =
    spec.inputs.stateBackend === "pg"
      ? `cd ${workDir} && ${engineName} state push ${kept.file}    (with the connection string in PG_CONN_STR)`
      : restoreCommand(kept.file, spec.inputs.statePath);
  return `${keptLine(kept)}
  Once the cause is fixed (often a full or read-only filesystem under the state: df -h ${fullDirectory(spec)}), put it back, then run the command again:
    ${putBack}`;
}

/**
 * Checks (and where harmless fixes) the privacy of what a stack's commands use: state
 * directory and files, records, recovery directory. Throws StateRefusal naming each problem.
 */
function checkPrivacy(spec: StackSpec): void {
  const { inputs } = spec;
  const problems: string[] = [];
  if (inputs.stateBackend === "local") {
    problems.push(...privateDirectoryProblems(path.dirname(inputs.statePath), "the state directory", { create: true }));
    for (const file of [inputs.statePath, `${inputs.statePath}.backup`]) problems.push(...privateFileProblems(file, "the state file"));
  }
  problems.push(...privateDirectoryProblems(inputs.ownershipDir, "the ownership record directory"));
  if (problems.length === 0 && fs.existsSync(inputs.ownershipDir)) {
    for (const name of fs.readdirSync(inputs.ownershipDir)) problems.push(...privateFileProblems(path.join(inputs.ownershipDir, name), "the ownership record"));
  }
  const recovery = recoveryDirectory(inputs);
  problems.push(...privateDirectoryProblems(recovery, "the recovery directory"));
  if (problems.length === 0 && fs.existsSync(recovery)) {
    for (const name of fs.readdirSync(recovery)) problems.push(...privateFileProblems(path.join(recovery, name), "the recovery file"));
  }
  if (problems.length > 0) {
    throw new StateRefusal(
      `cutter-runtime: refusing to use the state and records of ${describeStack(spec)}: someone other than you (or root) could change them, and with them what root's next deploy or destroy does; nothing was changed.\n` +
        problems.map((p) => `  - ${p}`).join("\n") +
        `\n  Check them (compare the state with the newest copy in ${recovery}, if any), then make them yours and private: chown to you, chmod go-w on directories, chmod 600 on files.`,
    );
  }
}

function hasSpaceFor(dir: string, bytes: number): { ok: boolean; free: number } {
  try {
    const st = fs.statfsSync(dir);
    const free = Number(st.bavail) * Number(st.bsize);
    return { ok: free >= bytes, free };
  } catch {
    return { ok: true, free: Number.NaN };
  }
}

/**
 * Everything checked before an engine run on `spec`'s state; throws StateRefusal with
 * the exact recovery when the run must not happen. `workDirs` are where the engine
 * may have left an errored.tfstate (the stack directory).
 */
export function guardStackState(spec: StackSpec, verb: EngineVerb, workDirs: readonly string[] = []): void {
  const { inputs } = spec;
  checkPrivacy(spec);
  if (inputs.stateBackend !== "local") {
    const notes = workDirs.map((d) => keepErroredState(spec, d)).filter((n): n is string => n !== undefined);
    if (notes.length > 0) throw new StateRefusal(`cutter-runtime: ${describeStack(spec)}: ${notes.join("\n")}`);
    return;
  }
  const kept = workDirs.map((d) => moveErroredState(spec, d)).filter((k): k is KeptErroredState => k !== undefined);
  const keptLines = kept.map((k) => `  ${keptLine(k)}\n`).join("");
  const who = describeStack(spec);
  const statePath = inputs.statePath;
  const recovery = recoveryDirectory(inputs);
  const state = readStateFile(statePath);
  const copies = recoveryFiles(recovery, spec.stackName).map((c) => ({ ...c, state: readStateFile(c.file) }));
  const verified = copies.filter((c) => c.what.startsWith("verified") && c.state.kind === "valid");
  const lastVerified = verified[0]?.state;
  const errored = [
    ...copies.filter((c) => c.what.startsWith("errored") && c.state.kind === "valid"),
    ...workDirs
      .map((d) => ({ file: path.join(d, "errored.tfstate"), what: "errored", state: readStateFile(path.join(d, "errored.tfstate")) }))
      .filter((c) => c.state.kind === "valid"),
  ];
  const backup = readStateFile(`${statePath}.backup`);
  const records = readRecords(inputs.ownershipDir);
  const ownedBy = `the ownership records in ${inputs.ownershipDir} say the stack owns ${records.length} path(s) (${listPaths(records)})`;
  const owns = records.length > 0 ? ` And ${ownedBy}.` : "";

  if (state.kind === "valid") {
    if (lastVerified && lastVerified.resources! > 0 && lastVerified.lineage !== state.lineage) {
      throw new StateRefusal(
        `cutter-runtime: ${statePath} is not the state of ${who}: its lineage is ${state.lineage}, but the last verified state of this stack (${verified[0].file}) has lineage ${lastVerified.lineage} with ${lastVerified.resources} resource(s); nothing was changed.\n` +
          `  If the file was swapped or overwritten by mistake, restore the stack's own state and run the command again:\n    ${restoreCommand(verified[0].file, statePath)}\n` +
          `  If this really is the state to use from now on, move the old copies away first: mv ${recovery} ${recovery}.old`,
      );
    }
    const newer = errored
      .filter((c) => c.state.lineage === state.lineage && c.state.serial! > state.serial!)
      .sort((a, b) => b.state.serial! - a.state.serial!)[0];
    if (newer) {
      throw new StateRefusal(
        `cutter-runtime: ${who}: a run could not write its state: ${newer.file} (serial ${newer.state.serial}) is newer than ${statePath} (serial ${state.serial}); nothing was changed.\n` +
          keptLines +
          `  Once the cause is fixed (often a full filesystem under the state: df -h ${path.dirname(statePath)}), put it back and run the command again:\n    ${restoreCommand(newer.file, statePath)}\n` +
          `  (To discard it instead, delete ${newer.file}.)`,
      );
    }
    if ((verb === "destroy" || verb === "unknown") && state.resources === 0 && records.length > 0) {
      throw new StateRefusal(
        `cutter-runtime: ${who}: the state ${statePath} holds no resources, but ${ownedBy}: a destroy would report "nothing to destroy" and leave them. Nothing was changed.\n` +
          `  A deploy was interrupted before the engine could record them. Deploy first (it takes back the paths it recorded), then destroy.`,
      );
    }
    keepVerifiedCopy(spec, state, verified[0]?.state.sha256, recovery);
    return;
  }

  // The state file is missing, empty or broken: was there ever a state with resources?
  const candidates = [...errored, ...verified, ...(backup.kind === "valid" ? [{ file: backup.file, what: "backup", state: backup }] : [])].filter(
    (c) => !lastVerified || c.state.lineage === lastVerified.lineage || c.what.startsWith("errored"),
  );
  const best = candidates.filter((c) => c.state.resources! > 0).sort((a, b) => b.state.serial! - a.state.serial!)[0];
  const problem = state.kind === "missing" ? "is missing" : state.reason!;
  if (best) {
    throw new StateRefusal(
      `cutter-runtime: the state of ${who} is unusable: ${statePath} ${problem}, so the engine would see none of the ${best.state.resources} resource(s) the stack had.${owns} Nothing was changed.\n` +
        keptLines +
        `  ${best.what.startsWith("errored") ? `Once the cause is fixed (often a full filesystem under the state: df -h ${path.dirname(statePath)}), restore` : "Restore"} the last good state (${describeState(best.state)}) and run the command again:\n    ${restoreCommand(best.file, statePath)}`,
    );
  }
  if (state.kind === "invalid") {
    throw new StateRefusal(
      `cutter-runtime: the state of ${who} is unusable: ${statePath} ${problem}, and no earlier copy of it is kept in ${recovery}.${owns} Nothing was changed.\n` +
        `  Restore it from your own backups; or, if the stack never completed a deploy, move it aside and deploy: the deploy takes back the paths it recorded.\n    mv ${statePath} ${statePath}.broken`,
    );
  }
  // Missing or empty, and no state with resources was ever kept: never written (a first deploy killed early).
  if ((verb === "destroy" || verb === "unknown") && records.length > 0) {
    throw new StateRefusal(
      `cutter-runtime: ${who}: the state ${statePath} ${problem} and no state of this stack was ever kept, but ${ownedBy}: a first deploy was interrupted before the engine wrote its state. A destroy would report "nothing to destroy" and leave them; nothing was changed.\n` +
        `  Deploy first (it takes back the paths it recorded and writes the state), then destroy.`,
    );
  }
  const space = hasSpaceFor(path.dirname(statePath), STATE_SPACE_MARGIN);
  if (!space.ok)
    throw new StateRefusal(
      `cutter-runtime: ${who}: the filesystem holding ${statePath} has ${space.free} bytes free; the engine needs about ${STATE_SPACE_MARGIN} to write the state. Nothing was changed: free space first (df -h ${path.dirname(statePath)}).`,
    );
}

/** Keeps a verified copy of a valid state in the recovery directory (when it differs from the newest kept), and checks there is room to rewrite it. */
function keepVerifiedCopy(spec: StackSpec, state: StateFile, newestSha: string | undefined, recovery: string): void {
  const who = describeStack(spec);
  const needed = 2 * state.size! + STATE_SPACE_MARGIN;
  const space = hasSpaceFor(path.dirname(spec.inputs.statePath), needed);
  if (!space.ok) {
    throw new StateRefusal(
      `cutter-runtime: ${who}: the filesystem holding ${spec.inputs.statePath} has ${space.free} bytes free; the engine rewrites the state in place and keeps a backup, which needs about ${needed}. Nothing was changed: free space first (df -h ${path.dirname(spec.inputs.statePath)}); a run that fills it leaves the state cut off.`,
    );
  }
  if (state.sha256 === newestSha) return;
  try {
    writeVerifiedCopy(spec, state, recovery);
  } catch (error) {
    throw new StateRefusal(
      `cutter-runtime: ${who}: cannot keep a verified copy of the state in ${recovery} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); nothing was changed. Free space or fix the directory first.`,
    );
  }
}

function writeVerifiedCopy(spec: StackSpec, state: StateFile, recovery: string): void {
  const problems = privateDirectoryProblems(recovery, "the recovery directory", { create: true });
  if (problems.length > 0) throw new Error(problems.join("; "));
  writePrivateFile(freshName(recovery, spec.stackName, "verified"), fs.readFileSync(state.file));
  const old = recoveryFiles(recovery, spec.stackName).filter((c) => c.what.startsWith("verified"));
  for (const c of old.slice(VERIFIED_COPIES_KEPT)) fs.rmSync(c.file, { force: true });
}

/**
 * After a run that succeeded: keeps a verified copy of the state it wrote (if new), so
 * that a state lost before the next command is told from one never written. Best
 * effort: the next command's check reports what fails here.
 */
export function rememberState(spec: StackSpec): void {
  if (spec.inputs.stateBackend !== "local") return;
  const state = readStateFile(spec.inputs.statePath);
  if (state.kind !== "valid") return;
  const recovery = recoveryDirectory(spec.inputs);
  const newest = recoveryFiles(recovery, spec.stackName).find((c) => c.what.startsWith("verified"));
  if (newest && readStateFile(newest.file).sha256 === state.sha256) return;
  try {
    writeVerifiedCopy(spec, state, recovery);
  } catch {
    // Reported by the next command's guardStackState.
  }
}

/** What synth writes into a stack directory, and what the engine and cdktf keep there. */
const STACK_DIRECTORY_ENTRIES = new Set(["cdk.tf.json", ".terraform", ".terraform.lock.hcl", "plan"]);

/**
 * After synth: removes from the stack directory everything synth did not write and the
 * engine does not keep there (an errored.tfstate stays for guardStackState to keep), so a planted `*.tf.json` (or `*.tf`, `terraform.d/`, `*.auto.tfvars`) is never
 * loaded. Returns one line per removed entry.
 */
export function cleanStackDirectory(stackDir: string): string[] {
  const notes: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(stackDir);
  } catch {
    return notes;
  }
  for (const name of names) {
    const p = path.join(stackDir, name);
    const st = fs.lstatSync(p);
    const expected = name === ".terraform" ? st.isDirectory() : name === "errored.tfstate" ? st.isFile() : STACK_DIRECTORY_ENTRIES.has(name) && st.isFile();
    if (expected) continue;
    fs.rmSync(p, { recursive: true, force: true });
    notes.push(`cutter-runtime: removed ${p}: synth did not write it (only ${[...STACK_DIRECTORY_ENTRIES].join(", ")} belong in a stack directory)`);
  }
  return notes;
}

/** The synthesized output must be private too: a planted file there runs as root. Throws StateRefusal. */
export function guardOutputDirectory(outputDir: string): void {
  const problems = privateTreeProblems(outputDir, "the output directory", ["manifest.json", "stacks"]);
  if (problems.length > 0) {
    throw new StateRefusal(
      `cutter-runtime: refusing to use the output directory ${outputDir}: someone other than you (or root) could write into it, and the engine runs what it finds there as you; nothing was changed.\n` +
        problems.map((p) => `  - ${p}`).join("\n") +
        `\n  It holds nothing that cannot be made again: remove it (rm -rf ${outputDir}) and run the command again.`,
    );
  }
}
