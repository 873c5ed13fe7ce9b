import { DataResource, ITerraformDependable, Lazy } from "./cdk";
import { Construct } from "constructs";
import { CUTTER_LAYOUT } from "./layout";
import { scriptProvisioner } from "./shell";
import { roleInput } from "./resource-role";
import { PathKind, Problems, absolutePathRule, modeCeilingRule, posixNameRule } from "./validation";

/**
 * What every step that writes in the tree says about the rest of the host, in the plan
 * (cli/plan-summary.ts says the same in its `secrets/DB/services touched` line).
 */
export const REVIEW_SCOPE = "nothing removed; no secret, database or service is touched";

/**
 * Owner, group and mode of a managed path: the props every construct that sets them
 * extends (each states its own default mode).
 */
export interface PermissionProps {
  /** User name. @default "root" */
  readonly owner?: string;
  /** Group name. @default "root" */
  readonly group?: string;
  /** Octal mode, at most 0750 for directories and 0640 for files (MODE_CEILING). @default - the construct's */
  readonly mode?: string;
}

/** A managed path and the owner, group and mode it must have. */
export interface PathPermissions extends PermissionProps {
  /** Absolute, normalised path. */
  readonly path: string;
  readonly kind: PathKind;
  /** Octal mode, at most 0750 for directories and 0640 for files (MODE_CEILING). */
  readonly mode: string;
}

/** Adds to `problems` every rule that path, owner, group and mode break. */
export function checkPermissions(props: PathPermissions, problems: Problems): void {
  const pathProblem = absolutePathRule(props.path);
  if (pathProblem) problems.add("path", props.path, pathProblem);
  checkOwnerAndMode(props, problems);
}

/** Adds to `problems` every rule that owner, group and mode break (`mode` against the kind's ceiling). */
export function checkOwnerAndMode(props: Omit<PathPermissions, "path">, problems: Problems): void {
  if (props.owner !== undefined) {
    const ownerProblem = posixNameRule(props.owner);
    if (ownerProblem) problems.add("owner", props.owner, ownerProblem);
  }
  if (props.group !== undefined) {
    const groupProblem = posixNameRule(props.group);
    if (groupProblem) problems.add("group", props.group, groupProblem);
  }
  const modeProblem = modeCeilingRule(props.mode, props.kind);
  if (modeProblem) problems.add("mode", props.mode, modeProblem);
}

/** A file whose owner and mode a PermissionCommand sets. */
export interface PermissionFile {
  /** Absolute, normalised path. */
  readonly path: string;
  /**
   * Changes whenever the file is rewritten (its content hash), so owner and mode are
   * applied again to the new file. @default - none
   */
  readonly revision?: string;
}

export interface PermissionCommandProps extends PermissionProps {
  /** The files (more with `addFile`). @default - none yet */
  readonly files?: readonly PermissionFile[];
  /** Octal mode, 0640 at most. */
  readonly mode: string;
  /** What must exist before the command runs (the files; `addFile` adds nothing here). @default - nothing */
  readonly dependsOn?: ITerraformDependable[];
}

/**
 * Owner, group and mode of the files the stack wrote, applied in place (any POSIX ACL
 * removed): one step for every file written with the same owner, group and mode (issue
 * 11: each step costs the raw `cdktf deploy` four lines). (The tree's directories get
 * theirs from RuntimeDirectories, in the command that creates and repairs them.)
 *
 * Its triggers hold the settings and a `files` map (path => `OWNER:GROUP MODE`, unknown
 * until apply when the plan saw the file drift: `repairOnDrift`) and a `revisions` map
 * (path => content hash). A change of owner, group or mode, a rewritten file or a drifted
 * one replaces only this resource: the command runs again for every file (it prints a line
 * only for a file it changed) and no file is re-written, so no data is touched.
 *
 * It depends on the files, so the engine destroys it just before it removes them (on
 * destroy, and before re-writing changed content): its destroy-time step checks that each
 * file's directory still resolves to itself, so a directory swapped for a link since the
 * plan never makes the provider remove a file outside the tree.
 */
