/**
 * The offline engine environment `npm run setup` wrote (cli/setup.sh: `$CACHE/env.json`),
 * as programs that start the engine from outside the npm scripts use it: the bench and the
 * tests. The one place that turns it into a process environment.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** What setup wrote to `$CACHE/env.json`. */
export interface OfflineEngine {
  readonly engine: { readonly kind: string; readonly version: string; readonly path: string };
  /** The directory holding the engine shim, put first on PATH. */
  readonly pathPrefix: string;
  /** The variables cli/with-engine.sh exports (TF_CLI_CONFIG_FILE, CUTTER_ENGINE_PATH, …). */
  readonly env: Readonly<Record<string, string>>;
}

/** setup's cache: CUTTER_CACHE_DIR, else ~/.cache/cutter-runtime (as cli/setup.sh derives it). */
export function cacheDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return env.CUTTER_CACHE_DIR || path.join(os.homedir(), ".cache", "cutter-runtime");
}

/** `$CACHE/env.json`; a missing one is one line saying to run setup. */
export function readOfflineEngine(env: NodeJS.ProcessEnv = process.env): OfflineEngine {
  const file = path.join(cacheDirectory(env), "env.json");
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run \`npm run setup\` first`);
  return JSON.parse(fs.readFileSync(file, "utf8"));
}

/**
 * A process environment running the offline engine as the npm scripts do: `base` (the
 * caller's own environment) with setup's variables, the engine first on PATH, no colours and
 * CI mode (unless `plain: false`); every other CUTTER_* variable of `base` dropped (an operator's input must never
 * leak into a run that sets its own), except those in `passOn` (which toolchain to use:
 * CUTTER_CACHE_DIR always, CUTTER_CDK or CUTTER_ENGINE where the caller means to pass them;
 * `"all"` keeps every one, for a caller running the engine on the operator's own inputs);
 * then `extra`.
 */
export function offlineEngineEnv(
  info: OfflineEngine,
  extra: Record<string, string> = {},
  options: { readonly base?: NodeJS.ProcessEnv; readonly passOn?: readonly string[] | "all"; readonly plain?: boolean } = {},
): NodeJS.ProcessEnv {
  const base = options.base ?? process.env;
  const env: NodeJS.ProcessEnv = { ...base, ...info.env, ...(options.plain === false ? {} : { FORCE_COLOR: "0", NO_COLOR: "1", CI: "1" }) };
  env.PATH = `${info.pathPrefix}:${base.PATH ?? ""}`;
  if (options.passOn !== "all") {
    const passOn = new Set(["CUTTER_CACHE_DIR", ...(options.passOn ?? [])]);
    for (const key of Object.keys(env)) if (key.startsWith("CUTTER_") && !(key in info.env) && !passOn.has(key)) delete env[key];
  }
  return { ...env, ...extra };
}
