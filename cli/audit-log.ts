/**
 * The audit trail: every `npm run deploy` and `npm run destroy` appends one JSON
 * line to the stack's audit log (input CUTTER_AUDIT_LOG / `state.auditLog`, default
 * beside the state, never inside the tree): when, where, who, engine and providers,
 * the repository commit, the saved plan's digest when applied from one, what changed,
 * the result, and the refusal reasons when refused.
 *
 * The line is appended atomically: opened O_APPEND (never through a link), written with
 * one write(2), fsync'd; the file is 0600. Free text (reasons, paths) passes the
 * written-files guard first: whatever a rule flags is withheld, so no secret is kept.
 *
 * Only the npm commands (cli/cutter.ts) write it; a raw `cdktf deploy` does not (a
 * resource that ran on every apply would make every plan show a change). verify
 * notices: the state's serial is then newer than the last audited one.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
// Modules, not ../constructs: the operator commands load cdktf only when they synthesize.
import { SECRET_RULES, brokenRules } from "../constructs/guards/content-rules";
import { isInside, resolvedPath } from "../constructs/path-inside";
import { StackSpec, resolveStackSpecs } from "../constructs/host-files";
import { CommandLine, CutterError, parseCommandLine, selectStack } from "./command-line";
import { engineFromEnvironment, engineTranscript, stackDirectory } from "./engine";
import { AuditEntry, providerVersions, readState, repositoryCommit } from "./gate-evidence";
import { savedPlanRecord } from "./saved-plan";

export const AUDIT_FORMAT = "cutter-runtime-audit/1";
/** At most this many reasons, each at most this long: one entry stays one small write. */
const MAX_REASONS = 20;
const MAX_REASON_LENGTH = 400;
/** What the output capture keeps (the end of the output is what says how it ended). */
const MAX_CAPTURE = 4 * 1024 * 1024;

/** `text`, or a note naming the secret rules (the written-files guard's) it broke instead of it. */
export function guarded(text: string): string {
  const broken = brokenRules(text, "audit log", SECRET_RULES);
  return broken.length === 0 ? text : `[withheld: ${broken.join(", ")}]`;
}

/**
 * Refuses an audit log that could not be written safely, before anything runs: a link,
 * anything but a regular file, a file with other names (hard links) or of another
 * owner, or a path inside the tree (also through links).
 */
export function checkAuditLogPath(file: string, root: string): void {
  if (isInside(resolvedPath(file), resolvedPath(root)))
    throw new CutterError(
      `audit log ${file} resolves into the managed tree ${root}; nothing was changed. Point CUTTER_AUDIT_LOG (or state.auditLog) outside it.`,
    );
  let st: fs.Stats;
  try {
    st = fs.lstatSync(file);
  } catch {
    return;
  }
  const problem = st.isSymbolicLink()
    ? "is a symbolic link"
    : !st.isFile()
      ? "is not a regular file"
      : st.nlink > 1
        ? `has ${st.nlink} names (hard links)`
        : typeof process.getuid === "function" && st.uid !== process.getuid()
          ? `is owned by uid ${st.uid}, not by this user`
          : undefined;
  if (problem) throw new CutterError(`audit log ${file} ${problem}; nothing was changed. Move it away (or point CUTTER_AUDIT_LOG elsewhere) and run again.`);
}