export class PermissionCommand extends Construct {
  public readonly owner: string;
  public readonly group: string;
  public readonly mode: string;
  public readonly resource: DataResource;
  /** A file's `files` entry while it needs nothing: `OWNER:GROUP MODE`. */
  public readonly inSync: string;
  private readonly files: PermissionFile[] = [];
  private readonly repairs = new Map<string, string>();

  constructor(scope: Construct, id: string, props: PermissionCommandProps) {
    super(scope, id);
    const owner = props.owner ?? CUTTER_LAYOUT.defaultOwner;
    const group = props.group ?? CUTTER_LAYOUT.defaultGroup;
    const problems = new Problems();
    checkOwnerAndMode({ kind: PathKind.FILE, owner, group, mode: props.mode }, problems);
    problems.throwIfAny(`PermissionCommand ${this.node.path}`);

    this.owner = owner;
    this.group = group;
    this.mode = props.mode;
    // `kind` tells a reader of the plan (and cli/plan-summary.ts) what the paths are; `name`
    // says it in words (the engine shows a `name` key even when it is unchanged).
    this.inSync = `${owner}:${group} ${props.mode}`;
    const name = Lazy.stringValue({ produce: () => `owner and mode of ${this.paths.join(", ")}: ${this.inSync}, applied in place (${REVIEW_SCOPE})` });
    const files = Lazy.anyValue({ produce: () => Object.fromEntries(this.paths.map((p) => [p, this.repairs.get(p) ?? this.inSync])) });
    const revisions = Lazy.anyValue({ produce: () => Object.fromEntries(this.files.filter((f) => f.revision !== undefined).map((f) => [f.path, f.revision])) });
    // One value per file, so a name reaches the script whole (scripts/apply-permissions.sh);
    // known only once every file is added.
    const perFile = (value: (file: PermissionFile, i: number) => string): Record<string, string> =>
      Object.fromEntries([["CUTTER_FILE_COUNT", String(this.files.length)], ...this.files.map((f, i) => [`CUTTER_PATH_${i + 1}`, value(f, i)])]);
    const environment = (produce: () => Record<string, string>) => Lazy.anyValue({ produce }) as unknown as Record<string, string>;
    this.resource = new DataResource(this, "Apply", {
      triggersReplace: { name, kind: PathKind.FILE, owner, group, mode: props.mode, files, revisions },
      // The files in the order they were added, for the destroy-time step (a map's keys come back sorted).
      input: { ...roleInput("file-permissions"), files: Lazy.listValue({ produce: () => [...this.paths] }) },
      dependsOn: props.dependsOn,
      provisioners: [
        scriptProvisioner(
          "apply-permissions",
          environment(() => ({ ...perFile((f) => f.path), CUTTER_OWNER: owner, CUTTER_GROUP: group, CUTTER_MODE: props.mode })),
        ),
        // From the state (a destroy-time step may read only `self`): the files this resource was created for.
        scriptProvisioner(
          "check-parent",
          environment(() => perFile((_, i) => `\${self.input.files[${i}]}`)),
          "destroy",
        ),
      ],
    });
    for (const f of props.files ?? []) this.addFile(f);
  }

  /** The files' paths, in the order they were added. */
  public get paths(): readonly string[] {
    return this.files.map((f) => f.path);
  }

  /** Sets owner and mode of `file` too (the caller makes the resource depend on it). */
  public addFile(file: PermissionFile): void {
    const problems = new Problems();
    const pathProblem = absolutePathRule(file.path);
    if (pathProblem) problems.add("path", file.path, pathProblem);
    else if (this.paths.includes(file.path)) problems.add("path", file.path, "is already one of the files");
    problems.throwIfAny(`PermissionCommand ${this.node.path}`);
    this.files.push(file);
  }

  /**
   * Re-runs the command whenever `expression` is not known at plan time: it becomes the
   * file's entry in `triggers_replace.files` (see TreeObservation.repairExpression). A
   * method, not a prop, because the observation is built after the tree's constructs.
   */
  public repairOnDrift(file: string, expression: string): void {
    if (!this.paths.includes(file)) throw new Error(`internal: ${file} is not one of ${this.node.path}'s files`);
    this.repairs.set(file, expression);
  }
}
