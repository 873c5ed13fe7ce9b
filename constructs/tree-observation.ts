import { DataLocalCommand } from "./local-provider";
import { TerraformStack } from "./cdk";
import { Construct } from "constructs";
import * as path from "path";
import { OwnershipRecord, recordKey } from "./ownership-record";
import { scriptCommand } from "./shell";
import { TreeFinding, findingText } from "./tree-findings";
import { PathKind, Problems, absolutePathRule, parseMode, posixNameRule } from "./validation";

/** What one managed path should be, as the stack writes it. */
export interface ExpectedPath {
  /** Absolute, normalised path. */
  readonly path: string;
  readonly kind: PathKind;
  readonly owner: string;
  readonly group: string;
  /** Octal mode, e.g. "0750". */
  readonly mode: string;
  /** sha256 (hex) of the content the stack writes; files only. @default - content is not compared */
  readonly contentSha256?: string;
}

export interface TreeObservationProps {
  /** Every managed path, each once. */
  readonly paths: readonly ExpectedPath[];
  /**
   * The ownership records: a missing path they name was removed behind the stack's back
   * (drift, warned about); one they do not name was never created (a first deploy: no warning).
   * @default - no records: every missing path is drift
   */
  readonly ownership?: OwnershipRecord;
}

/**
 * The real state of every managed path, read at plan time, and per path a text of
 * what differs from the stack ("" when in sync).
 *
 * One `local_command` (exec'd, no shell parsing of values) runs scripts/observe.sh: it stops
 * the plan, deploy or destroy before anything is written or removed if a managed
 * path is (or goes through) a symbolic link — what keeps the provider from
 * re-writing a config file through a link swapped in after the first deploy — or if
 * anything but a regular file is where a file belongs (a FIFO would block any read),
 * and prints type/owner/group/mode/link count of every path, which paths carry a
 * POSIX ACL, and the content hash of the files.
 * Nothing depends on a resource, so the read happens during plan (on the very first
 * plan every path is "missing", which is true).
 *
 * The drift texts are Terraform locals (expressions over the observation), so
 * they never reach state: see `repairExpression` for how a resource reacts to them.
 */
export class TreeObservation extends Construct {
  public readonly paths: readonly ExpectedPath[];
  /** The one plan-time read (scripts/observe.sh). */
  public readonly command: DataLocalCommand;
  /**
   * Name of the Terraform local holding each path's drift text. One local per path,
   * not one map: the engine traces every reference of a changed resource through the
   * locals it reads, and references into one big map cost time quadratic in the paths.
   */
  public readonly driftLocalNames: ReadonlyMap<string, string>;
  /** Per file: the Terraform local that is "" unless the file is missing or its content differs. */
  private readonly contentLocalNames: Map<string, string>;
  /** HCL of the list of paths the ownership records name. */
  private readonly recordedLocal: string;

