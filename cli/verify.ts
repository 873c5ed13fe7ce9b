/**
 * `npm run verify`: stats the runtime tree against the layout and prints a verdict
 * in the style of the original gate report; exit 0 only on PASS.
 *
 *   npm run verify [-- host] [--json] [--markdown FILE] [--allow-data] [--require-env] [--help] [--version]
 *
 * Inputs are the stack's own (environment variables or host files), read and
 * validated by the same functions. Expected contents are recomputed from the same
 * builders the constructs use. Nothing in the tree is ever written: the markdown
 * report goes only where the operator points, and never into the tree. The gate
 * report itself (what was surveyed, applied, touched; the verdict lines) is
 * cli/gate-report.ts; this file holds the checks.
 */
import Ajv from "ajv";
import { spawnSync } from "child_process";
import * as fs from "fs";
import { StackSpec, resolveStackSpecs } from "../constructs/host-files";
import { selectStack } from "./command-line";
import * as os from "os";
import * as path from "path";
import {
  BACKUP_KEY_ENV_NAME,
  CONTENT_RULES,
  DEFAULT_STATE_DIR,
  ENV_VAR_NAME,
  INPUT_VARIABLES,
  RuntimeInputs,
  RuntimeLayout,
  checkWrittenFile,
  formatMode,
} from "../constructs";
import { isInsideResolved } from "../constructs/path-inside";
import { TreeFinding, verifyProblem } from "../constructs/tree-findings";
import { EnvWiring, envWiring, inspectEnvFile, nameOf, typeOf } from "./env-wiring";
import { ExpectedFile, ExpectedTree, expectedTree, sha256 } from "./expected-tree";
import { GateFacts, collectEvidence, gateFacts, renderMarkdown, verifiedLine } from "./gate-report";
import { versionText } from "./versions";

export type Verdict = "PASS" | "FAIL";

/** One managed directory as found. */
export interface DirectoryFinding {
  readonly path: string;
  /** "directory", "missing", "symbolic link", "regular file", ... */
  readonly type: string;
  readonly owner?: string;
  readonly group?: string;
  readonly mode?: string;
  /** Entries directly inside (directories only). */
  readonly entries?: number;
  /** Entries at any depth below it, directories included (subdirectories only). */
  readonly entriesBelow?: number;
  /** Non-directory files anywhere below it (subdirectories only). */
  readonly nonDirectoryFiles?: number;
  /** Root only: entries that are none of the layout's directories and files. */
  readonly unexpectedEntries?: readonly string[];
  /** What is wrong, as data (constructs/tree-findings.ts). */
  readonly findings: readonly TreeFinding[];
  /** The findings in words, each naming its path (verifyProblem). */
  readonly problems: readonly string[];
}

export interface FileFinding {
  readonly role: "config" | "readme";
  readonly path: string;
  readonly type: string;
  readonly owner?: string;
  readonly group?: string;
  readonly mode?: string;
  readonly sha256?: string;
  readonly expectedSha256: string;
  /** Config only: JSON parses and matches schema/orchestrator.config.schema.json. */
  readonly schemaValid?: boolean;
  /** Config only: places that hold (or may hold) a secret value; never the value itself. */
  readonly secretFindings?: readonly string[];
  /** What is wrong, as data (constructs/tree-findings.ts). */
  readonly findings: readonly TreeFinding[];
  /** The findings in words, each naming its path (verifyProblem). */
  readonly problems: readonly string[];
}

export interface VerifyReport {
  readonly verdict: Verdict;
  readonly host: string;
  readonly checkedAt: string;
  readonly root: string;
  readonly owner: string;
  readonly group: string;
  readonly directoryMode: string;
  readonly fileMode: string;
  readonly allowData: boolean;
  /** Env-wiring problems fail the verdict (else they are warnings). */
  readonly requireEnv: boolean;
  readonly rootDirectory: DirectoryFinding;
  readonly directories: readonly DirectoryFinding[];
  readonly directoryCount: number;
  readonly directoriesOk: number;
  readonly nonDirectoryFiles: number;
  /** Entries at any depth below the subdirectories, directories included. */
  readonly entriesBelow: number;
  readonly files: readonly FileFinding[];
  readonly envFile: string;
  /** The env file against the names the config points to; by name only. */
  readonly envWiring: EnvWiring;
  /** Every problem, each naming its path: any makes the verdict FAIL. */
  readonly problems: readonly string[];
  /** Reported, but not failing (env wiring without --require-env, missing evidence). */
  readonly warnings: readonly string[];
}

