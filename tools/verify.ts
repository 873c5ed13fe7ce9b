/**
 * `npm run verify`: stats the runtime tree against the layout and prints a verdict
 * in the style of the original gate report; exit 0 only on PASS.
 *
 *   npm run verify [-- --json] [-- --markdown FILE] [-- --allow-data]
 *
 * Inputs are the stack's own environment variables (CUTTER_RUNTIME_ROOT, ...), read
 * and validated by the same function. Expected contents are recomputed from the
 * same builders the constructs use. Nothing in the tree is ever written: the
 * markdown report goes only where the operator points, and never into the tree.
 */
import Ajv from "ajv";
import { spawnSync } from "child_process";
import * as fs from "fs";
import { resolveStackSpecs } from "../constructs/host-files";
import { selectStack } from "./command-line";
import * as os from "os";
import * as path from "path";
import { CUTTER_LAYOUT, DEFAULT_ENV_FILE, DEFAULT_STATE_DIR, INPUT_VARIABLES, RuntimeInputs, RuntimeLayout, defaultStatePath, formatMode, renderLayoutTree } from "../constructs";
import { ExpectedFile, ExpectedTree, expectedTree, isInside, sha256 } from "./expected-tree";

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
  /** Non-directory files anywhere below it (directories only; the root's own files excluded). */
  readonly nonDirectoryFiles?: number;
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
  readonly rootDirectory: DirectoryFinding;
  readonly directories: readonly DirectoryFinding[];
  readonly directoryCount: number;
  readonly directoriesOk: number;
  readonly nonDirectoryFiles: number;
  readonly files: readonly FileFinding[];
  readonly envFile: string;
  /** Every problem, each naming its path. */
  readonly problems: readonly string[];
}

const SCHEMA_PATH = path.resolve(__dirname, "..", "..", "schema", "orchestrator.config.schema.json");

function typeOf(st: fs.Stats): string {
  if (st.isSymbolicLink()) return "symbolic link";
  if (st.isDirectory()) return "directory";
  if (st.isFile()) return "regular file";
  if (st.isFIFO()) return "fifo";
  if (st.isSocket()) return "socket";
  return "special file";
}

function lstat(p: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(p);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT" || (error as NodeJS.ErrnoException).code === "ENOTDIR") return undefined;
    throw error;
  }
}

const names = new Map<string, string>();

/** Name of a uid/gid on this host through NSS (`getent`, so LDAP users too), or the number. */
function nameOf(kind: "passwd" | "group", id: number): string {
  const key = `${kind}:${id}`;
  const cached = names.get(key);
  if (cached !== undefined) return cached;
  const r = spawnSync("getent", [kind, String(id)], { encoding: "utf8" });
  const name = r.status === 0 && r.stdout.includes(":") ? r.stdout.split(":")[0] : String(id);
  names.set(key, name);
  return name;
}

/**
 * Non-directory entries anywhere below `dir`, never following links. GNU find walks
 * relative to each directory (fts), so a chain thousands of levels deep, whose full
 * path is longer than PATH_MAX, is counted instead of failing with ENAMETOOLONG.
 */
function countNonDirectories(dir: string): number {
  const found = spawnSync("find", [dir, "-mindepth", "1", "!", "-type", "d", "-printf", "."], { encoding: "utf8", maxBuffer: 1024 * 1024 * 1024 });
  if (found.status !== 0) throw new Error(`cannot walk ${dir}: ${(found.stderr || found.error?.message || `find exit ${found.status}`).split("\n")[0]}`);
  return found.stdout.length;
}

function checkOwnerMode(p: string, st: fs.Stats, owner: string, group: string, mode: string, problems: string[]) {
  const found = { owner: nameOf("passwd", st.uid), group: nameOf("group", st.gid), mode: formatMode(st.mode & 0o7777) };
  if (`${found.owner}:${found.group}` !== `${owner}:${group}`) problems.push(`${p}: owner ${found.owner}:${found.group}, expected ${owner}:${group}`);
  if (found.mode !== formatMode(parseInt(mode, 8))) problems.push(`${p}: mode ${found.mode}, expected ${formatMode(parseInt(mode, 8))}`);
  return found;
}

