/**
 * The engine as the operator commands use it: found in the offline environment
 * (cli/with-engine.sh), run in a synthesized stack directory with its output
 * echoed, and failures turned into one operator message with a hint.
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { StackSpec } from "../constructs/host-files";
import { ENGINE_PG_CONN_ENV } from "../constructs/runtime-inputs";
import { CutterError, describeStack } from "./command-line";
import { checkConnectionString, connectionStringError, redact, secretsOf } from "../app/pg-connection";
import { stateFailureHint } from "./engine-failures";
import { engineVersion } from "../app/engine-identity";
import { forgetInit, initIsCurrent, rememberInit } from "./init-record";
import { synthesizeUnlessUnchanged } from "../app/synth-record";

export interface Engine {
  path: string;
  kind: string;
  version: string;
}

/** The engine of the offline environment, its kind and version asked once per engine binary (app/engine-identity.ts). */
export function engineFromEnvironment(env: NodeJS.ProcessEnv): Engine {
  const enginePath = env.CUTTER_ENGINE_PATH;
  if (!enginePath)
    throw new CutterError("no engine environment: run through the npm scripts (they use cli/with-engine.sh), or `. ~/.cache/cutter-runtime/env` first");
  const { answer, failure } = engineVersion(enginePath, env);
  if (!answer) throw new CutterError(`${enginePath} version failed: ${failure}`);
  return { path: enginePath, kind: answer.kind, version: answer.version };
}

/**
 * Engine variables that would move the state or change what a command does behind
 * cutter's back: extra arguments (`-target`, `-backend-config=...`), another workspace or
 * data directory, pg backend settings that override the synthesized ones.
 */
const OVERRIDING_VARIABLES = [
  /^TF_CLI_ARGS(_[a-z_]+)?$/,
  /^TF_WORKSPACE$/,
  /^TF_DATA_DIR$/,
  /^PG_(SCHEMA_NAME|TABLE_NAME|INDEX_NAME|SKIP_SCHEMA_CREATION|SKIP_TABLE_CREATION|SKIP_INDEX_CREATION)$/,
];

/**
 * Refuses engine variables that would override what cutter synthesized (run before synth:
 * cdktf's own validation runs the engine too).
 */
export function refuseOverridingVariables(env: NodeJS.ProcessEnv): void {
  const overriding = Object.keys(env).filter((name) => env[name] !== undefined && env[name] !== "" && OVERRIDING_VARIABLES.some((re) => re.test(name)));
  if (overriding.length === 0) return;
  const them = overriding.length === 1 ? "it" : "them";
  throw new CutterError(
    `${overriding.sort().join(", ")} ${overriding.length === 1 ? "is" : "are"} set: the engine would read ${them} and act on other arguments, another workspace or another state than the ones synthesized; nothing was changed.\n` +
      `  Unset ${them}: cutter passes every engine argument itself, and a stack's state location comes only from its inputs.`,
  );
}

/**
 * The engine's environment for a stack: for the pg backend, the connection string is
 * taken from the variable the inputs name, checked (a malformed one would be quoted,
 * password and all, in the engine's parse error; a problem names the variable, never the
 * value) and handed over as PG_CONN_STR (the engine reads it itself), so it is never
 * written into the synthesized configuration.
 */
export function engineEnvironment(spec: StackSpec, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  refuseOverridingVariables(env);
  const result: NodeJS.ProcessEnv = { ...env, TF_IN_AUTOMATION: "1", TF_INPUT: "0" };
  delete result[ENGINE_PG_CONN_ENV];
  if (spec.inputs.stateBackend !== "pg") return result;
  const name = spec.inputs.statePgConnEnv;
  const value = env[name];
  if (value === undefined || value === "") {
    throw new CutterError(
      `${describeStack(spec)} keeps its state in PostgreSQL (schema ${spec.inputs.statePgSchema}), but ${name} is not set; nothing was changed.\n` +
        `  Export the connection string (postgres://USER:PASSWORD@HOST:PORT/DB?sslmode=...) in ${name}; it is read at run time and never written to disk.`,
    );
  }
  const { problems } = checkConnectionString(value);
  if (problems.length > 0)
    throw new CutterError(connectionStringError(name, problems, `${describeStack(spec)} keeps its state in PostgreSQL (schema ${spec.inputs.statePgSchema})`));
  result[ENGINE_PG_CONN_ENV] = value;
  return result;
}

