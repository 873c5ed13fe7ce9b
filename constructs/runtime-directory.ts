import { DataResource, ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { CUTTER_LAYOUT } from "./layout";
import { PathKind, PermissionCommand, checkPermissions } from "./permission-command";
import { shellProvisioner } from "./shell";
import { Problems } from "./validation";

export interface RuntimeDirectoryProps {
  /** Absolute, normalised path of the directory. */
  readonly path: string;
  /** User name. @default "root" */
  readonly owner?: string;
  /** Group name. @default "root" */
  readonly group?: string;
  /** Octal mode, 0750 at most. @default - the layout's directory mode, "0750" */
  readonly mode?: string;
  /** What must exist first (the parent directory). @default - nothing */
  readonly dependsOn?: ITerraformDependable[];
}

/** Creates the directory as the gate did: `install -d -o OWNER -g GROUP -m MODE PATH`. */
const CREATE_DIRECTORY = `set -eu
p=$CUTTER_PATH
if [ -L "$p" ]; then
  echo "cutter-runtime: refusing to create $p: a symbolic link is in its place" >&2; exit 1
fi
install -d -o "$CUTTER_OWNER" -g "$CUTTER_GROUP" -m "$CUTTER_MODE" -- "$p"
`;

/** Removes the directory only while it is empty; anything inside stops the destroy. */
const REMOVE_EMPTY_DIRECTORY = `set -eu
p=$CUTTER_PATH
if [ -L "$p" ]; then
  echo "cutter-runtime: refusing to remove $p: it is a symbolic link; nothing was removed" >&2; exit 1
fi
[ -e "$p" ] || exit 0
n=$(find "$p" -mindepth 1 -maxdepth 1 -printf x | wc -c)
if [ "$n" -ne 0 ]; then
  echo "cutter-runtime: refusing to remove $p: it holds $n entries. Nothing in it was touched; move the data out (or keep the tree) and run destroy again." >&2
  exit 1
fi
rmdir -- "$p"
`;

/**
 * One runtime directory: created with owner and mode, removed on destroy only if
 * empty. Owner/group/mode live in a separate PermissionCommand, so changing them
 * updates the directory in place and never re-creates (rmdir) it.
 */
export class RuntimeDirectory extends Construct {
  public readonly path: string;
  /** Creates and removes the directory; its triggers hold only the path. */
  public readonly directory: DataResource;
  public readonly permissions: PermissionCommand;

  constructor(scope: Construct, id: string, props: RuntimeDirectoryProps) {
    super(scope, id);
    const owner = props.owner ?? CUTTER_LAYOUT.defaultOwner;
    const group = props.group ?? CUTTER_LAYOUT.defaultGroup;
    const mode = props.mode ?? CUTTER_LAYOUT.directoryMode;
    const permissionProps = { path: props.path, kind: PathKind.DIRECTORY, owner, group, mode };
    const problems = new Problems();
    checkPermissions(permissionProps, problems);
    problems.throwIfAny(`RuntimeDirectory ${this.node.path}`);
    this.path = props.path;

    this.directory = new DataResource(this, "Directory", {
      triggersReplace: { path: props.path },
      input: { path: props.path },
      dependsOn: props.dependsOn,
      provisioners: [
        shellProvisioner(CREATE_DIRECTORY, { CUTTER_PATH: props.path, CUTTER_OWNER: owner, CUTTER_GROUP: group, CUTTER_MODE: mode }),
        shellProvisioner(REMOVE_EMPTY_DIRECTORY, { CUTTER_PATH: "${self.input.path}" }, "destroy"),
      ],
    });
    this.permissions = new PermissionCommand(this, "Permissions", { ...permissionProps, dependsOn: [this.directory] });
  }
}