  constructor(scope: Construct, id: string, props: TreeObservationProps) {
    super(scope, id);
    const problems = new Problems();
    const seen = new Set<string>();
    props.paths.forEach((p, i) => {
      const label = `paths[${i}]`;
      const pathProblem = absolutePathRule(p.path);
      if (pathProblem) problems.add(`${label}.path`, p.path, pathProblem);
      if (seen.has(p.path)) problems.add(`${label}.path`, p.path, "is listed twice; observe each path once");
      seen.add(p.path);
      for (const key of ["owner", "group"] as const) {
        const problem = posixNameRule(p[key]);
        if (problem) problems.add(`${label}.${key}`, p[key], problem);
      }
      if (parseMode(p.mode) === undefined) problems.add(`${label}.mode`, p.mode, 'must be an octal mode of 3 or 4 digits, e.g. "0750"');
      if (p.contentSha256 !== undefined && (p.kind !== PathKind.FILE || !/^[0-9a-f]{64}$/.test(p.contentSha256))) {
        problems.add(`${label}.contentSha256`, p.contentSha256, "must be 64 lowercase hex digits, and only for a file");
      }
    });
    if (props.paths.length === 0) problems.add("paths", [], "must list at least one path");
    problems.throwIfAny(`TreeObservation ${this.node.path}`);
    this.paths = props.paths;

    const stack = TerraformStack.of(this);
    const prefix = this.node.path
      .split("/")
      .slice(1)
      .join("_")
      .replace(/[^A-Za-z0-9_]/g, "_");
    this.driftLocalNames = new Map(this.paths.map((p, i) => [p.path, `${prefix}_drift_${i}`]));

    const parents = [...new Set(this.paths.map((p) => path.posix.dirname(p.path)))];
    const hashed = this.paths.filter((p) => p.contentSha256 !== undefined).map((p) => p.path);
    const records = props.ownership ? ["--", props.ownership.directory, ...this.paths.map((p) => recordKey(p.path))] : [];
    this.command = new DataLocalCommand(
      this,
      "Observe",
      scriptCommand("observe", [...this.paths.map((p) => p.path), "--", ...parents, "--", ...hashed, ...records]),
    );

    // stdout is null, not "", when the command prints nothing (every path missing).
    const stdout = `data.local_command.${stack.getLogicalId(this.command)}.stdout`;
    const lines = `compact(split("\\n", ${stdout} == null ? "" : ${stdout}))`;
    const statLocal = `${prefix}_stat`;
    const hashLocal = `${prefix}_sha256`;
    const aclLocal = `${prefix}_acl`;
    const recordedLocal = `${prefix}_recorded`;
    this.recordedLocal = `local.${recordedLocal}`;
    const locals: Record<string, string | Record<string, string>> = {
      // "S|path|type|owner|group|mode|links" -> path => [path, type, owner, group, mode, links];
      // paths are validated, so never hold "|" or a newline.
      [statLocal]: `\${{ for line in ${lines} : split("|", line)[1] => slice(split("|", line), 1, 7) if startswith(line, "S|") }}`,
      // "A|path" per path that carries a POSIX ACL.
      [aclLocal]: `\${[ for line in ${lines} : substr(line, 2, -1) if startswith(line, "A|") ]}`,
      // "R|path" per path the ownership records name.
      [recordedLocal]: `\${[ for line in ${lines} : substr(line, 2, -1) if startswith(line, "R|") ]}`,
      // "<64 hex>  <path>" per readable file.
      [hashLocal]: `\${{ for line in ${lines} : substr(line, 66, -1) => substr(line, 0, 64) if !startswith(line, "S|") && !startswith(line, "A|") && !startswith(line, "R|") }}`,
    };
    this.contentLocalNames = new Map();
    const managed = new Set(this.paths.map((p) => p.path));
    for (const p of this.paths) {
      const locals_ = { stat: `local.${statLocal}`, hash: `local.${hashLocal}`, acl: `local.${aclLocal}` };
      // A path whose parent the stack does not manage (the root): a missing one would inherit that parent's default ACL.
      const foreignParent = managed.has(path.posix.dirname(p.path)) ? undefined : path.posix.dirname(p.path);
      locals[this.driftLocalNames.get(p.path)!] = `\${${driftExpression(p, locals_, foreignParent)}}`;
      if (p.contentSha256 !== undefined) {
        const name = `${this.driftLocalNames.get(p.path)!}_content`;
        this.contentLocalNames.set(p.path, name);
        locals[name] = `\${${contentDriftExpression(p, locals_)}}`;
      }
    }
    for (const [name, value] of Object.entries(locals)) stack.addOverride(`locals.${name}`, value);
  }

  /**
   * HCL (no `${}`) that is true unless `path` drifted: in sync, or missing without ever
   * having been created by the stack (no ownership record: a first deploy, or after a
   * complete destroy), which is no news. A missing path the records name is drift, and so
   * is one with a hazard to tell (a parent whose POSIX ACL the new directory would inherit).
   */
  public inSyncCondition(managedPath: string): string {
    const drift = this.driftReference(managedPath);
    const missingText = (pathKind: "directory" | "file") => findingText({ kind: "missing", path: managedPath, pathKind }, "plan");
    const plainMissing = `(${drift} == "${missingText("directory")}" || ${drift} == "${missingText("file")}")`;
    return `${drift} == "" || (${plainMissing} && !contains(${this.recordedLocal}, ${JSON.stringify(managedPath)}))`;
  }

  /** HCL (no `${}`) of the drift text of `path`: "" when it is as the stack writes it. */
  public driftReference(managedPath: string): string {
    const name = this.driftLocalNames.get(managedPath);
    if (name === undefined) throw new Error(`internal: ${managedPath} is not observed by ${this.node.path}`);
    return `local.${name}`;
  }

  /**
   * A `triggers_replace` value for the resource that repairs `path`.
   *
   * In sync: the known constant `inSync` (what the path should be, e.g. "root:root 0750",
   * which is what the plan shows next to it), equal to what state holds, so nothing
   * is planned. Drifted: unknown at plan (`timestamp()` is only known at apply),
   * so the resource is replaced and its create-time command repairs the path; at
   * apply the value resolves to `inSync` again, which is what state stores. The
   * plan after the repair observes no drift, computes `inSync` and plans nothing:
   * one deploy converges. (Storing an observed value instead would make the next
   * plan differ again.)
   */
  public repairExpression(managedPath: string, inSync: string): string {
    return `\${${this.driftReference(managedPath)} == "" ? ${JSON.stringify(inSync)} : (timestamp() == "" ? "never" : ${JSON.stringify(inSync)})}`;
  }