export interface Captured {
  code: number | null;
  output: string;
  /** stdout alone (redacted like output). */
  stdout: string;
}

/** Everything the engine printed in this process's plan/apply/init runs (redacted), for the audit log. */
const transcript: string[] = [];

/** What the engine printed so far (plan, apply and init runs), whether or not it was shown. */
export function engineTranscript(): string {
  return transcript.join("");
}

/** One run of a command, all of its output captured. */
export interface CapturedRun extends Captured {
  readonly stderr: string;
  /** Wall-clock time of the run. */
  readonly ms: number;
}

/**
 * The one way the project starts the engine and waits for it (the operator commands, the plan
 * summary, the bench, the tests): synchronously, in `cwd`, with exactly `env`, all of its output
 * captured (up to 256 MiB), killed after `timeoutMs` if given. Nothing is redacted here: what the
 * tests read is what the engine printed (runEngineQuietly redacts for the operator commands).
 * A command that cannot be started (ENOENT, a timeout) throws.
 */
export function runCaptured(
  command: string,
  args: readonly string[],
  options: { readonly cwd: string; readonly env: NodeJS.ProcessEnv; readonly timeoutMs?: number; readonly input?: string },
): CapturedRun {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, {
    cwd: options.cwd,
    env: options.env,
    input: options.input,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    timeout: options.timeoutMs,
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.error) throw result.error;
  const stdout = result.stdout ?? "";
  const stderr = result.stderr ?? "";
  return { code: result.status, stdout, stderr, output: stdout + stderr, ms };
}

/**
 * Runs the engine and returns what it printed, with the connection string it was handed
 * (and its password) redacted: a secret never reaches a log, even from an engine message.
 */
export function runEngineQuietly(engine: Engine, args: string[], cwd: string, env: NodeJS.ProcessEnv): Captured & { stderr: string } {
  const result = runCaptured(engine.path, args, { cwd, env });
  const secrets = secretsOf(env[ENGINE_PG_CONN_ENV]);
  const stdout = redact(result.stdout, secrets);
  const stderr = redact(result.stderr, secrets);
  if (["init", "plan", "apply"].includes(args[0])) transcript.push(stdout + stderr);
  return { code: result.code, output: stdout + stderr, stdout, stderr };
}

/** Runs the engine, echoing its (redacted) output, and returns it for inspection. */
export function runEngine(engine: Engine, args: string[], cwd: string, env: NodeJS.ProcessEnv): Captured {
  const result = runEngineQuietly(engine, args, cwd, env);
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  return result;
}

/**
 * Why an engine run failed, when its output says so precisely: each hint matches the
 * engine's own words for one cause (a lock held by another run is not a read-only
 * or full state directory).
 */