const SCHEMA_PATH = path.resolve(__dirname, "..", "..", "schema", "orchestrator.config.schema.json");
/**
 * The deployed config's findings under the written-files guard's content rules
 * (constructs/guards/content-rules.ts: the same set the guard runs at synth), without the rule text.
 */
export function configSecretFindings(p: string, content: string): string[] {
  return checkWrittenFile({ source: "verify", path: p, content }, CONTENT_RULES).map((f) => f.replace(/\. Rule: .*$/, "").replace(` ${p}: `, ": "));
}

function lstat(p: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(p);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT" || (error as NodeJS.ErrnoException).code === "ENOTDIR") return undefined;
    throw error;
  }
}

/**
 * Entries at any depth below `dir` (directories included) and how many are not
 * directories, never following links. GNU find walks relative to each directory
 * (fts), so a chain thousands of levels deep, whose full path is longer than
 * PATH_MAX, is counted instead of failing with ENAMETOOLONG.
 */
function countBelow(dir: string): { entries: number; nonDirectories: number } {
  const found = spawnSync("find", [dir, "-mindepth", "1", "-printf", "%y"], { encoding: "utf8", maxBuffer: 1024 * 1024 * 1024 });
  if (found.status !== 0) throw new Error(`cannot walk ${dir}: ${(found.stderr || found.error?.message || `find exit ${found.status}`).split("\n")[0]}`);
  const types = found.stdout;
  return { entries: types.length, nonDirectories: types.length - (types.match(/d/g)?.length ?? 0) };
}

/** A POSIX ACL (access or default) on `p`: GNU `ls -l` marks it with "+" (mode bits do not show it). */
function hasAcl(p: string): boolean {
  const r = spawnSync("ls", ["-ldn", "--", p], { encoding: "utf8" });
  return r.status === 0 && r.stdout.charAt(10) === "+";
}

function checkOwnerMode(p: string, st: fs.Stats, owner: string, group: string, mode: string, findings: TreeFinding[]) {
  const found = { owner: nameOf("passwd", st.uid), group: nameOf("group", st.gid), mode: formatMode(st.mode & 0o7777) };
  if (`${found.owner}:${found.group}` !== `${owner}:${group}`)
    findings.push({ kind: "owner", path: p, found: `${found.owner}:${found.group}`, expected: `${owner}:${group}` });
  if (found.mode !== formatMode(parseInt(mode, 8))) findings.push({ kind: "mode", path: p, found: found.mode, expected: formatMode(parseInt(mode, 8)) });
  if (hasAcl(p)) findings.push({ kind: "acl", path: p });
  return found;
}

/** A finding, and its words for the report. */
const withProblems = (findings: readonly TreeFinding[]) => ({ findings, problems: findings.map(verifyProblem) });

