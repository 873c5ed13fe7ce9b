/**
 * The operator command line (`<verb> [host] [options]`), the operator error type and
 * how a command picks its stack. Shared by the operator commands in tools/.
 */
import { HOSTS_DIR_VARIABLE, StackSpec } from "../constructs/host-files";
import { show } from "../constructs/validation";

export type Verb = "synth" | "plan" | "deploy" | "destroy";
const VERBS: readonly Verb[] = ["synth", "plan", "deploy", "destroy"];

export interface CommandLine {
  readonly verb: Verb;
  readonly host?: string;
  /** plan: where to save the plan archive. */
  readonly out?: string;
  /** plan: where to write the plan summary (text). */
  readonly summary?: string;
  /** deploy: the saved plan archive to apply. */
  readonly plan?: string;
  /** deploy --plan: the sha256 of the reviewed archive, passed out of band from the review. */
  readonly sha256?: string;
  /** deploy: copy existing state from the previously initialised backend into the configured one. */
  readonly migrateState: boolean;
  /** deploy --migrate-state: replace a state the target already holds. */
  readonly overwriteTargetState: boolean;
  readonly outputDir: string;
  readonly lockTimeout: string;
}

/** Thrown for operator errors: printed without a stack trace, exit code 1. */
export class CutterError extends Error {}

const OPTIONS_WITH_VALUE: Record<string, { verbs: readonly Verb[]; key: "out" | "summary" | "plan" | "sha256" | "outputDir" | "lockTimeout" }> = {
  "--out": { verbs: ["plan"], key: "out" },
  "--summary": { verbs: ["plan"], key: "summary" },
  "--plan": { verbs: ["deploy"], key: "plan" },
  "--sha256": { verbs: ["deploy"], key: "sha256" },
  "--output": { verbs: VERBS, key: "outputDir" },
  "--lock-timeout": { verbs: ["plan", "deploy", "destroy"], key: "lockTimeout" },
};

const USAGE = `usage:
  npm run plan    -- [host] [--out PLAN.tgz] [--summary FILE]
  npm run deploy  -- [host] [--plan PLAN.tgz [--sha256 DIGEST]] [--migrate-state [--overwrite-target-state]]
  npm run destroy -- [host]
  npm run synth   -- [host]
  options for all: --output DIR (default cdktf.out), --lock-timeout DURATION (default 0s)`;

/** A lock timeout: a duration the engine understands (`0s`, `30s`, `5m`, `1h30m`), at most 24h. */
function lockTimeoutOk(value: string): boolean {
  const m = /^(?:(\d{1,5})h)?(?:(\d{1,5})m)?(?:(\d{1,5})s)?$/.exec(value);
  if (!m || value === "") return false;
  const seconds = Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
  return seconds <= 24 * 3600;
}

/** Parses `<verb> [host] [options]`; throws CutterError naming the bad argument. */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  const [verb, ...rest] = argv;
  if (!VERBS.includes(verb as Verb)) throw new CutterError(`unknown command ${show(verb ?? "")}; expected one of ${VERBS.join(", ")}\n${USAGE}`);
  const values: { -readonly [K in keyof CommandLine]?: CommandLine[K] } = { verb: verb as Verb, migrateState: false, overwriteTargetState: false };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    const [name, inline] = arg.startsWith("--") && arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    if (name === "--migrate-state") {
      if (verb !== "deploy") throw new CutterError(`--migrate-state is an option of deploy, not ${verb}\n${USAGE}`);
      values.migrateState = true;
    } else if (name === "--overwrite-target-state") {
      if (verb !== "deploy") throw new CutterError(`--overwrite-target-state is an option of deploy --migrate-state, not ${verb}\n${USAGE}`);
      values.overwriteTargetState = true;
    } else if (name in OPTIONS_WITH_VALUE) {
      const option = OPTIONS_WITH_VALUE[name];
      if (!option.verbs.includes(verb as Verb)) throw new CutterError(`${name} is not an option of ${verb}\n${USAGE}`);
      const value = inline ?? rest[++i];
      if (value === undefined || value === "" || value.startsWith("--")) throw new CutterError(`${name} needs a value\n${USAGE}`);
      values[option.key] = value;
    } else if (arg.startsWith("-")) {
      throw new CutterError(`unknown option ${show(arg)}\n${USAGE}`);
    } else if (values.host === undefined) {
      values.host = arg;
    } else {
      throw new CutterError(`one host at a time: got ${show(values.host)} and ${show(arg)}\n${USAGE}`);
    }
  }
  if (values.lockTimeout !== undefined && !lockTimeoutOk(values.lockTimeout)) {
    throw new CutterError(`--lock-timeout ${JSON.stringify(values.lockTimeout).slice(0, 40)} is not a duration: use a number with a unit, e.g. 0s, 30s, 5m, 1h (at most 24h)`);
  }
  if (values.plan && values.migrateState) throw new CutterError("--migrate-state cannot be combined with --plan: migrate with a plain deploy first, then plan again");
  if (values.overwriteTargetState && !values.migrateState) throw new CutterError(`--overwrite-target-state only goes with --migrate-state\n${USAGE}`);
  if (values.sha256 !== undefined && !values.plan) throw new CutterError(`--sha256 is the digest of the saved plan given with --plan\n${USAGE}`);
  if (values.sha256 !== undefined && !/^[0-9a-f]{64}$/.test(values.sha256)) throw new CutterError(`--sha256 ${JSON.stringify(values.sha256.slice(0, 80))} must be 64 lowercase hex digits (the sha256 of the archive, e.g. from sha256sum PLAN.tgz)`);
  return { outputDir: "cdktf.out", lockTimeout: "0s", ...values } as CommandLine;
}

/** Picks the stack a command acts on. */
export function selectStack(specs: readonly StackSpec[], host: string | undefined): StackSpec {
  const hostSpecs = specs.filter((s) => s.hostName !== undefined);
  if (hostSpecs.length === 0) {
    if (host !== undefined) {
      throw new CutterError(`host ${show(host)} was named, but no host files are in use (no hosts/ directory and ${HOSTS_DIR_VARIABLE} not set): the single stack comes from environment variables; drop the host argument or add hosts/${host}.json`);
    }
    return specs[0];
  }
  const names = hostSpecs.map((s) => s.hostName).join(", ");
  if (host === undefined) throw new CutterError(`name the host to act on: one of ${names} (e.g. npm run plan -- ${hostSpecs[0].hostName})`);
  const spec = hostSpecs.find((s) => s.hostName === host);
  if (!spec) throw new CutterError(`no host ${show(host)}: the host files define ${names}`);
  return spec;
}

/** How messages name a stack: the host and its file, or the stack from environment variables. */
export function describeStack(spec: StackSpec): string {
  return spec.hostName ? `host ${spec.hostName} (${spec.source}, stack ${spec.stackName})` : `stack ${spec.stackName} (from environment variables)`;
}
