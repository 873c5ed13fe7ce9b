/**
 * The operator command line (`<verb> [host] [options]`, parsed with node:util parseArgs),
 * its help and exit codes, the operator error type, how a command picks its stack and
 * how hints repeat the options in use. Shared by the operator commands in cli/.
 */
import { parseArgs } from "util";
import { HOSTS_DIR_VARIABLE, StackSpec } from "../constructs/host-files";
import { show } from "../constructs/validation";

export type Verb = "synth" | "plan" | "deploy" | "destroy";
export const VERBS: readonly Verb[] = ["synth", "plan", "deploy", "destroy"];

export interface CommandLine {
  readonly verb: Verb;
  readonly host?: string;
  /** plan: where to save the plan archive. */
  readonly out?: string;
  /** plan: where to write the plan summary (text). */
  readonly summary?: string;
  /** plan: exit 2 when the plan has changes, 0 when none (1 on any error), as the engine's -detailed-exitcode. */
  readonly detailedExitcode: boolean;
  /** deploy: the saved plan archive to apply. */
  readonly plan?: string;
  /** deploy --plan: the sha256 of the reviewed archive, passed out of band from the review. */
  readonly sha256?: string;
  /** deploy: copy existing state from the previously initialised backend into the configured one. */
  readonly migrateState: boolean;
  /** deploy --migrate-state: replace a state the target already holds. */
  readonly overwriteTargetState: boolean;
  /** destroy: no question asked (pipelines; required when there is no terminal to ask on). */
  readonly autoApprove: boolean;
  readonly outputDir: string;
  readonly lockTimeout: string;
  /** The options as given (name => value, "" for flags), for hints that repeat them. */
  readonly given: ReadonlyMap<string, string>;
  /** --help: print the verb's usage and exit 0. */
  readonly help: boolean;
  /** --version: print the versions and exit 0. */
  readonly version: boolean;
  /** `--help` given without a command: the list of commands. */
  readonly generalHelp?: boolean;
}

/** Thrown for operator errors: printed without a stack trace, exit code 1. */
export class CutterError extends Error {}

export const DEFAULT_OUTPUT_DIR = "cdktf.out";
export const DEFAULT_LOCK_TIMEOUT = "0s";

interface OptionSpec {
  readonly verbs: readonly Verb[];
  readonly value?: string;
  readonly help: string;
}

const ENGINE_VERBS: readonly Verb[] = ["plan", "deploy", "destroy"];

/** Every option, the commands it belongs to and its one-line help. */
export const OPTIONS: Readonly<Record<string, OptionSpec>> = {
  out: { verbs: ["plan"], value: "PLAN.tgz", help: "save the plan as an archive for `deploy --plan`; prints its sha256" },
  summary: { verbs: ["plan"], value: "FILE", help: "also write the plan summary (the write set) to FILE" },
  "detailed-exitcode": { verbs: ["plan"], help: "exit 0 when nothing would change, 2 when changes are pending, 1 on error" },
  plan: { verbs: ["deploy"], value: "PLAN.tgz", help: "apply exactly this saved plan, only if it is the reviewed plan of the code now" },
  sha256: { verbs: ["deploy"], value: "DIGEST", help: "with --plan: the archive's sha256 that `plan --out` printed (from the review)" },
  "migrate-state": { verbs: ["deploy"], help: "move the state from the location this output directory last used to the one configured" },
  "overwrite-target-state": { verbs: ["deploy"], help: "with --migrate-state: replace a state the new location already holds" },
  "auto-approve": { verbs: ["destroy"], help: "destroy without asking (needed when there is no terminal to ask on, e.g. a pipeline)" },
  output: { verbs: VERBS, value: "DIR", help: `where to synthesize (default ${DEFAULT_OUTPUT_DIR}; never inside a runtime tree)` },
  "lock-timeout": {
    verbs: ENGINE_VERBS,
    value: "DURATION",
    help: `how long to wait for a locked state, e.g. 30s, 5m (default ${DEFAULT_LOCK_TIMEOUT}: fail at once; at most 24h)`,
  },
  help: { verbs: VERBS, help: "show this help" },
  version: { verbs: VERBS, help: "show the versions of this tool, cdktf, the engine and the provider" },
};

const SHORT: Record<string, string> = { h: "help", V: "version" };

const WHAT: Record<Verb, string> = {
  synth: "writes the synthesized configuration of every stack (or of one host) to the output directory; changes nothing",
  plan: "plans one stack: prints the engine's plan and the summary of what a deploy would write; changes nothing",
  deploy: "plans and applies one stack (no question asked), then prints what it did",
  destroy: "removes the runtime tree of one stack, only while it holds nothing but what the stack made (the rollback)",
};

const EXIT_CODES: Record<Verb, string> = {
  synth: "0 synthesized, 1 error (a bad input or host file: nothing written)",
  plan: "0 planned (with --detailed-exitcode: 0 no changes, 2 changes pending), 1 error",
  deploy: "0 applied, 1 refused or failed (the last lines say why and what to do)",
  destroy: "0 destroyed, 1 refused (nothing removed), declined at the prompt, or failed",
};

