import { DataResource, ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { SHELL_FUNCTIONS, shellProvisioner } from "./shell";
import { Problems, absolutePathRule, modeWithinRule, posixNameRule } from "./validation";

/** What a managed path is. */
export enum PathKind {
  DIRECTORY = "directory",
  FILE = "file",
}

/** Ceilings: a mode may tighten these, never loosen them. */
export const MODE_CEILING: Record<PathKind, number> = {
  [PathKind.DIRECTORY]: 0o750,
  [PathKind.FILE]: 0o640,
};

export interface PermissionCommandProps {
  /** Absolute, normalised path whose owner, group and mode are set. */
  readonly path: string;
  readonly kind: PathKind;
  /** User name. @default "root" */
  readonly owner?: string;
  /** Group name. @default "root" */
  readonly group?: string;
  /** Octal mode, at most 0750 for directories and 0640 for files. */
  readonly mode: string;
  /**
   * Changes whenever the path is rewritten (a file's content hash), so owner and
   * mode are applied again to the new file. @default - none
   */
  readonly revision?: string;
  /** What must exist before the command runs. @default - nothing */
  readonly dependsOn?: ITerraformDependable[];
}

/** Adds to `problems` every rule that path, owner, group and mode break. */
export function checkPermissions(props: PermissionCommandProps, problems: Problems): void {
  const pathProblem = absolutePathRule(props.path);
  if (pathProblem) problems.add("path", props.path, pathProblem);
  checkOwnerAndMode(props, problems);
}

/** Adds to `problems` every rule that owner, group and mode break (`mode` against the kind's ceiling). */
export function checkOwnerAndMode(props: Pick<PermissionCommandProps, "kind" | "owner" | "group" | "mode">, problems: Problems): void {
  if (props.owner !== undefined) {
    const ownerProblem = posixNameRule(props.owner);
    if (ownerProblem) problems.add("owner", props.owner, ownerProblem);
  }
  if (props.group !== undefined) {
    const groupProblem = posixNameRule(props.group);
    if (groupProblem) problems.add("group", props.group, groupProblem);
  }
  const modeProblem = modeWithinRule(props.mode, MODE_CEILING[props.kind]);
  if (modeProblem) problems.add("mode", props.mode, modeProblem);
}

/**
 * Sets owner/group (`chown`) and mode (`chmod`) of one path in place, never
 * through a symbolic link: a directory is entered with `cd -P` and checked to be
 * itself, then `.` is changed; a file is opened, checked to be the same inode as
 * the directory entry (no link), and changed through its open descriptor. A link
 * swapped in at any moment is refused or misses: the target is never touched.
 */
const APPLY_PERMISSIONS = `set -eu
${SHELL_FUNCTIONS}p=$CUTTER_PATH
what="refusing to change owner/mode of $p"
case $CUTTER_KIND in
  directory)
    if [ -L "$p" ]; then fail "$what: it is a symbolic link; nothing was changed (remove the link, or restore the real directory)"; fi
    [ -d "$p" ] || fail "$p is missing or not a directory; nothing was changed"
    enter_real_dir "$p" "$what"
    chown -- "$CUTTER_OWNER:$CUTTER_GROUP" .
    chmod -- "$CUTTER_MODE" .
    ;;
  file)
    enter_real_dir "$(dirname -- "$p")" "$what"
    name=$(basename -- "$p")
    if [ -L "$name" ]; then fail "$what: it is a symbolic link; nothing was changed (remove the link; deploy writes the real file)"; fi
    [ -f "$name" ] || fail "$p is missing or not a regular file"
    exec 3< "$name"
    [ "$(stat -L -c %d:%i /proc/self/fd/3)" = "$(stat -c %d:%i -- "$name")" ] || fail "$what: it was swapped while being checked; nothing was changed"
    chown -- "$CUTTER_OWNER:$CUTTER_GROUP" /proc/self/fd/3
    chmod -- "$CUTTER_MODE" /proc/self/fd/3
    ;;
  *) fail "internal: unknown kind $CUTTER_KIND" ;;
esac
`;

/**
 * Owner, group and mode of one path, applied in place. The tree uses it for the
 * files it writes; its directories get theirs from RuntimeDirectories, which
 * creates and repairs many directories in one command.
 *
 * A change of owner, group or mode replaces only this resource: the command runs
 * again and the path itself is never re-created, so no data is touched.
 */
export class PermissionCommand extends Construct {
  public readonly path: string;
  public readonly kind: PathKind;
  public readonly owner: string;
  public readonly group: string;
  public readonly mode: string;
  public readonly resource: DataResource;

  constructor(scope: Construct, id: string, props: PermissionCommandProps) {
    super(scope, id);
    const owner = props.owner ?? "root";
    const group = props.group ?? "root";
    const problems = new Problems();
    checkPermissions({ ...props, owner, group }, problems);
    problems.throwIfAny(`PermissionCommand ${this.node.path}`);

    this.path = props.path;
    this.kind = props.kind;
    this.owner = owner;
    this.group = group;
    this.mode = props.mode;
    const settings = { path: props.path, kind: props.kind, owner, group, mode: props.mode };
    this.resource = new DataResource(this, "Apply", {
      triggersReplace: props.revision === undefined ? settings : { ...settings, revision: props.revision },
      dependsOn: props.dependsOn,
      provisioners: [
        shellProvisioner(APPLY_PERMISSIONS, {
          CUTTER_PATH: props.path,
          CUTTER_KIND: props.kind,
          CUTTER_OWNER: owner,
          CUTTER_GROUP: group,
          CUTTER_MODE: props.mode,
        }),
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