function inspectDirectory(p: string, expected: ExpectedTree, isRoot: boolean): DirectoryFinding {
  const st = lstat(p);
  if (!st) return { path: p, type: "missing", problems: [`${p}: missing (\`cdktf deploy\` re-creates it)`] };
  const type = typeOf(st);
  if (type !== "directory") return { path: p, type, problems: [`${p}: is a ${type}, expected a directory`] };
  const problems: string[] = [];
  const found = checkOwnerMode(p, st, expected.owner, expected.group, expected.directoryMode, problems);
  const entries = fs.readdirSync(p).length;
  // The root's own entries are the managed directories and files; its data is counted per directory.
  const nonDirectoryFiles = isRoot ? undefined : countNonDirectories(p);
  return { path: p, type, ...found, entries, nonDirectoryFiles, problems };
}

const SECRET_KEY = /pass(word|wd)?|secret|token|api[_-]?key|private|credential_value|fpr$/i;
const ENV_NAME = /^[A-Z][A-Z0-9_]*$/;

/**
 * Where the config holds, or may hold, a secret value. Never returns a value.
 * Rules: no `execution_enabled` anywhere; a key that names a secret must end in
 * `_env` and hold an environment-variable NAME; and when the env file is readable,
 * none of its values (6+ characters) may appear anywhere in the config.
 */
export function secretFindings(configText: string, document: unknown, envFile: string): string[] {
  const findings: string[] = [];
  const walk = (value: unknown, at: string) => {
    if (value && typeof value === "object") {
      for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
        const here = at ? `${at}.${key}` : key;
        if (/execution_enabled/i.test(key)) findings.push(`${here}: the execution switch must not be configurable here`);
        if (SECRET_KEY.test(key) && !(key.endsWith("_env") && typeof child === "string" && ENV_NAME.test(child))) {
          findings.push(`${here}: names a secret but is not an environment-variable NAME in a *_env key`);
        }
        walk(child, here);
      }
    }
  };
  walk(document, "");
  // Unparseable config: the switch is still searched for in the text.
  if (document === undefined && /execution_enabled/i.test(configText)) findings.push("execution_enabled: the execution switch must not be configurable here");
  let envText: string | undefined;
  try {
    envText = fs.readFileSync(envFile, "utf8");
  } catch {
    envText = undefined;
  }
  if (envText !== undefined) {
    for (const line of envText.split("\n")) {
      const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
      if (!m) continue;
      const value = m[2].trim().replace(/^(['"])(.*)\1$/, "$2");
      if (value.length >= 6 && configText.includes(value)) findings.push(`the value of ${m[1]} from ${envFile} appears in the config`);
    }
  }
  return findings;
}

function inspectFile(expected: ExpectedTree, file: ExpectedFile): FileFinding {
  const p = file.path;
  const base = { role: file.role, path: p, expectedSha256: file.sha256 };
  const st = lstat(p);
  if (!st) return { ...base, type: "missing", problems: [`${p}: missing (\`cdktf deploy\` writes it)`] };
  const type = typeOf(st);
  if (type !== "regular file") return { ...base, type, problems: [`${p}: is a ${type}, expected a regular file`] };
  const problems: string[] = [];
  const found = checkOwnerMode(p, st, expected.owner, expected.group, expected.fileMode, problems);
  const bytes = fs.readFileSync(p);
  const digest = sha256(bytes);
  if (digest !== file.sha256) problems.push(`${p}: content sha256 ${digest}, expected ${file.sha256} (what the stack writes)`);
  if (file.role !== "config") return { ...base, type, ...found, sha256: digest, problems };

  let document: unknown;
  let schemaValid = false;
  try {
    document = JSON.parse(bytes.toString("utf8"));
    const validate = new Ajv({ allErrors: true }).compile(JSON.parse(fs.readFileSync(SCHEMA_PATH, "utf8")));
    schemaValid = validate(document) === true;
    if (!schemaValid) problems.push(`${p}: not schema-valid: ${(validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message}`).join("; ")}`);
  } catch (error) {
    problems.push(`${p}: not valid JSON (${(error as Error).message})`);
  }
  const secrets = secretFindings(bytes.toString("utf8"), document, expected.inputs.envFilePath);
  for (const s of secrets) problems.push(`${p}: secret check: ${s}`);
  return { ...base, type, ...found, sha256: digest, schemaValid, secretFindings: secrets, problems };
}

/** Stats the tree for `inputs` and returns every finding; reads only. */
export function verifyTree(inputs: RuntimeInputs, options: { allowData?: boolean; now?: Date; layout?: RuntimeLayout } = {}): VerifyReport {
  const expected = expectedTree(inputs, options.layout);
  const allowData = options.allowData ?? false;
  const root = inspectDirectory(expected.layout.root, expected, true);
  const rootOk = root.type === "directory";
  const directories = expected.layout.directories.map((d): DirectoryFinding => {
    if (!rootOk) return { path: d.path, type: "missing", problems: [`${d.path}: missing (\`cdktf deploy\` re-creates it)`] };
    const found = inspectDirectory(d.path, expected, false);
    const files = found.nonDirectoryFiles ?? 0;
    if (allowData || files === 0) return found;
    return { ...found, problems: [...found.problems, `${d.path}: holds ${files} non-directory file(s); the gate expects none (pass --allow-data once runs have written data)`] };
  });
  const files = [expected.config, expected.readme].map((f) =>
    rootOk ? inspectFile(expected, f) : { role: f.role, path: f.path, type: "missing", expectedSha256: f.sha256, problems: [`${f.path}: missing (\`cdktf deploy\` writes it)`] },
  );
  const nonDirectoryFiles = directories.reduce((n, d) => n + (d.nonDirectoryFiles ?? 0), 0);
  const problems = [...root.problems, ...directories.flatMap((d) => d.problems), ...files.flatMap((f) => f.problems)];
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
    rootDirectory: root,
    directories,
    directoryCount: directories.length,
    // Layout conformance (type, owner, mode); data is counted separately below.
    directoriesOk: directories.filter((d) => d.type === "directory" && !d.problems.some((p) => /: (owner|mode) /.test(p))).length,
    nonDirectoryFiles,
    files,
    envFile: inputs.envFilePath,
    problems,
  };
}

