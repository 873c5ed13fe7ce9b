import { ITerraformDependable, TerraformResource, TerraformStack } from "./cdk";
import { Construct } from "constructs";
import { DestroyGuard } from "./destroy-guard";
import { OwnershipRecord, checkOwnershipRecord, defaultOwnershipDirectory } from "./ownership-record";
import { DriftChecks } from "./drift-checks";
import { FileWriteGuard } from "./file-write-guard";
import { SharedFileSteps } from "./managed-file";
import { PermissionCommand } from "./permission-command";
import { BackupKeyStatus } from "./gate-inputs";
import { CUTTER_LAYOUT, ResolvedLayout, RuntimeLayout, resolveLayout } from "./layout";
import { OrchestratorConfig } from "./orchestrator-config";
import { RuntimeDirectories } from "./runtime-directories";
import { RuntimeReadme } from "./runtime-readme";
import { ExpectedPath, TreeObservation } from "./tree-observation";
import { TreeRemover } from "./tree-remover";
import { TreeSurvey } from "./tree-survey";
import { PathKind, Problems, runtimeRootRule } from "./validation";

/**
 * The short ids of resources that came after the short ids (issue 11: one write guard and one
 * owner/mode step for both files). A stack deployed before them holds `config_guard`,
 * `readme_guard`, `config_mode`, `readme_mode` and `survey` (or their construct ids) instead:
 * the engine removes those from its state, running nothing (a destroy-time step runs only
 * while its resource is configured), and creates these, whose steps find the files as they
 * are and say nothing (docs/operator-output.md; __tests__/logical-ids.test.ts).
 */
const NEW_SINCE_SHORT_IDS: ReadonlySet<string> = new Set(["files_guard", "files_mode"]);

export interface RuntimeTreeProps {
  /** Absolute path of the runtime root. @default "/var/lib/cutter" */
  readonly rootPath?: string;
  /** Owner of every managed path. @default "root" */
  readonly owner?: string;
  /** Group of every managed path. @default "root" */
  readonly group?: string;
  /** Absolute path of the env file the orchestrator reads secrets from. @default "/opt/incomex/docker/.env" */
  readonly envFilePath?: string;
  /** Whether BACKUP_GPG_FPR is provisioned on the host (written into the config). @default "not-provisioned" */
  readonly backupKeyStatus?: BackupKeyStatus;
  /** Mode of every directory, 0750 at most. @default "0750" */
  readonly directoryMode?: string;
  /** Mode of the config and README, 0640 at most. @default "0640" */
  readonly fileMode?: string;
  /** The layout to build. @default CUTTER_LAYOUT */
  readonly layout?: RuntimeLayout;
  /**
   * Where the stack records what it created or adopted, and whether it adopts
   * paths that exist before the first deploy.
   * @default - /var/lib/cutter-runtime/ownership/<root>.<hash>, no adoption
   */
  readonly ownership?: OwnershipRecord;
}

/** The whole runtime tree of one host: root, subdirectories, config and README. */
export class RuntimeTree extends Construct {
  public readonly layout: ResolvedLayout;
  public readonly owner: string;
  public readonly group: string;
  /** The root alone, so it exists (with owner and mode) before anything inside it. */
  public readonly root: RuntimeDirectories;
  /** The layout's subdirectories. */
  public readonly directories: RuntimeDirectories;
  public readonly config: OrchestratorConfig;
  public readonly readme: RuntimeReadme;
  /** The write guard and the owner/mode step of both files. */
  public readonly fileSteps: SharedFileSteps;
  public readonly ownership: OwnershipRecord;
  /** Destroyed first; stops a destroy before anything is removed if the tree holds data. */
  public readonly destroyGuard: DestroyGuard;
  /** Destroyed last; removes what the ownership records say the stack created, puts adopted files back. */
  public readonly remover: TreeRemover;
  /** The real state of every managed path, read at plan time; refuses symbolic links. */
  public readonly observation: TreeObservation;
  /** Drift of each managed path, shown in the plan as check warnings. */
  public readonly driftChecks: DriftChecks;
  /** What every managed path was before the first deploy, kept with the ownership records (steps of the destroy guard). */
  public readonly survey: TreeSurvey;