function inspectDirectory(p: string, expected: ExpectedTree, isRoot: boolean, allowData: boolean): DirectoryFinding {
  const st = lstat(p);
  if (!st) return { path: p, type: "missing", ...withProblems([{ kind: "missing", path: p, pathKind: "directory" }]) };
  const type = typeOf(st);
  if (type !== "directory") return { path: p, type, ...withProblems([{ kind: "type", path: p, found: type, expected: "directory" }]) };
  const findings: TreeFinding[] = [];
  const found = checkOwnerMode(p, st, expected.owner, expected.group, expected.directoryMode, findings);
  const names = fs.readdirSync(p);
  if (isRoot) {
    // The gate: the root holds the layout's directories, the config and the README, and nothing else.
    const known = new Set([...expected.layout.directories, expected.config, expected.readme].map((e) => path.posix.basename(e.path)));
    const unexpected = names.filter((n) => !known.has(n)).sort();
    if (unexpected.length > 0) {
      const shown =
        unexpected
          .slice(0, 10)
          .map((n) => JSON.stringify(n))
          .join(", ") + (unexpected.length > 10 ? `, … (${unexpected.length - 10} more)` : "");
      const text = `holds ${unexpected.length} entr${unexpected.length === 1 ? "y" : "ies"} the layout does not have: ${shown}; the gate expects only its ${expected.layout.directories.length} directories, the config and the README (move them out; destroy refuses while they are there)`;
      findings.push({ kind: "other", path: p, text });
    }
    return { path: p, type, ...found, entries: names.length, unexpectedEntries: unexpected, ...withProblems(findings) };
  }
  const below = countBelow(p);
  if (!allowData && below.entries > 0) {
    const directories = below.entries - below.nonDirectories;
    findings.push({
      kind: "other",
      path: p,
      text: `holds ${below.entries} entr${below.entries === 1 ? "y" : "ies"} at any depth (${below.nonDirectories} non-directory file(s), ${directories} director${directories === 1 ? "y" : "ies"}); the gate expects it empty (pass --allow-data once runs have written data)`,
    });
  }
  return { path: p, type, ...found, entries: names.length, entriesBelow: below.entries, nonDirectoryFiles: below.nonDirectories, ...withProblems(findings) };
}