export function failureHint(output: string, dir?: string): string {
  // A dead or unreachable PostgreSQL server, a missing privilege and a held pg lock (cli/engine-failures.ts).
  const stateBackend = stateFailureHint(output);
  if (stateBackend) return stateBackend;
  const flat = output.replace(/\s+/g, " ");
  const stateFile = /Error message: open (\S+): (read-only file system|permission denied)/i.exec(flat)?.[1];
  if (/Error acquiring the state lock/.test(flat)) {
    if (/read-only file system/i.test(flat)) {
      return ` The state could not be locked because its directory is on a read-only filesystem${stateFile ? ` (${path.dirname(stateFile)})` : ""}; nothing was changed. Remount it read-write (or keep the state on a writable filesystem), then run the command again.`;
    }
    if (/permission denied/i.test(flat)) {
      return ` The state could not be locked because you may not write its directory${stateFile ? ` (${path.dirname(stateFile)})` : ""}; nothing was changed. Run as the user who owns the state (root by default).`;
    }
    if (/no space left on device/i.test(flat))
      return " The state could not be locked because the filesystem holding it is full; nothing was changed. Free space, then run the command again.";
    if (/Lock Info:|resource temporarily unavailable|already locked|lock.*held/i.test(flat)) {
      return " The state is locked by another plan or deploy of this stack: wait for it to finish (or pass --lock-timeout 5m to wait). A pg lock is released when its session ends.";
    }
    return " The engine could not lock the state (see its message above); nothing was changed.";
  }
  if (/Failed to (write|save|persist) state/i.test(flat) && /no space left on device/i.test(flat)) {
    return " The filesystem holding the state is full: free space before the next command (df -h on the state directory).";
  }
  if (dir && /Backend configuration changed/.test(flat)) {
    return (
      ` Nothing was changed. The state location asked for (CUTTER_STATE_PATH, CUTTER_STATE_BACKEND and its settings) is not the one ${dir} was last used with.` +
      " To move the existing state there, deploy once with --migrate-state." +
      ` To use that location as it is (a separate state), pass --output with another directory, or remove ${path.join(dir, ".terraform")}.`
    );
  }
  return "";
}

/** Throws one operator error for a failed run: what failed, the hint, and what to do about a state the engine could not write (`recovery`). */
export function mustSucceed(result: Captured, what: string, dir?: string, recovery?: string): Captured {
  if (result.code !== 0) {
    throw new CutterError(
      `${what} failed (exit ${result.code}); see the engine output above.${failureHint(result.output, dir)}${recovery ? `\n${recovery}` : ""}`,
    );
  }
  return result;
}

/**
 * Synthesizes every stack into outputDir as the app does, in this process, and only when
 * something it depends on changed (app/synth-record.ts). The app's checks run either way.
 */
export function synthesize(outputDir: string, env: NodeJS.ProcessEnv, specs: readonly StackSpec[]): void {
  let notes: string[];
  try {
    notes = synthesizeUnlessUnchanged(path.resolve(outputDir), env, specs, env.CUTTER_ENGINE_PATH ? [env.CUTTER_ENGINE_PATH] : []).notes;
  } catch (error) {
    throw new CutterError(`synth failed; nothing was changed.\n${(error instanceof Error ? error.message : String(error)).trim()}`);
  }
  // What the app noted (e.g. a file it removed from a stack directory) is shown.
  for (const note of notes) process.stderr.write(`${note}\n`);
}

export function stackDirectory(outputDir: string, spec: StackSpec): string {
  return path.resolve(outputDir, "stacks", spec.stackName);
}

/** `<engine> init` in `dir`, unless it already did there what it would do now (cli/init-record.ts): quiet when it works, its whole output when it fails. */
export function init(engine: Engine, dir: string, env: NodeJS.ProcessEnv, migrateState = false): void {
  if (!migrateState && initIsCurrent(engine.path, dir, env)) return;
  forgetInit(dir);
  const args = ["init", "-input=false", "-no-color"];
  // -force-copy answers the engine's "copy existing state?" question with yes (no terminal in pipelines).
  if (migrateState) args.push("-migrate-state", "-force-copy");
  const result = runEngineQuietly(engine, args, dir, env);
  if (result.code !== 0 || migrateState) {
    process.stdout.write(result.stdout);
    process.stderr.write(result.stderr);
  }
  mustSucceed(result, `${engine.kind} init in ${dir}`, dir);
  rememberInit(engine.path, dir, env);
}

export { recoveryDirectory } from "../app/local-state";
