/**
 * The engine as the operator commands use it: found in the offline environment
 * (tools/with-engine.sh), run in a synthesized stack directory with its output
 * echoed, and failures turned into one operator message with a hint.
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { StackSpec } from "../constructs/host-files";
import { ENGINE_PG_CONN_ENV } from "../constructs/runtime-inputs";
import { CutterError, describeStack } from "./command-line";

export interface Engine {
  path: string;
  kind: string;
  version: string;
}

export function engineFromEnvironment(env: NodeJS.ProcessEnv): Engine {
  const enginePath = env.CUTTER_ENGINE_PATH;
  if (!enginePath) throw new CutterError("no engine environment: run through the npm scripts (they use tools/with-engine.sh), or `. ~/.cache/cutter-runtime/env` first");
  const version = spawnSync(enginePath, ["version", "-json"], { encoding: "utf8", env });
  if (version.status !== 0) throw new CutterError(`${enginePath} version -json failed: ${version.error?.message ?? `exit ${version.status}`}\n${version.stderr ?? ""}`);
  const kind = /OpenTofu/.test(spawnSync(enginePath, ["version"], { encoding: "utf8", env }).stdout) ? "tofu" : "terraform";
  return { path: enginePath, kind, version: JSON.parse(version.stdout).terraform_version };
}

/**
 * The engine's environment for a stack: for the pg backend, the connection string is
 * taken from the variable the inputs name and handed over as PG_CONN_STR (the engine
 * reads it itself), so it is never written into the synthesized configuration.
 */
export function engineEnvironment(spec: StackSpec, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const result: NodeJS.ProcessEnv = { ...env, TF_IN_AUTOMATION: "1", TF_INPUT: "0" };
  if (spec.inputs.stateBackend !== "pg") return result;
  const name = spec.inputs.statePgConnEnv;
  const value = env[name];
  if (value === undefined || value === "") {
    throw new CutterError(
      `${describeStack(spec)} keeps its state in PostgreSQL (schema ${spec.inputs.statePgSchema}), but ${name} is not set; nothing was changed.\n` +
        `  Export the connection string (postgres://USER:PASSWORD@HOST:PORT/DB?sslmode=...) in ${name}; it is read at run time and never written to disk.`,
    );
  }
  result[ENGINE_PG_CONN_ENV] = value;
  return result;
}

export interface Captured {
  code: number | null;
  output: string;
}

/** Runs the engine, echoing its output, and returns it for inspection. */
export function runEngine(engine: Engine, args: string[], cwd: string, env: NodeJS.ProcessEnv): Captured {
  const result = spawnSync(engine.path, args, { cwd, env, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  if (result.error) throw result.error;
  const output = (result.stdout ?? "") + (result.stderr ?? "");
  process.stdout.write(result.stdout ?? "");
  process.stderr.write(result.stderr ?? "");
  return { code: result.status, output };
}

/**
 * Why an engine run failed, when its output says so precisely: each hint matches the
 * engine's own words for one cause (a lock held by another run is not a read-only
 * or full state directory).
 */
export function failureHint(output: string, dir?: string): string {
  const flat = output.replace(/\s+/g, " ");
  const stateFile = /Error message: open (\S+): (read-only file system|permission denied)/i.exec(flat)?.[1];
  if (/Error acquiring the state lock/.test(flat)) {
    if (/read-only file system/i.test(flat)) {
      return ` The state could not be locked because its directory is on a read-only filesystem${stateFile ? ` (${path.dirname(stateFile)})` : ""}; nothing was changed. Remount it read-write (or keep the state on a writable filesystem), then run the command again.`;
    }
    if (/permission denied/i.test(flat)) {
      return ` The state could not be locked because you may not write its directory${stateFile ? ` (${path.dirname(stateFile)})` : ""}; nothing was changed. Run as the user who owns the state (root by default).`;
    }
    if (/no space left on device/i.test(flat)) return " The state could not be locked because the filesystem holding it is full; nothing was changed. Free space, then run the command again.";
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
    throw new CutterError(`${what} failed (exit ${result.code}); see the engine output above.${failureHint(result.output, dir)}${recovery ? `\n${recovery}` : ""}`);
  }
  return result;
}

/** Synthesizes every stack with the app (as `cdktf synth` does) into outputDir. */
export function synthesize(outputDir: string, env: NodeJS.ProcessEnv): void {
  const main = path.resolve(__dirname, "..", "main.js");
  const result = spawnSync(process.execPath, [main], { env: { ...env, CDKTF_OUTDIR: path.resolve(outputDir) }, encoding: "utf8" });
  process.stdout.write(result.stdout ?? "");
  if (result.status !== 0) throw new CutterError(`synth failed; nothing was changed.\n${(result.stderr ?? "").trim()}`);
  // What the app noted (e.g. a file it removed from a stack directory) is shown too.
  process.stderr.write(result.stderr ?? "");
}

export function stackDirectory(outputDir: string, spec: StackSpec): string {
  return path.resolve(outputDir, "stacks", spec.stackName);
}

export function init(engine: Engine, dir: string, env: NodeJS.ProcessEnv, migrateState = false): void {
  const args = ["init", "-input=false", "-no-color"];
  // -force-copy answers the engine's "copy existing state?" question with yes (no terminal in pipelines).
  if (migrateState) args.push("-migrate-state", "-force-copy");
  mustSucceed(runEngine(engine, args, dir, env), `${engine.kind} init in ${dir}`, dir);
}

export { recoveryDirectory } from "./local-state";
