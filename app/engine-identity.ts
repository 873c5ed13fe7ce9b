/**
 * One engine version check per engine binary. `<engine> version` is asked once, and its
 * answer is kept for as long as the binary is the same file: its fingerprint (below)
 * names the file and every file it runs. Both the operator CLI (kind and version of the
 * engine it runs) and cdktf's "Terraform >= 1.4" validation at synth
 * (app/engine-check-once.ts) read the answer from here, so a command asks at most once,
 * and a command whose synth was skipped asks not at all: the answer comes with the synth
 * record (app/synth-record.ts), under the same fingerprint.
 *
 * The fingerprint of an engine file: the file (real path, device, inode, size, mtime,
 * ctime, mode, owner); if it is a script (setup's shim, cli/setup.sh), its text and
 * the fingerprint of every absolute path it `exec`s. A script that runs anything else
 * (a name looked up on PATH, a variable) has no fingerprint: its answer is never kept
 * beyond the process, and the version is asked each time.
 */
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";

/** The kind and version of an engine, from the first line of `<engine> version` ("Terraform v1.11.4", "OpenTofu v1.10.10"). */
export interface EngineVersion {
  readonly kind: "terraform" | "tofu";
  readonly version: string;
  /** The first line as printed. */
  readonly line: string;
}

/** A version answer as kept in a record: the engine file, its fingerprint, the answer. */
export interface KnownEngineVersion {
  readonly file: string;
  readonly fingerprint: string;
  readonly line: string;
}

/** The stat fields that change whenever a file is replaced or written (ctime cannot be set from user space). */
export function fileIdentity(st: fs.Stats): string {
  return [st.dev, st.ino, st.mode, st.uid, st.gid, st.size, st.mtimeMs, st.ctimeMs].join(":");
}

const SHIM_EXEC = /^\s*exec '([^']+)'/gm;

function fingerprintOf(file: string, depth: number): string | undefined {
  if (depth > 3) return undefined;
  let real: string;
  let st: fs.Stats;
  try {
    real = fs.realpathSync.native(file);
    st = fs.statSync(real);
  } catch {
    return undefined;
  }
  if (!st.isFile()) return undefined;
  const parts = [`${real}=${fileIdentity(st)}`];
  const head = Buffer.alloc(2);
  const fd = fs.openSync(real, "r");
  try {
    fs.readSync(fd, head, 0, 2, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (head.toString("latin1") === "#!") {
    if (st.size > 64 * 1024) return undefined;
    const text = fs.readFileSync(real, "utf8");
    const lines = text.split("\n").filter((l) => /\bexec\b/.test(l));
    const targets = [...text.matchAll(SHIM_EXEC)].map((m) => m[1]);
    // Every exec must name an absolute file: otherwise what the script runs is not known here.
    if (lines.length === 0 || targets.length !== lines.length || !targets.every((t) => path.isAbsolute(t))) return undefined;
    parts.push(createHash("sha256").update(text).digest("hex"));
    for (const target of [...new Set(targets)]) {
      const inner = fingerprintOf(target, depth + 1);
      if (inner === undefined) return undefined;
      parts.push(inner);
    }
  }
  return parts.join("|");
}

/** The engine file's fingerprint (see the module comment), or undefined when it cannot have one. */
export function engineFingerprint(file: string): string | undefined {
  try {
    return fingerprintOf(file, 0);
  } catch {
    return undefined;
  }
}

/**
 * `name` looked up on PATH as `sh -c` finds it, or undefined when that is not certain
 * here (a relative or empty PATH entry, which the shell resolves against its cwd).
 */
export function resolveOnPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  if (name.includes("/")) return undefined;
  for (const dir of (env.PATH ?? "").split(":")) {
    if (!path.isAbsolute(dir)) return undefined;
    const candidate = path.join(dir, name);
    try {
      const st = fs.statSync(candidate);
      if (st.isFile() && (st.mode & 0o111) !== 0) {
        fs.accessSync(candidate, fs.constants.X_OK);
        return candidate;
      }
    } catch {
      // Not here: the next directory.
    }
  }
  return undefined;
}

export function parseVersionLine(line: string): EngineVersion | undefined {
  const m = /^(Terraform|OpenTofu) v(\d+\.\d+\.\d+\S*)$/.exec(line.trim());
  return m ? { kind: m[1] === "OpenTofu" ? "tofu" : "terraform", version: m[2], line: line.trim() } : undefined;
}

/** Answers of this process and of the records read, by fingerprint. */
const answers = new Map<string, EngineVersion>();

/** Answers from a record (kept only where the file's fingerprint is still the same). */
export function rememberEngineVersions(known: readonly KnownEngineVersion[]): void {
  for (const k of known) {
    const parsed = parseVersionLine(k.line);
    if (parsed && engineFingerprint(k.file) === k.fingerprint) answers.set(k.fingerprint, parsed);
  }
}

/** What this process knows, for a record. */
export function knownEngineVersions(files: readonly string[]): KnownEngineVersion[] {
  const known: KnownEngineVersion[] = [];
  for (const file of [...new Set(files)]) {
    const fingerprint = engineFingerprint(file);
    const answer = fingerprint === undefined ? undefined : answers.get(fingerprint);
    if (fingerprint !== undefined && answer) known.push({ file, fingerprint, line: answer.line });
  }
  return known;
}

/**
 * The kind and version of the engine at `file`: known (same fingerprint), or asked once
 * (`<file> version`, first line). Undefined when the answer is not a version line;
 * `failure` then says what the engine printed or why it did not run.
 */
export function engineVersion(file: string, env: NodeJS.ProcessEnv): { answer?: EngineVersion; failure?: string } {
  const fingerprint = engineFingerprint(file);
  const known = fingerprint === undefined ? undefined : answers.get(fingerprint);
  if (known) return { answer: known };
  const result = spawnSync(file, ["version"], { encoding: "utf8", env });
  if (result.error || result.status !== 0) return { failure: result.error?.message ?? `exit ${result.status}\n${result.stderr ?? ""}` };
  const answer = parseVersionLine((result.stdout ?? "").split("\n")[0]);
  if (!answer) return { failure: `unexpected output: ${(result.stdout ?? "").split("\n")[0].slice(0, 200)}` };
  // Kept under the fingerprint taken before the run: a file replaced meanwhile has another one.
  if (fingerprint !== undefined) answers.set(fingerprint, answer);
  return { answer };
}