function optionLine(name: string): string {
  const spec = OPTIONS[name];
  const short = Object.entries(SHORT).find(([, long]) => long === name)?.[0];
  const left = `${short ? `-${short}, ` : ""}--${name}${spec.value ? ` ${spec.value}` : ""}`;
  return `  ${left.padEnd(28)} ${spec.help}`;
}

/** The help of one command: usage, what it does, its options, exit codes. */
export function helpText(verb?: Verb): string {
  if (verb === undefined) {
    return [
      "usage: npm run <command> -- [host] [options]      (or: node dist/cli/cutter.js <command> ...)",
      "",
      "commands:",
      ...VERBS.map((v) => `  ${v.padEnd(8)} ${WHAT[v]}`),
      "  (npm run verify checks the tree against the layout: npm run verify -- --help)",
      "",
      "host: with host files (hosts/<name>.json), the host to act on; without them, none.",
      "Each command answers --help; --version shows the versions.",
    ].join("\n");
  }
  const options = Object.keys(OPTIONS).filter((name) => OPTIONS[name].verbs.includes(verb));
  const synopsis = options.filter((n) => n !== "help" && n !== "version").map((n) => `[--${n}${OPTIONS[n].value ? ` ${OPTIONS[n].value}` : ""}]`);
  return [
    `usage: npm run ${verb} -- [host] ${synopsis.join(" ")}`,
    `       (cdktf alternative: npx cdktf ${verb === "plan" ? "plan|diff" : verb} [stack]${verb === "deploy" || verb === "destroy" ? " [--auto-approve]" : ""})`,
    "",
    `${verb}: ${WHAT[verb]}.`,
    "",
    "options:",
    ...options.map(optionLine),
    "",
    `exit codes: ${EXIT_CODES[verb]}`,
  ].join("\n");
}

/** A lock timeout: a duration the engine understands (`0s`, `30s`, `5m`, `1h30m`), at most 24h. */
function lockTimeoutOk(value: string): boolean {
  const m = /^(?:(\d{1,5})h)?(?:(\d{1,5})m)?(?:(\d{1,5})s)?$/.exec(value);
  if (!m || value === "") return false;
  const seconds = Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
  return seconds <= 24 * 3600;
}

const seeHelp = (verb?: Verb) => `\n  see: npm run ${verb ?? "<command>"} -- --help`;

/** What parseArgs says, in our words (its own messages suggest `--` tricks that do not apply here). */
function translateParseError(error: Error & { code?: string }, verb: Verb): CutterError {
  const quoted = /'(-[^' ]*)/.exec(error.message)?.[1] ?? "";
  const name = quoted.replace(/^-+/, "");
  if (error.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") return new CutterError(`unknown option ${show(quoted)}${seeHelp(verb)}`);
  if (error.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    if (OPTIONS[name]?.value) return new CutterError(`--${name} needs a value${seeHelp(verb)}`);
    return new CutterError(`--${name} takes no value${seeHelp(verb)}`);
  }
  return new CutterError(`${error.message}${seeHelp(verb)}`);
}

