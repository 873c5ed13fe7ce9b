import { DataResource, ITerraformDependable, Lazy } from "cdktf";
import { Construct } from "constructs";
import * as path from "path";
import { CUTTER_LAYOUT } from "./layout";
import { OwnershipRecord, RECORD_FUNCTIONS, checkOwnershipRecord, recordKey } from "./ownership-record";
import { PathKind, checkOwnerAndMode } from "./permission-command";
import { SHELL_FUNCTIONS, shellProvisioner } from "./shell";
import { Problems, absolutePathRule } from "./validation";

/** Most directories one resource creates: one provisioner process per chunk, not per directory. */
export const DIRECTORIES_PER_RESOURCE = 64;

export interface RuntimeDirectoriesProps {
  /** Absolute, normalised paths of the directories, each once; each parent must exist first. */
  readonly paths: readonly string[];
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
 * Creates the directories as the gate did (`install -d -o OWNER -g GROUP -m MODE`),
 * or repairs them, without following links.
 *
 * First every path is checked and nothing is changed if any is refused: a link or a
 * non-directory in its place, or a directory this stack did not create (unless the
 * operator asked to adopt). Then, per path, inside the real parent: `mkdir` (fails on
 * any existing entry, link or not) makes a missing directory private, the record is
 * written before it, and `install -d` sets owner and mode on `.` after entering the
 * directory with `cd -P`. A directory already there keeps its inode and content:
 * only owner and mode are applied again.
 */
const CREATE_OR_REPAIR = `set -eu
set -f
${SHELL_FUNCTIONS}${RECORD_FUNCTIONS}refused=0
refuse() { echo "cutter-runtime: $*" >&2; refused=$((refused + 1)); }
adopt=""
set -- $CUTTER_ENTRIES
while [ $# -gt 0 ]; do
  p=$1 key=$4
  shift 4
  if [ -L "$p" ]; then refuse "refusing to change owner/mode of $p: it is a symbolic link; nothing was changed (remove the link, or put the real directory back, and deploy again)"; continue; fi
  [ -e "$p" ] || continue
  if [ ! -d "$p" ]; then refuse "$p is not a directory; nothing was changed. Move it out of the tree, then deploy again"; continue; fi
  record_of "$key"
  case $owned in
    created|adopted) ;;
    *)
      if [ "$CUTTER_ADOPT" = "1" ]; then adopt="$adopt $p $key"; else
        refuse "refusing to take over $p: it already exists and this stack did not create it (no record in $CUTTER_RECORD_DIR); nothing was changed. Either move it away and deploy again, or deploy with CUTTER_ADOPT_EXISTING=1 to adopt it: its owner and mode are then managed, and destroy leaves it and its contents in place."
      fi ;;
  esac
done
[ "$refused" -eq 0 ] || fail "$refused directory(ies) refused above; nothing was changed."
set -- $adopt
while [ $# -gt 0 ]; do
  p=$1 key=$2
  shift 2
  record "$key" adopted "$p" "$CUTTER_INSTANCE"
  echo "cutter-runtime: adopted pre-existing $p: owner and mode are managed from now on; destroy leaves it and its contents in place"
done
set -- $CUTTER_ENTRIES
while [ $# -gt 0 ]; do
  p=$1 parent=$2 name=$3 key=$4
  shift 4
  enter_real_dir "$parent" "refusing to create $p"
  record_of "$key"
  if [ ! -e "$name" ] && [ ! -L "$name" ]; then
    record "$key" created "$p" "$CUTTER_INSTANCE"
    mkdir -m 0700 -- "$name"
  elif [ "$owner_id" != "$CUTTER_INSTANCE" ]; then
    # Claimed by this resource from now on: the one it replaces must leave it alone.
    record "$key" "$owned" "$p" "$CUTTER_INSTANCE"
  fi
  enter_real_dir "$p" "refusing to set owner/mode of $p"
  install -d -o "$CUTTER_OWNER" -g "$CUTTER_GROUP" -m "$CUTTER_MODE" -- .
done
`;

/**
 * Removes each directory only while it is empty and only if the stack created it;
 * adopted ones are left in place, and so are those a newer resource claimed (the
 * record names the resource id that created or repaired a path last: should an
 * engine ever run this for an object replaced create-before-destroy, it still
 * removes nothing the replacement manages). Every path is tried; anything that stops one is
 * listed and fails the destroy at the end (the destroy guard normally stops it earlier).
 */
const REMOVE_EMPTY = `set -eu
set -f
${SHELL_FUNCTIONS}${RECORD_FUNCTIONS}kept=0
keep() { echo "cutter-runtime: $*" >&2; kept=$((kept + 1)); }
set -- $CUTTER_ENTRIES
while [ $# -gt 0 ]; do
  p=$1 parent=$2 name=$3 key=$4
  shift 4
  record_of "$key"
  if [ -n "$owner_id" ] && [ "$owner_id" != "$CUTTER_INSTANCE" ]; then
    echo "cutter-runtime: leaving $p in place: a newer resource of this stack manages it"
    continue
  fi
  if [ "$owned" = "adopted" ]; then
    echo "cutter-runtime: leaving $p in place: it existed before this stack and was adopted"
    forget "$key"
    continue
  fi
  if [ ! -d "$parent" ] && [ ! -L "$parent" ]; then forget "$key"; continue; fi
  cd -P -- "$parent" 2>/dev/null && [ "$PWD" = "$parent" ] || { keep "refusing to remove $p: $parent is not the real directory (a symbolic link in the path?); nothing in it was removed"; continue; }
  if [ -L "$name" ]; then keep "refusing to remove $p: it is a symbolic link; nothing was removed"; continue; fi
  if [ ! -e "$name" ]; then forget "$key"; continue; fi
  if [ ! -d "$name" ]; then keep "refusing to remove $p: it is not a directory; nothing was removed"; continue; fi
  count_entries "$name"
  if [ "$entries" -ne 0 ]; then keep "refusing to remove $p: it holds $entries entries. Nothing in it was touched; move the data out (or keep the tree) and run destroy again."; continue; fi
  rmdir -- "$name"
  forget "$key"
done
[ "$kept" -eq 0 ] || fail "$kept directory(ies) kept, listed above; everything else was removed."
`;

/**
 * Runtime directories, created with owner and mode and removed on destroy only if
 * empty and created by the stack.
 *
 * One `terraform_data` per chunk of up to 64 directories (one provisioner process
 * for all of them), not one per directory: state, plan and apply grow with the
 * number of chunks. Its `triggers_replace` holds owner, group, mode and, per path,
 * a `directories` entry, so the plan still names each directory that is added or
 * repaired. Replacing a chunk (a new mode, a repair, a new directory) is
 * create-before-destroy, and the engine never runs a destroy-time provisioner for the
 * replaced object: a replacement applies owner and mode in place and never removes
 * (rmdir) a directory. Only a real destroy of the chunk removes its directories.
 */
export class RuntimeDirectories extends Construct {
  public readonly paths: readonly string[];
  public readonly owner: string;
  public readonly group: string;
  public readonly mode: string;
  /** One per chunk of up to DIRECTORIES_PER_RESOURCE paths, in `paths` order. */
  public readonly resources: readonly DataResource[];
  private readonly repairs = new Map<string, string>();

