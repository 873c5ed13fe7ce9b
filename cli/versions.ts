/**
 * `--version` of the operator commands: this tool, cdktf (library and CLI), the engine
 * the commands run and the provider they use, each with where it comes from.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as pins from "../pins/engine-pins.json";

const REPOSITORY = path.resolve(__dirname, "..", "..");

function packageVersion(file: string): string | undefined {
  try {
    const version = JSON.parse(fs.readFileSync(file, "utf8")).version;
    return typeof version === "string" ? version : undefined;
  } catch {
    return undefined;
  }
}

function commit(): string | undefined {
  const result = spawnSync("git", ["-C", REPOSITORY, "rev-parse", "--short=12", "HEAD"], { encoding: "utf8" });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

/** The engine the commands would run: the one cli/with-engine.sh put in the environment. */
function engineVersion(env: NodeJS.ProcessEnv): string {
  const enginePath = env.CUTTER_ENGINE_PATH;
  if (!enginePath) return "not set up here (run through npm run, or `. ~/.cache/cutter-runtime/env` first; npm run setup installs it)";
  const result = spawnSync(enginePath, ["version", "-json"], { encoding: "utf8", env });
  if (result.status !== 0) return `${enginePath} does not answer \`version -json\` (run npm run setup)`;
  try {
    const version = JSON.parse(result.stdout).terraform_version;
    const kind = /OpenTofu/.test(spawnSync(enginePath, ["version"], { encoding: "utf8", env }).stdout) ? "tofu" : "terraform";
    return `${kind} ${version} (${enginePath})`;
  } catch {
    return `${enginePath}: unreadable version`;
  }
}

/** The lines `--version` prints. */
export function versionText(env: NodeJS.ProcessEnv): string {
  const own = packageVersion(path.join(REPOSITORY, "package.json")) ?? "?";
  const sha = commit();
  const cdktf = packageVersion(path.join(REPOSITORY, "node_modules", "cdktf", "package.json")) ?? "not installed (npm ci)";
  const cli = packageVersion(path.join(REPOSITORY, "node_modules", "cdktf-cli", "package.json")) ?? "not installed (npm ci)";
  const providers = Object.values(pins.providers as Record<string, { source: string; version: string }>).map((p) => `${p.source} ${p.version}`);
  return [
    `cutter-runtime ${own}${sha ? ` (commit ${sha})` : ""}`,
    `cdktf          ${cdktf} (cdktf-cli ${cli})`,
    `engine         ${engineVersion(env)}`,
    `provider       ${providers.join(", ")} (pinned in pins/engine-pins.json; built into the offline mirror by npm run setup)`,
  ].join("\n");
}