  /**
   * Like repairExpression, for a file's write guard: `inSync` (known) unless the file
   * is missing or its content differs — exactly when the provider's refresh drops the
   * file from state and the apply writes it again — and then unknown until apply, so
   * the guard runs right before that write.
   */
  public rewriteExpression(managedPath: string, inSync: string): string {
    const name = this.contentLocalNames.get(managedPath);
    if (name === undefined) throw new Error(`internal: ${managedPath} is not an observed file with content`);
    return `\${local.${name} == "" ? "${inSync}" : (timestamp() == "" ? "never" : "${inSync}")}`;
  }
}

/** Octal text as `stat %a` prints it: no leading zeros ("750", "2750"). */
export function statMode(mode: string): string {
  const value = parseMode(mode);
  if (value === undefined) throw new Error(`internal: bad mode ${mode}`);
  return value.toString(8);
}

interface ObservationLocals {
  readonly stat: string;
  readonly hash: string;
  readonly acl: string;
}

/** HCL that is "" unless the file is missing or its content is not `p.contentSha256`. */
function contentDriftExpression(p: ExpectedPath, locals: ObservationLocals): string {
  const key = JSON.stringify(p.path);
  return `!contains(keys(${locals.stat}), ${key}) ? "missing" : lookup(${locals.hash}, ${key}, "unreadable") == "${p.contentSha256}" ? "" : "content"`;
}

/** HCL building the drift text of one path from the observation locals. */
function driftExpression(p: ExpectedPath, locals: ObservationLocals, foreignParent?: string): string {
  const { stat: statLocal, hash: hashLocal, acl: aclLocal } = locals;
  const key = JSON.stringify(p.path);
  const field = (i: number) => `${statLocal}[${key}][${i}]`;
  const wantOwner = `${p.owner}:${p.group}`;
  const wantMode = statMode(p.mode);
  const shownMode = `length(${field(4)}) < 4 ? "0\${${field(4)}}" : ${field(4)}`;
  const isRightType = p.kind === PathKind.DIRECTORY ? `${field(1)} == "directory"` : `startswith(${field(1)}, "regular")`;
  // The words come from constructs/tree-findings.ts, with HCL interpolations as the found values.
  const path = p.path;
  const text = (f: TreeFinding) => findingText(f, "plan");
  const details = [
    `"\${${field(2)}}:\${${field(3)}}" == "${wantOwner}" ? "" : "${text({ kind: "owner", path, found: `\${${field(2)}}:\${${field(3)}}`, expected: wantOwner })}"`,
    `${field(4)} == "${wantMode}" ? "" : "${text({ kind: "mode", path, found: `\${${shownMode}}`, expected: p.mode })}"`,
    `!contains(${aclLocal}, ${key}) ? "" : "${text({ kind: "acl", path })}"`,
  ];
  if (p.kind === PathKind.FILE) {
    details.push(`${field(5)} == "1" ? "" : "${text({ kind: "hard-links", path, links: `\${${field(5)}}` })}"`);
  }
  if (p.contentSha256 !== undefined) {
    const hash = `lookup(${hashLocal}, ${key}, "unreadable")`;
    details.push(`${hash} == "${p.contentSha256}" ? "" : "${text({ kind: "content", path, found: `\${${hash}}`, expected: p.contentSha256 })}"`);
  }
  const pathKind = p.kind === PathKind.DIRECTORY ? "directory" : "file";
  const missing = text({ kind: "missing", path, pathKind });
  const missingText =
    foreignParent === undefined || p.kind !== PathKind.DIRECTORY
      ? `"${missing}"`
      : `contains(${aclLocal}, ${JSON.stringify(foreignParent)}) ? "${text({ kind: "missing", path, pathKind, aclParent: foreignParent })}" : "${missing}"`;
  return [
    `!contains(keys(${statLocal}), ${key}) ? (${missingText})`,
    `: !(${isRightType}) ? "${text({ kind: "type", path, found: `\${${field(1)}}`, expected: pathKind })}"`,
    `: join("; ", compact([${details.map((d) => `(${d})`).join(", ")}]))`,
  ].join(" ");
}