const paint = (color: boolean, code: number, text: string) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);

function directoryLine(d: DirectoryFinding, width: number): string {
  const shown = (d.path + "/").padEnd(width);
  if (d.type !== "directory") return `  ${shown}  ${d.type.toUpperCase()}`;
  const drift = d.problems.some((p) => !/non-directory file/.test(p));
  const ok = drift ? "DRIFT" : d.problems.length > 0 ? "DATA" : "ok";
  const files = d.nonDirectoryFiles === undefined ? "" : `  files ${String(d.nonDirectoryFiles).padStart(3)}`;
  return `  ${shown}  ${d.owner}:${d.group} ${d.mode}  entries ${String(d.entries).padStart(3)}${files}  ${ok}`;
}

/** The summary line of the original gate, true to what was found. */
function verifiedLine(r: VerifyReport): string {
  const all = r.directoriesOk === r.directoryCount;
  const head = all ? `Verified: ${r.directoryCount} directories, all ${r.owner}:${r.group} ${r.directoryMode}` : `Found: ${r.directoriesOk} of ${r.directoryCount} directories ${r.owner}:${r.group} ${r.directoryMode}`;
  return `${head}, ${r.nonDirectoryFiles} non-directory files.`;
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

/** The human verdict; colours PASS/FAIL only when `color`. */
export function renderText(r: VerifyReport, color = false): string {
  const width = Math.max(...[r.rootDirectory, ...r.directories].map((d) => d.path.length + 1));
  const lines = [
    `cutter-runtime verify: ${r.root} on ${r.host} at ${r.checkedAt}`,
    directoryLine(r.rootDirectory, width),
    ...r.directories.map((d) => directoryLine(d, width)),
    verifiedLine(r),
    ...r.files.map(fileLine),
  ];
  if (r.problems.length > 0) lines.push("Problems:", ...r.problems.map((p) => `  - ${p}`));
  lines.push(r.verdict === "PASS" ? paint(color, 32, "PASS") : paint(color, 31, "FAIL"));
  return lines.join("\n") + "\n";
}

/** Environment assignments an operator needs to address this tree again (non-defaults only). */
function inputsLine(inputs: RuntimeInputs): string {
  const parts: string[] = [];
  const chosen: [string, string, string][] = [
    ["CUTTER_RUNTIME_ROOT", inputs.rootPath, CUTTER_LAYOUT.defaultRoot],
    ["CUTTER_OWNER", inputs.owner, CUTTER_LAYOUT.defaultOwner],
    ["CUTTER_GROUP", inputs.group, CUTTER_LAYOUT.defaultGroup],
    ["CUTTER_ENV_FILE", inputs.envFilePath, DEFAULT_ENV_FILE],
  ];
  for (const [name, value, fallback] of chosen) if (value !== fallback) parts.push(`${name}=${value}`);
  if (inputs.statePath !== defaultStatePath(inputs.rootPath)) parts.push(`CUTTER_STATE_PATH=${inputs.statePath}`);
  return parts.join(" ");
}

/** A markdown report with the sections of the original gate report. */
export function renderMarkdown(r: VerifyReport, inputs: RuntimeInputs): string {
  const expected = expectedTree(inputs);
  const l = expected.layout;
  const names = l.directories.map((d) => path.posix.basename(d.path)).join(",");
  const env = inputsLine(inputs);
  const config = r.files.find((f) => f.role === "config");
  const secretsOk = config !== undefined && config.type === "regular file" && (config.secretFindings ?? []).length === 0;
  const document = JSON.parse(expected.config.content);
  const envNames: string[] = [];
  const collect = (v: unknown) => {
    if (v && typeof v === "object") for (const [k, c] of Object.entries(v as Record<string, unknown>)) k.endsWith("_env") && typeof c === "string" ? envNames.push(c) : collect(c);
  };
  collect(document);
  const dataNote =
    r.nonDirectoryFiles === 0
      ? "the tree holds no data: this is a clean, complete rollback until the first run writes a run sidecar."
      : `the tree holds ${r.nonDirectoryFiles} data file(s): destroy stops at every directory that holds data and removes none of it.`;
  const fence = "```";
  return [
    `# cutter runtime tree: gate report`,
    "",
    `- host: ${r.host}`,
    `- checked_at_utc: ${r.checkedAt}`,
    `- runtime_root: ${r.root}`,
    `- result: ${r.verdict}`,
    "",
    "## 1. Survey",
    "",
    "As found by `npm run verify` (lstat of every managed path; nothing written):",
    "",
    fence,
    ...renderText(r).trimEnd().split("\n").slice(1, -1),
    fence,
    "",
    "## 2. Changes applied",
    "",
    `Created with \`install -d -o ${r.owner} -g ${r.group} -m ${r.directoryMode}\` by \`cdktf deploy\` (from constructs/layout.ts):`,
    "",
    fence,
    renderLayoutTree(l, r.owner, r.group),
    fence,
    "",
    verifiedLine(r),
    "",
    "## 3. Non-sensitive config",
    "",
    `- \`${l.configPath}\` ${r.owner}:${r.group} ${r.fileMode}: sha256 ${config?.sha256 === expected.config.sha256 ? "matches what the stack writes" : "DIFFERS from what the stack writes"}, schema ${config?.schemaValid ? "valid" : "INVALID"}, secret values ${secretsOk ? "none" : "FOUND or not checked"}`,
    `- \`${l.readmePath}\` ${r.owner}:${r.group} ${r.fileMode}`,
    `- Every credential is the NAME of an environment variable, resolved at runtime from \`${r.envFile}\`: ${envNames.map((n) => `\`${n}\``).join(", ")}.`,
    `- runtime_root \`${l.root}\`, sidecar_root \`${l.sidecarRoot}\`, backup directory \`${l.backupPath}\` (${document.backup.provisioning}).`,
    "- The execution switch is not configurable here: it is a source constant of the orchestrator.",
    "",
    "## 4. Exact changes and rollback",
    "",
    fence,
    `created_dirs: ${l.root} + {${names}}`,
    `created_files: ${l.configPath} (non-sensitive)`,
    `               ${l.readmePath}`,
    `secrets_written: ${secretsOk ? "NONE" : "UNVERIFIED (see verdict)"}`,
    "db_touched: NONE",
    "service_touched: NONE",
    `rollback: ${env ? `${env} ` : ""}npm run destroy`,
    fence,
    "",
    `Rollback note: ${dataNote}`,
    "",
    "## 5. Verdict",
    "",
    fence,
    `runtime_dirs: ${r.directoriesOk === r.directoryCount && r.rootDirectory.problems.length === 0 ? "OK" : "FAIL"} (${verifiedLine(r)})`,
    `config: ${config && config.problems.length === 0 ? "OK" : "FAIL"}`,
    `readme: ${r.files.find((f) => f.role === "readme")?.problems.length === 0 ? "OK" : "FAIL"}`,
    "mutation_class: filesystem-only, reversible (npm run destroy)",
    `secrets: ${secretsOk ? "none written" : "UNVERIFIED"}`,
    `verdict: ${r.verdict}`,
    fence,
    ...(r.problems.length > 0 ? ["", "Problems:", "", ...r.problems.map((p) => `- ${p}`)] : []),
    "",
  ].join("\n");
}

