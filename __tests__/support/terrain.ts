/**
 * Test support for the CDK switch (docs/cdk-terrain.md): commands run on a chosen CDK
 * as an operator runs them, whichever CDK the suite itself is on.
 */
import * as fs from "fs";
import * as path from "path";
import { CdkFlavour, TERRAIN_DIR } from "../../constructs/cdk-flavour";
import { REPO, RunResult, TempHost, run } from "./harness";
import { CUTTER_JS } from "./operator";

export const WITH_ENGINE = path.join(REPO, "cli", "with-engine.sh");
/** The operator's wrapper for CDK Terrain's CLI. */
export const TERRAIN_CLI = path.join(TERRAIN_DIR, "cdktn");
export const TERRAIN_STAMP = path.join(TERRAIN_DIR, "build", ".terrain-stamp");

/**
 * node:test options for a suite that needs CDK Terrain installed: skipped (saying how to
 * install it) when it is not, unless CUTTER_REQUIRE_TERRAIN=1 (CI), where a missing install fails.
 */
export function needsTerrain(): { skip?: string } {
  if (fs.existsSync(TERRAIN_STAMP)) return {};
  if (process.env.CUTTER_REQUIRE_TERRAIN === "1")
    throw new Error(`CUTTER_REQUIRE_TERRAIN=1 but CDK Terrain is not installed (${TERRAIN_STAMP} is missing): run \`CUTTER_CDK=cdktn npm run setup\``);
  return { skip: "CDK Terrain is not installed: `CUTTER_CDK=cdktn npm run setup` installs it" };
}

/** `npm run <verb> -- ARGS` on a CDK: the operator CLI through cli/with-engine.sh, as the npm scripts run it. */
export function npmRun(host: TempHost, cdk: CdkFlavour, args: string[], extraEnv: Record<string, string> = {}): RunResult {
  return run("bash", [WITH_ENGINE, "node", CUTTER_JS, ...args, "--output", host.outDir], { env: host.env({ CUTTER_CDK: cdk, ...extraEnv }) });
}

/**
 * The raw CLI of a CDK as the README tells operators to run it from the project directory:
 * `npx cdktf VERB` with the engine environment, or `terrain/cdktn VERB`, whatever CUTTER_CDK
 * and whichever Node come first in the caller's environment (the wrapper sets both).
 */
export function rawCli(host: TempHost, cdk: CdkFlavour, verb: "plan" | "deploy" | "destroy", extraEnv: Record<string, string> = {}): RunResult {
  const args = [verb, "--output", host.outDir, ...(verb === "plan" ? [] : ["--auto-approve"])];
  if (cdk === "cdktf") return run(path.join(REPO, "node_modules", ".bin", "cdktf"), args, { env: host.env({ CUTTER_CDK: "cdktf", ...extraEnv }) });
  // Neither CUTTER_CDK nor CDK Terrain's Node in the caller's environment: the wrapper brings both.
  const env = host.env(extraEnv);
  delete env.CUTTER_CDK;
  env.PATH = (env.PATH ?? "")
    .split(":")
    .filter((dir) => !dir.startsWith(TERRAIN_DIR))
    .join(":");
  return run(TERRAIN_CLI, args, { env });
}