  constructor(scope: Construct, id: string, props: RuntimeDirectoriesProps) {
    super(scope, id);
    const owner = props.owner ?? CUTTER_LAYOUT.defaultOwner;
    const group = props.group ?? CUTTER_LAYOUT.defaultGroup;
    const mode = props.mode ?? CUTTER_LAYOUT.directoryMode;
    const problems = new Problems();
    if (props.paths.length === 0) problems.add("paths", [], "must list at least one directory");
    const seen = new Set<string>();
    checkOwnerAndMode({ kind: PathKind.DIRECTORY, owner, group, mode }, problems);
    props.paths.forEach((p, i) => {
      const pathProblem = absolutePathRule(p);
      if (seen.has(p)) problems.add(`paths[${i}]`, p, "is listed twice; list each directory once");
      seen.add(p);
      if (pathProblem) problems.add(`paths[${i}]`, p, pathProblem);
      else if (props.ownership) checkOwnershipRecord("ownership.directory", props.ownership, p, problems);
    });
    problems.throwIfAny(`RuntimeDirectories ${this.node.path}`);

    this.paths = props.paths;
    this.owner = owner;
    this.group = group;
    this.mode = mode;
    const recordDir = props.ownership?.directory ?? "";
    const chunks: string[][] = [];
    for (let i = 0; i < props.paths.length; i += DIRECTORIES_PER_RESOURCE) chunks.push(props.paths.slice(i, i + DIRECTORIES_PER_RESOURCE));
    this.resources = chunks.map((chunk, i) => {
      const directories = Lazy.anyValue({ produce: () => Object.fromEntries(chunk.map((p) => [p, this.repairs.get(p) ?? "in-sync"])) });
      const chunkEntries = entries(chunk);
      return new DataResource(this, chunks.length === 1 ? "Directories" : `Directories${i + 1}`, {
        triggersReplace: { owner, group, mode, directories },
        input: { entries: chunkEntries, record_dir: recordDir },
        dependsOn: props.dependsOn,
        lifecycle: { createBeforeDestroy: true },
        provisioners: [
          shellProvisioner(CREATE_OR_REPAIR, {
            CUTTER_ENTRIES: chunkEntries,
            CUTTER_OWNER: owner,
            CUTTER_GROUP: group,
            CUTTER_MODE: mode,
            CUTTER_RECORD_DIR: recordDir,
            CUTTER_ADOPT: props.ownership?.adoptExisting ? "1" : "0",
            CUTTER_INSTANCE: "${self.id}",
          }),
          shellProvisioner(
            REMOVE_EMPTY,
            { CUTTER_ENTRIES: "${self.input.entries}", CUTTER_RECORD_DIR: "${self.input.record_dir}", CUTTER_INSTANCE: "${self.id}" },
            "destroy",
          ),
        ],
      });
    });
  }

  /**
   * Re-runs the chunk holding `path` whenever `expression` is not known at plan time:
   * it becomes that path's entry under `directories` in `triggers_replace` (see
   * TreeObservation.repairExpression), so the plan names the path being repaired.
   */
  public repairOnDrift(directory: string, expression: string): void {
    if (!this.paths.includes(directory)) throw new Error(`internal: ${directory} is not one of ${this.node.path}'s directories`);
    this.repairs.set(directory, expression);
  }
}

/**
 * "PATH PARENT NAME RECORD-KEY ..." for the scripts (validated paths hold no space
 * or glob character), so they need no process per path to split a path or name its
 * record (and a script may not write the shell's `${p%/*}`: Terraform would read it
 * as a template).
 */
function entries(paths: readonly string[]): string {
  return paths.map((p) => `${p} ${path.posix.dirname(p)} ${path.posix.basename(p)} ${recordKey(p)}`).join(" ");
}