/** Appends one entry: one write of one line, O_APPEND, 0600, never through a link. */
export function appendAuditEntry(file: string, entry: AuditEntry): void {
  const line = Buffer.from(JSON.stringify(entry) + "\n", "utf8");
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW, 0o600);
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile() || st.nlink > 1) throw new Error(`${file} is not a regular file with one name`);
    if ((st.mode & 0o777) !== 0o600) fs.fchmodSync(fd, 0o600);
    const written = fs.writeSync(fd, line, 0, line.length);
    if (written !== line.length) throw new Error(`short write (${written} of ${line.length} bytes)`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** What the output said: our scripts' refusal lines (`cutter-runtime: ...`) and the engine's errors. */
export function reasonsIn(output: string, message?: string): string[] {
  const reasons: string[] = [];
  for (const line of output.split("\n")) {
    const ours = /\(local-exec\): cutter-runtime: (.*)$/.exec(line);
    if (ours) reasons.push(ours[1].trim());
  }
  if (reasons.length === 0) {
    for (const line of output.split("\n")) {
      const error = /^[│╷\s]*Error: (.*)$/.exec(line);
      if (error) reasons.push(error[1].trim());
    }
  }
  if (message) reasons.push(message.split("\n")[0].replace(/^cutter: /, ""));
  return [...new Set(reasons)].slice(0, MAX_REASONS).map((r) => guarded(r.length > MAX_REASON_LENGTH ? r.slice(0, MAX_REASON_LENGTH) + "…" : r));
}

/** Resources the engine reported as done, counted from its progress lines (also when it stopped early). */
export function countsIn(output: string): { add: number; change: number; destroy: number } {
  const count = (re: RegExp) => (output.match(re) ?? []).length;
  return {
    add: count(/: Creation complete after /g),
    change: count(/: Modifications complete after /g),
    destroy: count(/: Destruction complete after /g),
  };
}

/** A refusal: the stack or the CLI stopped on purpose and said nothing was changed. */
const REFUSAL = /refus|nothing was changed|stopped before removing anything|nothing was written|nothing in it was (touched|removed)/i;

function userName(): string {
  let name: string;
  try {
    name = os.userInfo().username;
  } catch {
    name = String(process.getuid?.() ?? "?");
  }
  const sudo = process.env.SUDO_USER;
  return sudo && sudo !== name ? `${name} (sudo from ${sudo})` : name;
}

/** The saved plan's archive digest, and the manifest's plan digest and host (read as deploy --plan reads it: cli/saved-plan.ts). */
function savedPlanInfo(file: string): { file: string; sha256: string; planSha256?: string; hostName?: string } | undefined {
  const record = savedPlanRecord(file);
  return record ? { file: path.resolve(file), ...record } : undefined;
}

/** Tees what the command prints, so the entry can say what happened (bounded). */
function captureOutput(): { text: () => string; stop: () => void } {
  const chunks: string[] = [];
  let size = 0;
  const out = process.stdout.write;
  const err = process.stderr.write;
  const tee = (original: typeof process.stdout.write) =>
    function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
      const text = typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString("utf8");
      chunks.push(text);
      size += text.length;
      while (size > MAX_CAPTURE && chunks.length > 1) size -= chunks.shift()!.length;
      return (original as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
    } as typeof process.stdout.write;
  process.stdout.write = tee(out);
  process.stderr.write = tee(err);
  return {
    text: () => chunks.join(""),
    stop: () => {
      process.stdout.write = out;
      process.stderr.write = err;
    },
  };
}

/** `how` the command was started: through npm (`npm run deploy`) or the CLI itself. */
function via(cmd: CommandLine, env: NodeJS.ProcessEnv): string {
  const base = env.npm_lifecycle_event === cmd.verb ? `npm run ${cmd.verb}` : `node dist/cli/cutter.js ${cmd.verb}`;
  return cmd.plan ? `${base} --plan` : base;
}

/** What is left outside the tree after a complete destroy, and how to remove it. */
export function leftovers(spec: StackSpec, entries: number): string {
  const { inputs } = spec;
  const items: Array<[string, string, string]> = [];
  const exists = (p: string) => fs.existsSync(p);
  if (inputs.stateBackend === "local") {
    const files = [inputs.statePath, `${inputs.statePath}.backup`].filter(exists);
    if (files.length > 0) items.push(["state", `${files.join(", ")} (no resources left)`, `rm -f ${files.join(" ")}`]);
  } else {
    items.push([
      "state",
      `PostgreSQL schema ${inputs.statePgSchema} (no resources left)`,
      `psql "$${inputs.statePgConnEnv}" -c 'DROP SCHEMA ${inputs.statePgSchema} CASCADE'`,
    ]);
  }
  if (exists(inputs.ownershipDir)) {
    const left = fs.readdirSync(inputs.ownershipDir);
    if (left.length === 0) items.push(["records", `${inputs.ownershipDir} (empty)`, `rmdir ${inputs.ownershipDir}`]);
    else items.push(["records", `${inputs.ownershipDir} (${left.length} file(s): records of paths left in place)`, "keep them while those paths exist"]);
  }
  for (const recovery of [`${inputs.statePath}.recovery`, `${inputs.ownershipDir}.recovery`]) {
    if (exists(recovery)) items.push(["recovery", recovery, `rm -r ${recovery} (once no longer needed)`]);
  }
  if (exists(inputs.auditLogPath)) {
    items.push([
      "audit log",
      `${inputs.auditLogPath} (${entries} entr${entries === 1 ? "y" : "ies"} of this stack: the trail; keep or archive it)`,
      `rm -f ${inputs.auditLogPath}`,
    ]);
  }
  if (items.length === 0) return "";
  const lines = ["Destroy complete: the tree is removed. Outside the tree, these remain (none is needed to deploy again):"];
  for (const [what, where, remove] of items) lines.push(`  ${`${what}:`.padEnd(11)}${where}`, `  ${"".padEnd(11)}remove: ${remove}`);
  return lines.join("\n") + "\n";
}

function countEntries(file: string, stack: string): number {
  try {
    return fs
      .readFileSync(file, "utf8")
      .split("\n")
      .filter((l) => l.includes(`"stack":${JSON.stringify(stack)}`)).length;
  } catch {
    return 0;
  }
}

/**
 * Runs `run` (the operator command) and, for deploy and destroy, appends its audit
 * entry: applied, refused (with the reasons) or failed. Inputs that do not resolve
 * are reported by `run` itself, before anything is changed; there is then no audit
 * log to write to. A log that cannot be written stops the command before it runs.
 */
export function withAuditLog(argv: readonly string[], env: NodeJS.ProcessEnv, run: () => void): void {
  let cmd: CommandLine;
  let spec: StackSpec;
  let plan: ReturnType<typeof savedPlanInfo>;
  try {
    cmd = parseCommandLine(argv);
    if ((cmd.verb !== "deploy" && cmd.verb !== "destroy") || cmd.help || cmd.version) return run();
    plan = cmd.plan ? savedPlanInfo(cmd.plan) : undefined;
    spec = selectStack(resolveStackSpecs(env), cmd.host ?? plan?.hostName);
  } catch {
    return run();
  }
  checkAuditLogPath(spec.inputs.auditLogPath, spec.inputs.rootPath);
  const started = Date.now();
  const capture = captureOutput();
  let failure: unknown;
  try {
    run();
  } catch (error) {
    failure = error;
  } finally {
    capture.stop();
  }
  // What the engine printed in full (the commands show it condensed), then what the command printed.
  const output = `${engineTranscript()}\n${capture.text()}`;
  const message = failure === undefined ? undefined : failure instanceof Error ? failure.message : String(failure);
  const reasons = failure === undefined ? [] : reasonsIn(output, message);
  let engine: AuditEntry["engine"];
  try {
    const found = engineFromEnvironment(env);
    engine = { kind: found.kind, version: found.version };
  } catch {
    engine = undefined;
  }
  const state = readState(spec.inputs, env);
  const entry: AuditEntry = {
    format: AUDIT_FORMAT,
    time: new Date(started).toISOString(),
    command: cmd.verb,
    via: via(cmd, env),
    host: os.hostname(),
    user: guarded(userName()),
    uid: process.getuid?.() ?? -1,
    stack: spec.stackName,
    hostName: spec.hostName,
    source: guarded(spec.source),
    root: spec.inputs.rootPath,
    engine,
    providers: providerVersions(path.join(stackDirectory(cmd.outputDir, spec), ".terraform.lock.hcl")),
    commit: repositoryCommit(),
    savedPlan: plan ? { file: guarded(plan.file), sha256: plan.sha256, planSha256: plan.planSha256 } : undefined,
    counts: countsIn(output),
    result: failure === undefined ? "applied" : REFUSAL.test(`${reasons.join("\n")}\n${message ?? ""}`) ? "refused" : "failed",
    reasons,
    state: { backend: state.backend, location: state.location, serial: state.serial },
    durationMs: Date.now() - started,
  };
  try {
    appendAuditEntry(spec.inputs.auditLogPath, entry);
  } catch (error) {
    const what = `${cmd.verb} ${failure === undefined ? "completed" : entry.result}, but its audit entry could not be written to ${spec.inputs.auditLogPath} (${(error as Error).message})`;
    if (failure !== undefined) {
      process.stderr.write(`cutter: ${what}\n`);
      throw failure;
    }
    throw new CutterError(
      `${what}. Fix the audit log's location (CUTTER_AUDIT_LOG or state.auditLog), then run ${cmd.verb} again: it changes nothing more and records the entry.`,
    );
  }
  if (failure !== undefined) throw failure;
  if (cmd.verb === "destroy") process.stdout.write(leftovers(spec, countEntries(spec.inputs.auditLogPath, spec.stackName)));
}