/** Usage errors: exit 2, nothing written. */
export class UsageError extends Error {}

export interface CliOptions {
  /** With host files: the host whose tree to verify (as for plan/deploy). */
  host?: string;
  json: boolean;
  markdown?: string;
  allowData: boolean;
}

export function parseArgs(argv: readonly string[]): CliOptions {
  const options: CliOptions = { json: false, allowData: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--json") options.json = true;
    else if (a === "--allow-data") options.allowData = true;
    else if (a === "--markdown") {
      const file = argv[++i];
      if (file === undefined || file.startsWith("--")) throw new UsageError("--markdown needs a file path: --markdown /path/outside/the/tree/report.md");
      options.markdown = file;
    } else if (a.startsWith("--markdown=")) options.markdown = a.slice("--markdown=".length);
    else if (!a.startsWith("-") && options.host === undefined) options.host = a;
    else throw new UsageError(`unknown argument ${JSON.stringify(a)}; use [host] --json, --markdown FILE, --allow-data`);
  }
  return options;
}

/** The real path of `p`, resolving the deepest existing ancestor (p itself may not exist yet). */
function realish(p: string): string {
  const missing: string[] = [];
  let at = path.resolve(p);
  for (;;) {
    try {
      return path.join(fs.realpathSync(at), ...missing.reverse());
    } catch {
      const parent = path.dirname(at);
      if (parent === at) return path.resolve(p);
      missing.push(path.basename(at));
      at = parent;
    }
  }
}

