import { DataResource, ITerraformDependable } from "./cdk";
import { Construct } from "constructs";
import * as path from "path";
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

export interface PermissionCommandProps extends PermissionProps {
  /** Absolute, normalised path of the file whose owner, group and mode are set. */
  readonly path: string;
  /** Octal mode, 0640 at most. */
  readonly mode: string;
  /**
   * Changes whenever the file is rewritten (its content hash), so owner and mode
   * are applied again to the new file. @default - none
   */
  readonly revision?: string;
  /** What must exist before the command runs (the file). @default - nothing */
  readonly dependsOn?: ITerraformDependable[];
}


/**
 * Owner, group and mode of one file the stack wrote, applied in place (any POSIX ACL
 * removed). (The tree's directories get theirs from RuntimeDirectories, in the
 * command that creates and repairs them.)
 *
 * A change of owner, group or mode replaces only this resource: the command runs
 * again and the file itself is never re-written, so no data is touched.
 *
 * It depends on the file, so the engine destroys it just before it removes the file
 * (on destroy, and before re-writing changed content): its destroy-time step checks
 * that the file's directory still resolves to itself, so a directory swapped for a
 * link since the plan never makes the provider remove a file outside the tree.
 */
export class PermissionCommand extends Construct {
  public readonly path: string;
  public readonly owner: string;
  public readonly group: string;
  public readonly mode: string;
  public readonly resource: DataResource;
  /** The `repair` trigger while the file needs nothing: `OWNER:GROUP MODE`. */
  public readonly inSync: string;

  constructor(scope: Construct, id: string, props: PermissionCommandProps) {
    super(scope, id);
    const owner = props.owner ?? CUTTER_LAYOUT.defaultOwner;
    const group = props.group ?? CUTTER_LAYOUT.defaultGroup;
    const problems = new Problems();
    checkPermissions({ ...props, kind: PathKind.FILE, owner, group }, problems);
    problems.throwIfAny(`PermissionCommand ${this.node.path}`);

    this.path = props.path;
    this.owner = owner;
    this.group = group;
    this.mode = props.mode;
    // `kind` tells a reader of the plan (and cli/plan-summary.ts) what the path is; `name`
    // says it in words (the engine shows a `name` key even when it is unchanged).
    this.inSync = `${owner}:${group} ${props.mode}`;
    const name = `owner and mode of ${props.path}: ${this.inSync}, applied in place (${REVIEW_SCOPE})`;
    const settings = { name, path: props.path, kind: PathKind.FILE, owner, group, mode: props.mode };
    this.resource = new DataResource(this, "Apply", {
      triggersReplace: props.revision === undefined ? settings : { ...settings, revision: props.revision },
      input: roleInput("file-permissions"),
      dependsOn: props.dependsOn,
      provisioners: [
        scriptProvisioner("apply-permissions", {
          CUTTER_PATH: props.path,
          CUTTER_PARENT: path.posix.dirname(props.path),
          CUTTER_NAME: path.posix.basename(props.path),
          CUTTER_OWNER: owner,
          CUTTER_GROUP: group,
          CUTTER_MODE: props.mode,
        }),
        scriptProvisioner("check-parent", { CUTTER_PATH: "${self.triggers_replace.path}" }, "destroy"),
      ],
    });
  }

  /**
   * Re-runs the command whenever `expression` is not known at plan time: it goes
   * into `triggers_replace` under the key `repair` (see TreeObservation.repairExpression).
   * A method, not a prop, because the observation is built after the tree's
   * constructs; the rest of `triggers_replace` is untouched.
   */
  public repairOnDrift(expression: string): void {
    this.resource.addOverride("triggers_replace.repair", expression);
  }
}