function inspectFile(expected: ExpectedTree, file: ExpectedFile, envFile: string): { finding: FileFinding; envFacts?: ReturnType<typeof inspectEnvFile> } {
  const p = file.path;
  const base = { role: file.role, path: p, expectedSha256: file.sha256 };
  const st = lstat(p);
  if (!st) return { finding: { ...base, type: "missing", ...withProblems([{ kind: "missing", path: p, pathKind: "file" }]) } };
  const type = typeOf(st);
  if (type !== "regular file") return { finding: { ...base, type, ...withProblems([{ kind: "type", path: p, found: type, expected: "file" }]) } };
  const findings: TreeFinding[] = [];
  const found = checkOwnerMode(p, st, expected.owner, expected.group, expected.fileMode, findings);
  if (st.nlink > 1) findings.push({ kind: "hard-links", path: p, links: String(st.nlink) });
  const bytes = fs.readFileSync(p);
  const digest = sha256(bytes);
  if (digest !== file.sha256) findings.push({ kind: "content", path: p, found: digest, expected: file.sha256 });
  if (file.role !== "config") return { finding: { ...base, type, ...found, sha256: digest, ...withProblems(findings) } };

  let schemaValid = false;
  try {
    const document = JSON.parse(bytes.toString("utf8"));
    const validate = new Ajv({ allErrors: true }).compile(JSON.parse(fs.readFileSync(SCHEMA_PATH, "utf8")));
    schemaValid = validate(document) === true;
    if (!schemaValid)
      findings.push({
        kind: "other",
        path: p,
        text: `not schema-valid: ${(validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message}`).join("; ")}`,
      });
  } catch (error) {
    findings.push({ kind: "other", path: p, text: `not valid JSON (${(error as Error).message})` });
  }
  // The same rules as the written-files guard at synth, and no value of the env file in it.
  const secrets = configSecretFindings(p, bytes.toString("utf8"));
  const envFacts = inspectEnvFile(envFile, bytes);
  for (const name of envFacts.valuesInConfig) secrets.push(`the value of ${name} from ${envFile} appears in the config`);
  for (const s of secrets) findings.push({ kind: "other", path: p, text: `secret check: ${s}` });
  return { finding: { ...base, type, ...found, sha256: digest, schemaValid, secretFindings: secrets, ...withProblems(findings) }, envFacts };
}

export interface VerifyOptions {
  /** Data below the subdirectories is allowed (runs have written it). @default false */
  readonly allowData?: boolean;
  /** Env-wiring problems fail the verdict. @default false - they are warnings */
  readonly requireEnv?: boolean;
  readonly now?: Date;
  /** The layout (the bench passes generated ones). @default CUTTER_LAYOUT */
  readonly layout?: RuntimeLayout;
}

/** Stats the tree for `inputs` and returns every finding; reads only. */
export function verifyTree(inputs: RuntimeInputs, options: VerifyOptions = {}): VerifyReport {
  const expected = expectedTree(inputs, options.layout);
  const allowData = options.allowData ?? false;
  const requireEnv = options.requireEnv ?? false;
  const root = inspectDirectory(expected.layout.root, expected, true, allowData);
  const rootOk = root.type === "directory";
  const directories = expected.layout.directories.map((d): DirectoryFinding =>
    rootOk
      ? inspectDirectory(d.path, expected, false, allowData)
      : { path: d.path, type: "missing", ...withProblems([{ kind: "missing", path: d.path, pathKind: "directory" }]) },
  );
  let envFacts: ReturnType<typeof inspectEnvFile> | undefined;
  const files = [expected.config, expected.readme].map((f): FileFinding => {
    if (!rootOk)
      return { role: f.role, path: f.path, type: "missing", expectedSha256: f.sha256, ...withProblems([{ kind: "missing", path: f.path, pathKind: "file" }]) };
    const inspected = inspectFile(expected, f, inputs.envFilePath);
    envFacts = inspected.envFacts ?? envFacts;
    return inspected.finding;
  });
  // The names the config points to, from what the stack writes: DB wiring; the backup key on its own.
  const required = [...expected.config.content.matchAll(/"[a-z_]+_env": "([^"]*)"/g)]
    .map((m) => m[1])
    .filter((n) => ENV_VAR_NAME.test(n) && n !== BACKUP_KEY_ENV_NAME);
  const wiring = envWiring(envFacts ?? inspectEnvFile(inputs.envFilePath), [...new Set(required)], BACKUP_KEY_ENV_NAME, inputs.backupKeyStatus);
  const nonDirectoryFiles = directories.reduce((n, d) => n + (d.nonDirectoryFiles ?? 0), 0);
  const entriesBelow = directories.reduce((n, d) => n + (d.entriesBelow ?? 0), 0);
  const problems = [...root.problems, ...directories.flatMap((d) => d.problems), ...files.flatMap((f) => f.problems), ...(requireEnv ? wiring.problems : [])];
  const warnings = requireEnv ? [] : [...wiring.problems];
  return {
    verdict: problems.length === 0 ? "PASS" : "FAIL",
    host: os.hostname(),
    checkedAt: (options.now ?? new Date()).toISOString(),
    root: expected.layout.root,
    owner: expected.owner,
    group: expected.group,
    directoryMode: expected.directoryMode,
    fileMode: expected.fileMode,
    allowData,
    requireEnv,
    rootDirectory: root,
    directories,
    directoryCount: directories.length,
    // Layout conformance (type, owner, mode); data is counted separately below.
    directoriesOk: directories.filter((d) => d.type === "directory" && !d.problems.some((p) => /: (owner|mode) /.test(p))).length,
    nonDirectoryFiles,
    entriesBelow,
    files,
    envFile: inputs.envFilePath,
    envWiring: wiring,
    problems,
    warnings,
  };
}

const paint = (color: boolean, code: number, text: string) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);

function directoryLine(d: DirectoryFinding, width: number): string {
  const shown = (d.path + "/").padEnd(width);
  if (d.type !== "directory") return `  ${shown}  ${d.type.toUpperCase()}`;
  const drift = d.problems.some((p) => !/ at any depth /.test(p));
  const ok = drift ? "DRIFT" : d.problems.length > 0 ? "DATA" : "ok";
  const files = d.nonDirectoryFiles === undefined ? "" : `  files ${String(d.nonDirectoryFiles).padStart(3)}`;
  const below = d.entriesBelow === undefined ? "" : `  below ${String(d.entriesBelow).padStart(3)}`;
  return `  ${shown}  ${d.owner}:${d.group} ${d.mode}  entries ${String(d.entries).padStart(3)}${below}${files}  ${ok}`;
}

function fileLine(f: FileFinding): string {
  if (f.type !== "regular file") return `  ${f.role.padEnd(6)} ${f.path}  ${f.type.toUpperCase()}`;
  const parts = [`${f.owner}:${f.group} ${f.mode}`, `sha256 ${f.sha256 === f.expectedSha256 ? "matches the stack" : "DIFFERS"}`];
  if (f.role === "config") {
    parts.push(`schema ${f.schemaValid ? "valid" : "INVALID"}`);
    parts.push(`secret values ${f.secretFindings && f.secretFindings.length === 0 ? "none" : "FOUND"}`);
  }
  return `  ${f.role.padEnd(6)} ${f.path}  ${parts.join("  ")}  ${f.problems.length === 0 ? "ok" : "DRIFT"}`;
}

function envLine(r: VerifyReport): string {
  const w = r.envWiring;
  const status = w.problems.length === 0 ? "ok" : r.requireEnv ? "FAIL" : "WARN";
  const file = w.file.type === "regular file" ? `${w.file.owner}:${w.file.group} ${w.file.mode}` : w.file.type.toUpperCase();
  return `  env    ${w.file.path}  ${file}  names ${w.defined.length} of ${w.required.length} defined  ${w.backupKey.name} ${w.backupKey.defined ? "defined" : "not defined"} (flagged ${w.backupKey.status})  ${status}`;
}

/** The human verdict; colours PASS/FAIL only when `color`. */
export function renderText(r: VerifyReport, color = false): string {
  const width = Math.max(...[r.rootDirectory, ...r.directories].map((d) => d.path.length + 1));
  const lines = [
    `cutter-runtime verify: ${r.root} on ${r.host} at ${r.checkedAt}`,
    directoryLine(r.rootDirectory, width),
    ...r.directories.map((d) => directoryLine(d, width)),
    verifiedLine(r),
    ...r.files.map(fileLine),
    envLine(r),
  ];
  if (r.problems.length > 0) lines.push("Problems:", ...r.problems.map((p) => `  - ${p}`));
  if (r.warnings.length > 0) lines.push("Warnings (not failing):", ...r.warnings.map((p) => `  - WARN ${p}`));
  lines.push(r.verdict === "PASS" ? paint(color, 32, "PASS") : paint(color, 31, "FAIL"));
  return lines.join("\n") + "\n";
}

/** The tree's checks and the gate's evidence together: the report `npm run verify` gives. */
export function verifyGate(spec: StackSpec, env: NodeJS.ProcessEnv, options: VerifyOptions = {}): { report: VerifyReport; gate: GateFacts } {
  const tree = verifyTree(spec.inputs, options);
  const evidence = collectEvidence(spec, tree, env);
  const problems = [...tree.problems, ...evidence.problems];
  const report: VerifyReport = { ...tree, problems, warnings: [...tree.warnings, ...evidence.warnings], verdict: problems.length === 0 ? "PASS" : "FAIL" };
  return { report, gate: gateFacts(spec, report, evidence, env) };
}

/** Usage errors: exit 2, nothing written. */
export class UsageError extends Error {}

export interface CliOptions {
  /** With host files: the host whose tree to verify (as for plan/deploy). */
  host?: string;
  json: boolean;
  markdown?: string;
  allowData: boolean;
  /** Env-wiring problems fail the verdict. */
  requireEnv: boolean;
  /** --help / -h: print the usage and exit 0. */
  help?: boolean;
  /** --version / -V: print the versions and exit 0. */
  version?: boolean;
}

/** What `npm run verify -- --help` prints. */
export const VERIFY_HELP = `usage: npm run verify -- [host] [--json] [--markdown FILE] [--allow-data] [--require-env]
       (or: node dist/cli/verify.js ...)

verify: checks the runtime tree against the layout (owner, group, mode, content of every path)
and prints the gate report; it never writes into the tree.

host: with host files (hosts/<name>.json), the host whose tree to check; without them, none.

options:
  --json                       print the report as JSON
  --markdown FILE              also write the gate report as markdown to FILE (never inside the tree)
  --allow-data                 directories holding data pass (once runs have written data)
  --require-env                problems with the env file's wiring fail the verdict (default: reported only)
  -h, --help                   show this help
  -V, --version                show the versions of this tool, cdktf, the engine and the provider

exit codes: 0 PASS, 1 FAIL (or the tree cannot be read), 2 usage error (nothing checked)
`;

export function parseArgs(argv: readonly string[]): CliOptions {
  const options: CliOptions = { json: false, allowData: false, requireEnv: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--json") options.json = true;
    else if (a === "--allow-data") options.allowData = true;
    else if (a === "--require-env") options.requireEnv = true;
    else if (a === "--help" || a === "-h") options.help = true;
    else if (a === "--version" || a === "-V") options.version = true;
    else if (a === "--markdown") {
      const file = argv[++i];
      if (file === undefined || file.startsWith("--")) throw new UsageError("--markdown needs a file path: --markdown /path/outside/the/tree/report.md");
      options.markdown = file;
    } else if (a.startsWith("--markdown=")) options.markdown = a.slice("--markdown=".length);
    else if (!a.startsWith("-") && options.host === undefined) options.host = a;
    else
      throw new UsageError(`unknown argument ${JSON.stringify(a)}; use [host] --json, --markdown FILE, --allow-data, --require-env (npm run verify -- --help)`);
  }
  return options;
}

/** Refuses a report path inside the managed tree (also through symbolic links) or without a directory. */
export function checkReportPath(file: string, root: string): string {
  const absolute = path.resolve(file);
  if (isInsideResolved(absolute, root)) {
    throw new UsageError(
      `--markdown: ${JSON.stringify(file)} is inside the managed tree ${root}; verify never writes into the tree. Write the report outside it, e.g. --markdown /tmp/cutter-gate-report.md`,
    );
  }
  const dir = path.dirname(absolute);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new UsageError(`--markdown: ${JSON.stringify(file)}: directory ${dir} does not exist; create it or choose another path`);
  }
  return absolute;
}

export function main(argv: readonly string[], env: NodeJS.ProcessEnv, out: NodeJS.WriteStream = process.stdout): number {
  let options: CliOptions;
  let spec: StackSpec;
  try {
    options = parseArgs(argv);
    if (options.help || options.version) {
      out.write(options.help ? VERIFY_HELP : `${versionText(env)}\n`);
      return 0;
    }
    spec = selectStack(resolveStackSpecs(env), options.host);
    if (options.markdown !== undefined) options.markdown = checkReportPath(options.markdown, spec.inputs.rootPath);
  } catch (error) {
    process.stderr.write(`cutter-runtime verify: ${(error as Error).message}\n`);
    if (!(error instanceof UsageError)) process.stderr.write(`Inputs: ${Object.keys(INPUT_VARIABLES).join(", ")} (state default dir ${DEFAULT_STATE_DIR})\n`);
    return 2;
  }
  let verified: ReturnType<typeof verifyGate>;
  try {
    verified = verifyGate(spec, env, { allowData: options.allowData, requireEnv: options.requireEnv });
  } catch (error) {
    // A tree that cannot be read is no PASS; say why in one line (never a stack trace).
    process.stderr.write(`cutter-runtime verify: FAIL: cannot check ${spec.inputs.rootPath}: ${(error as Error).message.split("\n")[0]}\n`);
    return 1;
  }
  const { report, gate } = verified;
  if (options.json) out.write(JSON.stringify({ ...report, gate }, null, 2) + "\n");
  else out.write(renderText(report, out.isTTY === true && !env.NO_COLOR));
  if (options.markdown !== undefined) {
    fs.writeFileSync(options.markdown, renderMarkdown(gate));
    if (!options.json) out.write(`report written to ${options.markdown}\n`);
  }
  return report.verdict === "PASS" ? 0 : 1;
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2), process.env);
}