/** Refuses a report path inside the managed tree (also through symbolic links) or without a directory. */
export function checkReportPath(file: string, root: string): string {
  const absolute = path.resolve(file);
  if (isInside(absolute, root) || isInside(realish(absolute), realish(root))) {
    throw new UsageError(`--markdown: ${JSON.stringify(file)} is inside the managed tree ${root}; verify never writes into the tree. Write the report outside it, e.g. --markdown /tmp/cutter-gate-report.md`);
  }
  const dir = path.dirname(absolute);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new UsageError(`--markdown: ${JSON.stringify(file)}: directory ${dir} does not exist; create it or choose another path`);
  }
  return absolute;
}

export function main(argv: readonly string[], env: NodeJS.ProcessEnv, out: NodeJS.WriteStream = process.stdout): number {
  let options: CliOptions;
  let inputs: RuntimeInputs;
  try {
    options = parseArgs(argv);
    inputs = selectStack(resolveStackSpecs(env), options.host).inputs;
    if (options.markdown !== undefined) options.markdown = checkReportPath(options.markdown, inputs.rootPath);
  } catch (error) {
    process.stderr.write(`cutter-runtime verify: ${(error as Error).message}\n`);
    if (!(error instanceof UsageError)) process.stderr.write(`Inputs: ${Object.keys(INPUT_VARIABLES).join(", ")} (state default dir ${DEFAULT_STATE_DIR})\n`);
    return 2;
  }
  let report: VerifyReport;
  try {
    report = verifyTree(inputs, { allowData: options.allowData });
  } catch (error) {
    // A tree that cannot be read is no PASS; say why in one line (never a stack trace).
    process.stderr.write(`cutter-runtime verify: FAIL: cannot check ${inputs.rootPath}: ${(error as Error).message.split("\n")[0]}\n`);
    return 1;
  }
  if (options.json) out.write(JSON.stringify(report, null, 2) + "\n");
  else out.write(renderText(report, out.isTTY === true && !env.NO_COLOR));
  if (options.markdown !== undefined) {
    fs.writeFileSync(options.markdown, renderMarkdown(report, inputs));
    if (!options.json) out.write(`report written to ${options.markdown}\n`);
  }
  return report.verdict === "PASS" ? 0 : 1;
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2), process.env);
}