/** Parses `<verb> [host] [options]`; throws CutterError naming the bad argument. */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  const [first, ...rest] = argv;
  const bare = {
    migrateState: false,
    overwriteTargetState: false,
    autoApprove: false,
    detailedExitcode: false,
    outputDir: DEFAULT_OUTPUT_DIR,
    lockTimeout: DEFAULT_LOCK_TIMEOUT,
    given: new Map(),
  };
  // `cutter.js --help` / `--version` without a command.
  if (first === "--help" || first === "-h") return { verb: "plan", ...bare, help: true, version: false, generalHelp: true };
  if (first === "--version" || first === "-V") return { verb: "plan", ...bare, help: false, version: true };
  if (!VERBS.includes(first as Verb)) throw new CutterError(`unknown command ${show(first ?? "")}; expected one of ${VERBS.join(", ")}${seeHelp()}`);
  const verb = first as Verb;
  const options: Record<string, { type: "string" | "boolean"; short?: string }> = {};
  for (const [name, spec] of Object.entries(OPTIONS)) {
    const short = Object.entries(SHORT).find(([, long]) => long === name)?.[0];
    options[name] = { type: spec.value ? "string" : "boolean", ...(short ? { short } : {}) };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...rest], options, allowPositionals: true, strict: true, tokens: true });
  } catch (error) {
    throw translateParseError(error as Error & { code?: string }, verb);
  }
  const given = new Map<string, string>();
  for (const token of parsed.tokens ?? []) {
    if (token.kind !== "option") continue;
    if (given.has(token.name)) throw new CutterError(`--${token.name} is given twice; give it once${seeHelp(verb)}`);
    if (!OPTIONS[token.name].verbs.includes(verb)) {
      const owners = Object.keys(OPTIONS).includes(token.name) ? OPTIONS[token.name].verbs : [];
      throw new CutterError(
        token.name === "migrate-state"
          ? `--migrate-state is an option of deploy, not ${verb}${seeHelp(verb)}`
          : token.name === "overwrite-target-state"
            ? `--overwrite-target-state is an option of deploy --migrate-state, not ${verb}${seeHelp(verb)}`
            : `--${token.name} is not an option of ${verb}${owners.length === 1 ? ` (an option of ${owners[0]})` : ""}${seeHelp(verb)}`,
      );
    }
    const value = token.value ?? "";
    if (OPTIONS[token.name].value && value === "") throw new CutterError(`--${token.name} needs a value${seeHelp(verb)}`);
    given.set(token.name, value);
  }
  const positionals = parsed.positionals;
  if (positionals.length > 1) throw new CutterError(`one host at a time: got ${show(positionals[0])} and ${show(positionals[1])}${seeHelp(verb)}`);
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const text = (name: string) => (typeof values[name] === "string" ? (values[name] as string) : undefined);
  const cmd: CommandLine = {
    verb,
    host: positionals[0],
    out: text("out"),
    summary: text("summary"),
    detailedExitcode: values["detailed-exitcode"] === true,
    plan: text("plan"),
    sha256: text("sha256"),
    migrateState: values["migrate-state"] === true,
    overwriteTargetState: values["overwrite-target-state"] === true,
    autoApprove: values["auto-approve"] === true,
    outputDir: text("output") ?? DEFAULT_OUTPUT_DIR,
    lockTimeout: text("lock-timeout") ?? DEFAULT_LOCK_TIMEOUT,
    given,
    help: values.help === true,
    version: values.version === true,
  };
  if (cmd.help || cmd.version) return cmd;
  if (given.has("lock-timeout") && !lockTimeoutOk(cmd.lockTimeout)) {
    throw new CutterError(
      `--lock-timeout ${JSON.stringify(cmd.lockTimeout).slice(0, 40)} is not a duration: use a number with a unit, e.g. 0s, 30s, 5m, 1h (at most 24h)`,
    );
  }
  if (cmd.plan && cmd.migrateState) throw new CutterError("--migrate-state cannot be combined with --plan: migrate with a plain deploy first, then plan again");
  if (cmd.overwriteTargetState && !cmd.migrateState) throw new CutterError(`--overwrite-target-state only goes with --migrate-state${seeHelp(verb)}`);
  if (cmd.sha256 !== undefined && !cmd.plan) throw new CutterError(`--sha256 is the digest of the saved plan given with --plan${seeHelp(verb)}`);
  if (cmd.sha256 !== undefined && !/^[0-9a-f]{64}$/.test(cmd.sha256))
    throw new CutterError(
      `--sha256 ${JSON.stringify(cmd.sha256.slice(0, 80))} must be 64 lowercase hex digits (the sha256 of the archive, e.g. from sha256sum PLAN.tgz)`,
    );
  return cmd;
}

/** A word for a shell command line: quoted only when it needs to be. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * `npm run VERB -- [host] [extra...]` with the options in use that carry over to another
 * command (--output, --lock-timeout), so a hint can be run as printed.
 */
export function npmCommand(cmd: Pick<CommandLine, "given">, verb: Verb, host: string | undefined, extra: readonly string[] = []): string {
  const words: string[] = [];
  if (host !== undefined) words.push(host);
  words.push(...extra);
  for (const name of ["output", "lock-timeout"]) {
    const value = cmd.given.get(name);
    if (value !== undefined && OPTIONS[name].verbs.includes(verb)) words.push(`--${name}`, value);
  }
  return `npm run ${verb}${words.length > 0 ? ` -- ${words.map(shellWord).join(" ")}` : ""}`;
}

/** Picks the stack a command acts on. `cmd` (when given) makes the example repeat the options in use. */
export function selectStack(specs: readonly StackSpec[], host: string | undefined, cmd?: Pick<CommandLine, "given" | "verb">): StackSpec {
  const hostSpecs = specs.filter((s) => s.hostName !== undefined);
  if (hostSpecs.length === 0) {
    if (host !== undefined) {
      throw new CutterError(
        `host ${show(host)} was named, but no host files are in use (no hosts/ directory and ${HOSTS_DIR_VARIABLE} not set): the single stack comes from environment variables; drop the host argument or add hosts/${host}.json`,
      );
    }
    return specs[0];
  }
  const names = hostSpecs.map((s) => s.hostName).join(", ");
  const example = cmd
    ? npmCommand(
        cmd,
        cmd.verb,
        hostSpecs[0].hostName,
        [...cmd.given].filter(([n]) => n !== "output" && n !== "lock-timeout").flatMap(([n, v]) => (v === "" ? [`--${n}`] : [`--${n}`, v])),
      )
    : `npm run plan -- ${hostSpecs[0].hostName}`;
  if (host === undefined) throw new CutterError(`name the host to act on: one of ${names} (e.g. ${example})`);
  const spec = hostSpecs.find((s) => s.hostName === host);
  if (!spec) throw new CutterError(`no host ${show(host)}: the host files define ${names}`);
  return spec;
}

/** Where messages of the app and of these commands name a stack (the app imports nothing from cli/). */
export { describeStack } from "../app/describe-stack";
