import { createHash } from "crypto";
import * as path from "path";
import { CUTTER_LAYOUT } from "./layout";
import { DEFAULT_ENV_FILE } from "./orchestrator-config";
import { Problems, absolutePathRule, posixNameRule, runtimeRootRule } from "./validation";

/** Everything an operator chooses for one host. */
export interface RuntimeInputs {
  readonly rootPath: string;
  readonly owner: string;
  readonly group: string;
  readonly envFilePath: string;
  /** Local state file; never inside the managed tree. */
  readonly statePath: string;
  /** Ownership record directory (what the stack created/adopted); outside the tree. */
  readonly ownershipDir: string;
  /** Adopt paths that exist before the first deploy instead of refusing them. */
  readonly adoptExisting: boolean;
}

/** Directory holding local state files unless CUTTER_STATE_PATH says otherwise. */
export const DEFAULT_STATE_DIR = "/var/lib/cutter-runtime/state";

/**
 * Default state file for a root: one file per root, so two roots never share
 * (and so never replace each other's) state. The name keeps the root readable.
 */
export function defaultStatePath(rootPath: string): string {
  const readable = rootPath.slice(1).replace(/\//g, "-");
  const digest = createHash("sha256").update(rootPath).digest("hex").slice(0, 8);
  return path.posix.join(DEFAULT_STATE_DIR, `${readable}.${digest}.tfstate`);
}

/** The environment variables an operator sets, with what each means. */
export const INPUT_VARIABLES = {
  CUTTER_RUNTIME_ROOT: `runtime root (default ${CUTTER_LAYOUT.defaultRoot})`,
  CUTTER_OWNER: `owner of every managed path (default ${CUTTER_LAYOUT.defaultOwner})`,
  CUTTER_GROUP: `group of every managed path (default ${CUTTER_LAYOUT.defaultGroup})`,
  CUTTER_ENV_FILE: `env file the orchestrator reads secrets from (default ${DEFAULT_ENV_FILE})`,
  CUTTER_STATE_PATH: `local state file (default ${DEFAULT_STATE_DIR}/<root>.<hash>.tfstate)`,
  CUTTER_OWNERSHIP_DIR: "record of the paths the stack created or adopted (default <state file>.ownership)",
  CUTTER_ADOPT_EXISTING: "1 to adopt a root or subdirectory that exists before the first deploy (default 0: refuse)",
} as const;

function isInside(child: string, parent: string): boolean {
  return child === parent || child.startsWith(parent + "/");
}

/** Reads and validates the inputs; throws one error naming every bad variable. */
export function readRuntimeInputs(env: Record<string, string | undefined>): RuntimeInputs {
  const pick = (name: keyof typeof INPUT_VARIABLES, fallback: string) => {
    const value = env[name];
    return value === undefined || value === "" ? fallback : value;
  };
  const rootPath = pick("CUTTER_RUNTIME_ROOT", CUTTER_LAYOUT.defaultRoot);
  const inputs: RuntimeInputs = {
    rootPath,
    owner: pick("CUTTER_OWNER", CUTTER_LAYOUT.defaultOwner),
    group: pick("CUTTER_GROUP", CUTTER_LAYOUT.defaultGroup),
    envFilePath: pick("CUTTER_ENV_FILE", DEFAULT_ENV_FILE),
    statePath: pick("CUTTER_STATE_PATH", defaultStatePath(rootPath)),
    ownershipDir: "",
    adoptExisting: pick("CUTTER_ADOPT_EXISTING", "0") === "1",
  };
  const ownershipDir = pick("CUTTER_OWNERSHIP_DIR", `${inputs.statePath}.ownership`);
  const adopt = pick("CUTTER_ADOPT_EXISTING", "0");
  const problems = new Problems();
  const check = (name: string, value: string, rule: (v: unknown) => string | undefined) => {
    const problem = rule(value);
    if (problem) problems.add(name, value, problem);
    return problem === undefined;
  };
  const rootOk = check("CUTTER_RUNTIME_ROOT", inputs.rootPath, runtimeRootRule);
  check("CUTTER_OWNER", inputs.owner, posixNameRule);
  check("CUTTER_GROUP", inputs.group, posixNameRule);
  check("CUTTER_ENV_FILE", inputs.envFilePath, absolutePathRule);
  if (check("CUTTER_STATE_PATH", inputs.statePath, absolutePathRule) && rootOk) {
    if (isInside(inputs.statePath, inputs.rootPath)) {
      problems.add("CUTTER_STATE_PATH", inputs.statePath, `is inside the managed tree ${inputs.rootPath}; keep state outside it (destroy removes the tree)`);
    } else if (isInside(inputs.rootPath, path.posix.dirname(inputs.statePath))) {
      problems.add("CUTTER_STATE_PATH", inputs.statePath, `would put the state's directory around the managed tree ${inputs.rootPath}; use a directory of its own`);
    }
  }
  if (adopt !== "0" && adopt !== "1") problems.add("CUTTER_ADOPT_EXISTING", adopt, 'must be "1" (adopt pre-existing paths) or "0" (refuse them, the default)');
  const ownershipGiven = env.CUTTER_OWNERSHIP_DIR !== undefined && env.CUTTER_OWNERSHIP_DIR !== "";
  const stateOk = absolutePathRule(inputs.statePath) === undefined;
  // A derived default is only as good as the state path, which is reported already.
  if ((ownershipGiven || stateOk) && check("CUTTER_OWNERSHIP_DIR", ownershipDir, absolutePathRule) && rootOk && (isInside(ownershipDir, inputs.rootPath) || isInside(inputs.rootPath, ownershipDir))) {
    problems.add("CUTTER_OWNERSHIP_DIR", ownershipDir, `overlaps the managed tree ${inputs.rootPath}; keep it outside (next to the state file)`);
  }
  problems.throwIfAny("cutter-runtime inputs (fix the environment variables named below)");
  return { ...inputs, ownershipDir };
}
