import { DataResource, ITerraformDependable, Lazy } from "./cdk";
import { Construct } from "constructs";
import { CUTTER_LAYOUT } from "./layout";
import { OwnershipRecord, checkOwnershipRecord, recordEntries } from "./ownership-record";
import { PermissionProps, REVIEW_SCOPE, checkOwnerAndMode } from "./permission-command";
import { scriptProvisioner } from "./shell";
import { roleInput } from "./resource-role";
import { PathKind, Problems, absolutePathRule, formatMode, parseMode } from "./validation";

/** Most directories one resource creates: one provisioner process per chunk, not per directory. */
export const DIRECTORIES_PER_RESOURCE = 64;

export interface RuntimeDirectoriesProps extends PermissionProps {
  /** Absolute, normalised paths of the directories, each once; each parent must exist first. */
  readonly paths: readonly string[];
  /** Octal mode, 0750 at most. @default - the layout's directory mode, "0750" */
  readonly mode?: string;
  /** What must exist first (the parent directory). @default - nothing */
  readonly dependsOn?: ITerraformDependable[];
  /**
   * Where the stack records what it created or adopted (see OwnershipRecord).
   * @default - no record: a pre-existing directory is always refused, and nothing tells a TreeRemover to remove these
   */
  readonly ownership?: OwnershipRecord;
  /**
   * What the directories are, in words, for the plan (the `name` trigger, which the
   * engine shows in every plan that changes the resource): owner, group and mode follow.
   * @default - "N directories"
   */
  readonly description?: string;
}

/**
 * Runtime directories, created and repaired with owner and mode (see
 * scripts/create-or-repair-directories.sh: no link followed, setuid/setgid cleared,
 * POSIX ACLs removed, nothing taken over unless adopted).
 *
 * One `terraform_data` per chunk of up to 64 directories (one provisioner process
 * for all of them), not one per directory: state, plan and apply grow with the
 * number of chunks. Its `triggers_replace` holds owner, group, mode and, per path,
 * a `directories` entry (`OWNER:GROUP MODE`, unknown until apply while the path needs a
 * repair), so the plan names each directory that is added or repaired with the owner
 * and mode it gets; `name` says in words what the chunk is (the engine shows a `name`
 * key even when it is unchanged). Replacing a chunk (a new mode, a repair, a new directory) is
 * create-before-destroy and applies owner and mode in place. A chunk never removes
 * anything: the tree remover (constructs/tree-remover.ts) does, on a real destroy,
 * from the ownership records, so a chunk that failed, was killed or was replaced
 * leaves nothing behind that a later destroy cannot remove.
 */
export class RuntimeDirectories extends Construct {
  public readonly paths: readonly string[];
  public readonly owner: string;
  public readonly group: string;
  public readonly mode: string;
  /** One per chunk of up to DIRECTORIES_PER_RESOURCE paths, in `paths` order. */
  public readonly resources: readonly DataResource[];
  /** The `directories` entry of a path that needs nothing: `OWNER:GROUP MODE`. */
  public readonly inSync: string;
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
    /** A path's entry while it is as the stack wants it: what the plan shows next to the path. */
    this.inSync = `${owner}:${group} ${mode}`;
    // Five digits: GNU install/chmod clear a directory's setuid/setgid bits only then.
    const fiveDigitMode = `0${formatMode(parseMode(mode)!)}`;
    const chunks: string[][] = [];
    for (let i = 0; i < props.paths.length; i += DIRECTORIES_PER_RESOURCE) chunks.push(props.paths.slice(i, i + DIRECTORIES_PER_RESOURCE));
    this.resources = chunks.map((chunk, i) => {
      const directories = Lazy.anyValue({ produce: () => Object.fromEntries(chunk.map((p) => [p, this.repairs.get(p) ?? this.inSync])) });
      const chunkEntries = recordEntries(chunk);
      const what = props.description ?? `${props.paths.length} ${props.paths.length === 1 ? "directory" : "directories"}`;
      const part = chunks.length === 1 ? "" : ` (${i * DIRECTORIES_PER_RESOURCE + 1}-${i * DIRECTORIES_PER_RESOURCE + chunk.length} of ${props.paths.length})`;
      return new DataResource(this, chunks.length === 1 ? "Directories" : `Directories${i + 1}`, {
        triggersReplace: { name: `${what}${part}: ${owner}:${group} ${mode}, created or repaired in place (${REVIEW_SCOPE})`, owner, group, mode, directories },
        input: roleInput("directories"),
        dependsOn: props.dependsOn,
        lifecycle: { createBeforeDestroy: true },
        provisioners: [
          scriptProvisioner("create-or-repair-directories", {
            CUTTER_ENTRIES: chunkEntries,
            CUTTER_OWNER: owner,
            CUTTER_GROUP: group,
            CUTTER_MODE: fiveDigitMode,
            CUTTER_RECORD_DIR: recordDir,
            CUTTER_ADOPT: props.ownership?.adoptExisting ? "1" : "0",
          }),
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
