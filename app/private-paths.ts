/**
 * What the commands read and write must be theirs alone: the state, its copies, the
 * ownership records and the synthesized output. Someone else who can write there can
 * make root's next deploy or destroy do what they want (edit the state, plant a
 * `*.tf.json`). The rules, in one place:
 *
 * - trusted owner: the invoking user or root;
 * - a directory: trusted owner and not writable by group or others; every directory
 *   above it is either that too, or sticky (like /tmp: others cannot rename what is ours);
 * - a file inside: a regular file (not a link) of a trusted owner. If group or others
 *   could write it AND reach it (every directory on its path lets them in), it is
 *   refused: someone may have changed it. If they could not reach it, its mode is
 *   simply tightened.
 *
 * Commands create what they write under umask 077 (directories 0700, files 0600).
 */
import * as fs from "fs";
import * as path from "path";

export const invokingUid = (): number => process.getuid?.() ?? 0;

export function formatMode(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, "0");
}

function trusted(st: fs.Stats): boolean {
  return st.uid === invokingUid() || st.uid === 0;
}

function ownerProblem(st: fs.Stats): string | undefined {
  return trusted(st) ? undefined : `is owned by uid ${st.uid}, not by you (uid ${invokingUid()}) or root`;
}

function lstatOrUndefined(p: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(p);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw error;
  }
}

/** Problems with the directories above `dir` (its real path): each of a trusted owner, and not writable by others unless sticky. */
export function ancestorProblems(dir: string): string[] {
  const problems: string[] = [];
  let real: string;
  try {
    real = fs.realpathSync.native(dir);
  } catch {
    return problems;
  }
  for (let at = path.dirname(real); ; at = path.dirname(at)) {
    const st = fs.statSync(at);
    const owner = ownerProblem(st);
    if (owner) problems.push(`${at} ${owner}`);
    else if ((st.mode & 0o022) !== 0 && (st.mode & 0o1000) === 0) problems.push(`${at} is writable by others (mode ${formatMode(st.mode)}) and not sticky`);
    if (at === "/") break;
  }
  return problems;
}

/** Whether someone other than the owner can reach `p` (every directory from / down to p's parent lets group or others search it). */
export function reachableByOthers(p: string): boolean {
  let real: string;
  try {
    real = fs.realpathSync.native(path.dirname(p));
  } catch {
    return true;
  }
  for (let at = real; ; at = path.dirname(at)) {
    // A directory nobody but its owner may search shuts everyone else out of all below it.
    if ((fs.statSync(at).mode & 0o011) === 0) return false;
    if (at === "/") return true;
  }
}

/**
 * Checks a directory the commands keep private data in; creates it (0700, parents
 * 0700) when missing. Returns problems (empty: usable).
 */
export function privateDirectoryProblems(dir: string, what: string, options: { create?: boolean; ancestors?: boolean } = {}): string[] {
  let st = lstatOrUndefined(dir);
  if (!st && options.create) {
    const above = ancestorProblems(nearestExisting(dir));
    if (above.length > 0) return above.map((p) => `${what} ${dir}: ${p}`);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    st = fs.lstatSync(dir);
  }
  if (!st) return [];
  if (st.isSymbolicLink()) {
    // A symlinked spelling is fine; what it resolves to is checked.
    try {
      st = fs.statSync(dir);
    } catch {
      return [`${what} ${dir} is a dangling symbolic link`];
    }
  }
  if (!st.isDirectory()) return [`${what} ${dir} is not a directory`];
  const problems: string[] = [];
  const owner = ownerProblem(st);
  if (owner) problems.push(`${what} ${dir} ${owner}`);
  if ((st.mode & 0o022) !== 0) problems.push(`${what} ${dir} is writable by others (mode ${formatMode(st.mode)})`);
  if (options.ancestors !== false) problems.push(...ancestorProblems(dir).map((p) => `${what} ${dir}: ${p}`));
  return problems;
}

function nearestExisting(p: string): string {
  let at = path.resolve(p);
  while (!lstatOrUndefined(at) && path.dirname(at) !== at) at = path.dirname(at);
  return at;
}

/**
 * Checks a private file (if it exists): regular, trusted owner, not changeable by
 * others. Tightens its mode to 0600 when others have bits on it but cannot reach it,
 * or can only read it. Returns problems.
 */
export function privateFileProblems(file: string, what: string): string[] {
  const st = lstatOrUndefined(file);
  if (!st) return [];
  if (st.isSymbolicLink()) return [`${what} ${file} is a symbolic link; it must be the file itself`];
  if (!st.isFile()) return [`${what} ${file} is not a regular file`];
  const owner = ownerProblem(st);
  if (owner) return [`${what} ${file} ${owner}`];
  if ((st.mode & 0o077) === 0) return [];
  if ((st.mode & 0o022) !== 0 && reachableByOthers(file)) return [`${what} ${file} is writable by others (mode ${formatMode(st.mode)})`];
  fs.chmodSync(file, st.mode & 0o700);
  return [];
}

/**
 * Checks what the commands write in a directory (the synthesized output: `entries` of
 * `top` and everything below them): every entry of a trusted owner, no directory or file writable by others, no special
 * files. Modes are tightened instead when nobody else can reach the tree. Bounded.
 */
export function privateTreeProblems(top: string, what: string, entries: readonly string[], limit = 10_000): string[] {
  const st = lstatOrUndefined(top);
  if (!st) return [];
  // The directories above the output are the project checkout's: trusted like its code.
  const problems = privateDirectoryProblems(top, what, { ancestors: false });
  if (problems.length > 0) return problems;
  const reachable = reachableByOthers(path.join(top, "x"));
  // Only what the commands write is walked (and tightened): never the rest of a directory an operator pointed at.
  const pending: Array<{ dir: string; names?: readonly string[] }> = [{ dir: top, names: entries }];
  let seen = 0;
  while (pending.length > 0) {
    const { dir, names } = pending.pop()!;
    for (const name of names ?? fs.readdirSync(dir)) {
      if (++seen > limit) return [`${what} ${top} holds more than ${limit} entries; it is not an output directory of these commands`];
      const p = path.join(dir, name);
      const entry = lstatOrUndefined(p);
      if (!entry) continue;
      const owner = ownerProblem(entry);
      if (owner) {
        problems.push(`${p} ${owner}`);
        continue;
      }
      if (entry.isSymbolicLink()) continue;
      if (!entry.isDirectory() && !entry.isFile()) {
        problems.push(`${p} is not a regular file or directory`);
        continue;
      }
      if ((entry.mode & 0o022) !== 0) {
        if (reachable) problems.push(`${p} is writable by others (mode ${formatMode(entry.mode)})`);
        else fs.chmodSync(p, entry.mode & 0o7755);
      }
      if (entry.isDirectory()) pending.push({ dir: p });
    }
  }
  return problems;
}