  constructor(scope: Construct, id: string, props: RuntimeTreeProps = {}) {
    super(scope, id);
    const layout = props.layout ?? CUTTER_LAYOUT;
    const rootPath = props.rootPath ?? layout.defaultRoot;
    const problems = new Problems();
    const rootProblem = runtimeRootRule(rootPath);
    if (rootProblem) problems.add("rootPath", rootPath, rootProblem);
    const ownership = props.ownership ?? { directory: defaultOwnershipDirectory(rootPath) };
    if (!rootProblem) checkOwnershipRecord("ownership.directory", ownership, rootPath, problems);
    problems.throwIfAny(`RuntimeTree ${this.node.path}`);

    this.layout = resolveLayout(rootPath, layout);
    this.owner = props.owner ?? layout.defaultOwner;
    this.group = props.group ?? layout.defaultGroup;
    const directoryMode = props.directoryMode ?? layout.directoryMode;
    const fileMode = props.fileMode ?? layout.fileMode;
    this.ownership = ownership;
    const ids = { owner: this.owner, group: this.group, ownership };

    const fileNames = [this.layout.configPath, this.layout.readmePath];
    const directoryPaths = [rootPath, ...this.layout.directories.map((d) => d.path)];
    this.remover = new TreeRemover(this, "Remover", { rootPath, directories: directoryPaths, files: fileNames, ownership });
    // Everything depends on the root, and the root on the remover: created first, destroyed last.
    this.root = new RuntimeDirectories(this, "Root", {
      paths: [rootPath],
      ...ids,
      mode: directoryMode,
      dependsOn: [this.remover.resource],
      description: `the runtime root ${rootPath}`,
    });
    // Below the root, everything waits for it: when drift repair re-creates a
    // missing root, it is in place (with owner and mode) before anything inside it.
    const inRoot = [...this.root.resources];
    const subdirectories = this.layout.directories.map((d) => d.path);
    this.directories = new RuntimeDirectories(this, "Dirs", {
      paths: subdirectories,
      ...ids,
      mode: directoryMode,
      dependsOn: inRoot,
      description: `${subdirectories.length} ${subdirectories.length === 1 ? "directory" : "directories"} in ${rootPath}`,
    });
    // One write guard and one owner/mode step for both files (issue 11: four lines of the raw
    // `cdktf deploy` each); the guard runs before either file is written.
    this.fileSteps = {
      writeGuard: new FileWriteGuard(this, "FileWriteGuard", { dependsOn: inRoot, ownership }),
      permissions: new PermissionCommand(this, "FilePermissions", { owner: this.owner, group: this.group, mode: fileMode }),
    };
    const steps = this.fileSteps;
    this.config = new OrchestratorConfig(this, "OrchestratorConfig", {
      layout: this.layout,
      envFilePath: props.envFilePath,
      backupKeyStatus: props.backupKeyStatus,
      ...ids,
      mode: fileMode,
      dependsOn: inRoot,
      steps,
    });
    this.readme = new RuntimeReadme(this, "RuntimeReadme", { layout: this.layout, ...ids, mode: fileMode, dependsOn: inRoot, steps });

    const files = [this.config.file, this.readme.file];

    // Drift (issue 4): observe every managed path at plan time, show what differs,
    // and re-run the command that repairs a path (re-creating a missing directory)
    // when it drifted. local_file itself re-writes changed content.
    const directorySets = [this.root, this.directories];
    const expected: ExpectedPath[] = [
      ...directorySets.flatMap((set) => set.paths.map((p) => ({ path: p, kind: PathKind.DIRECTORY, owner: set.owner, group: set.group, mode: set.mode }))),
      ...files.map((f) => ({
        path: f.path,
        kind: PathKind.FILE,
        owner: f.permissions.owner,
        group: f.permissions.group,
        mode: f.permissions.mode,
        contentSha256: f.contentSha256,
      })),
    ];
    this.observation = new TreeObservation(this, "Observation", { paths: expected, ownership });
    for (const set of directorySets) for (const p of set.paths) set.repairOnDrift(p, this.observation.repairExpression(p, set.inSync));
    for (const f of files) {
      f.permissions.repairOnDrift(f.path, this.observation.repairExpression(f.path, f.permissions.inSync));
      f.rewriteOnDrift(this.observation.rewriteExpression(f.path, f.contentSha256));
      f.readAfter(this.observation.command);
    }
    this.driftChecks = new DriftChecks(this, "DriftChecks", { observation: this.observation, rootPath: rootPath });

    const everything: ITerraformDependable[] = [this.remover.resource, ...directorySets.flatMap((set) => set.resources)];
    everything.push(steps.writeGuard.resource, ...files.map((f) => f.file), steps.permissions.resource);
    // The state before the first deploy, for the gate report: recorded by the destroy guard after everything, kept by a refused destroy.
    this.survey = new TreeSurvey(this, "Survey", { rootPath, observation: this.observation, ownership });
    this.destroyGuard = new DestroyGuard(this, "DestroyGuard", {
      rootPath,
      directories: this.directories.paths,
      files: files.map((f) => ({ path: f.path, sha256: f.contentSha256 })),
      ownership,
      remover: this.remover.resource,
      survey: this.survey,
      dependsOn: everything,
    });
  }

  /**
   * Every resource of the tree by the short logical id `useShortLogicalIds` gives it
   * (`directories`, `config_guard`, …): what each is, in the fewest characters.
   */
  public get resourcesByShortId(): ReadonlyMap<string, TerraformResource> {
    const ids = new Map<string, TerraformResource>();
    const chunks = (name: string, resources: readonly TerraformResource[]) =>
      resources.forEach((r, i) => ids.set(resources.length === 1 ? name : `${name}_${i + 1}`, r));
    ids.set("remover", this.remover.resource);
    chunks("root", this.root.resources);
    chunks("directories", this.directories.resources);
    ids.set("files_guard", this.fileSteps.writeGuard.resource);
    ids.set("config", this.config.file.file);
    ids.set("readme", this.readme.file.file);
    ids.set("files_mode", this.fileSteps.permissions.resource);
    ids.set("destroy_guard", this.destroyGuard.resource);
    return ids;
  }

  /**
   * Gives every resource its short logical id (`terraform_data.directories`,
   * `local_file.config`) in place of cdktf's construct path and hash
   * (`terraform_data.RuntimeTree_Dirs_Directories_C035C42C`), with a `moved` block from
   * that old id, so a state deployed under the old ids plans moves only: nothing is
   * created, replaced or destroyed. The engine prints a resource's address on every line
   * of its progress (issue 11's budget of the raw `cdktf deploy`). Ids must be unique in
   * a stack: call it on a stack's only tree (RuntimeStack does).
   */
  public useShortLogicalIds(): void {
    const stack = TerraformStack.of(this);
    for (const [id, resource] of this.resourcesByShortId) {
      const old = `${resource.terraformResourceType}.${stack.getLogicalId(resource)}`;
      resource.overrideLogicalId(id);
      // A resource no release had under its construct id gets no moved block (nothing to move).
      if (!NEW_SINCE_SHORT_IDS.has(id)) resource.moveFromId(old);
    }
  }
}
