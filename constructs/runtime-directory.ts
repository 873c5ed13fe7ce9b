import { DataResource, ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { CUTTER_LAYOUT } from "./layout";
import { OwnershipRecord, RECORD_FUNCTIONS, checkOwnershipRecord } from "./ownership-record";
import { PathKind, PermissionCommand, checkPermissions } from "./permission-command";
import { SHELL_FUNCTIONS, shellProvisioner } from "./shell";
import { Problems } from "./validation";

export interface RuntimeDirectoryProps {
  /** Absolute, normalised path of the directory; its parent must exist. */
  readonly path: string;
  /** User name. @default "root" */
  readonly owner?: string;
  /** Group name. @default "root" */
  readonly group?: string;
  /** Octal mode, 0750 at most. @default - the layout's directory mode, "0750" */
  readonly mode?: string;
  /** What must exist first (the parent directory). @default - nothing */
  readonly dependsOn?: ITerraformDependable[];
  /**
   * Where the stack records what it created or adopted (see OwnershipRecord).
   * @default - no record: a pre-existing directory is always refused and destroy never adopts
   */
  readonly ownership?: OwnershipRecord;
}

/**
 * Creates the directory as the gate did (`install -d -o OWNER -g GROUP -m MODE`),
 * without following links: inside the real parent, `mkdir` (which fails on any
 * existing entry, link or not) makes it private first, then `install -d` sets owner
 * and mode on `.` after entering it with `cd -P`.
 *
 * A directory already there is ours only if the record says so (a deploy was killed
 * after creating it); otherwise it is refused, or adopted when the operator asked.
 * The record is written before `mkdir`, so a kill can never leave an unrecorded
 * directory of ours behind.
 */
const CREATE_DIRECTORY = `set -eu
${SHELL_FUNCTIONS}${RECORD_FUNCTIONS}p=$CUTTER_PATH
parent=$(dirname -- "$p")
name=$(basename -- "$p")
enter_real_dir "$parent" "refusing to create $p"
if [ -L "$name" ]; then fail "refusing to create $p: a symbolic link is in its place; nothing was changed (remove the link and deploy again)"; fi
if [ -e "$name" ]; then
  [ -d "$name" ] || fail "refusing to create $p: something that is not a directory is in its place; nothing was changed (move it away and deploy again)"
  owned=$(record_of "$p")
  case $owned in
    created|adopted) exit 0 ;;
  esac
  if [ "$CUTTER_ADOPT" = "1" ]; then
    record "$p" adopted
    echo "cutter-runtime: adopted pre-existing $p: owner and mode are managed from now on; destroy leaves it and its contents in place"
    exit 0
  fi
  fail "refusing to take over $p: it already exists and this stack did not create it (no record in $CUTTER_RECORD_DIR); nothing was changed. Either move it away and deploy again, or deploy with CUTTER_ADOPT_EXISTING=1 to adopt it: its owner and mode are then managed, and destroy leaves it and its contents in place."
fi
record "$p" created
mkdir -m 0700 -- "$name"
enter_real_dir "$p" "refusing to set owner/mode of $p"
install -d -o "$CUTTER_OWNER" -g "$CUTTER_GROUP" -m "$CUTTER_MODE" -- .
`;

/**
 * Removes the directory only while it is empty and only if the stack created it;
 * anything inside stops the destroy (the destroy guard normally stops it earlier).
 */
const REMOVE_EMPTY_DIRECTORY = `set -eu
${SHELL_FUNCTIONS}${RECORD_FUNCTIONS}p=$CUTTER_PATH
if [ "$(record_of "$p")" = "adopted" ]; then
  echo "cutter-runtime: leaving $p in place: it existed before this stack and was adopted"
  forget "$p"
  exit 0
fi
parent=$(dirname -- "$p")
name=$(basename -- "$p")
if [ ! -d "$parent" ] && [ ! -L "$parent" ]; then forget "$p"; exit 0; fi
enter_real_dir "$parent" "refusing to remove $p"
if [ -L "$name" ]; then fail "refusing to remove $p: it is a symbolic link; nothing was removed"; fi
if [ ! -e "$name" ]; then forget "$p"; exit 0; fi
[ -d "$name" ] || fail "refusing to remove $p: it is not a directory; nothing was removed"
n=$(find "$name" -mindepth 1 -maxdepth 1 -printf x | wc -c)
if [ "$n" -ne 0 ]; then
  fail "refusing to remove $p: it holds $n entries. Nothing in it was touched; move the data out (or keep the tree) and run destroy again."
fi
rmdir -- "$name"
forget "$p"
`;

/**
 * One runtime directory: created with owner and mode, removed on destroy only if
 * empty and created by the stack. Owner/group/mode live in a separate
 * PermissionCommand, so changing them updates the directory in place and never
 * re-creates (rmdir) it.
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
    if (props.ownership) checkOwnershipRecord("ownership.directory", props.ownership, props.path, problems);
    problems.throwIfAny(`RuntimeDirectory ${this.node.path}`);
    this.path = props.path;

    const recordDir = props.ownership?.directory ?? "";
    this.directory = new DataResource(this, "Directory", {
      triggersReplace: { path: props.path },
      input: { path: props.path, record_dir: recordDir },
      dependsOn: props.dependsOn,
      provisioners: [
        shellProvisioner(CREATE_DIRECTORY, {
          CUTTER_PATH: props.path,
          CUTTER_OWNER: owner,
          CUTTER_GROUP: group,
          CUTTER_MODE: mode,
          CUTTER_RECORD_DIR: recordDir,
          CUTTER_ADOPT: props.ownership?.adoptExisting ? "1" : "0",
        }),
        shellProvisioner(REMOVE_EMPTY_DIRECTORY, { CUTTER_PATH: "${self.input.path}", CUTTER_RECORD_DIR: "${self.input.record_dir}" }, "destroy"),
      ],
    });
    this.permissions = new PermissionCommand(this, "Permissions", { ...permissionProps, dependsOn: [this.directory] });
  }
}
