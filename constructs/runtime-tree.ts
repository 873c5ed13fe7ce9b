import { Construct } from "constructs";
import { DriftChecks } from "./drift-checks";
import { CUTTER_LAYOUT, ResolvedLayout, RuntimeLayout, resolveLayout } from "./layout";
import { OrchestratorConfig } from "./orchestrator-config";
import { RuntimeDirectory } from "./runtime-directory";
import { RuntimeReadme } from "./runtime-readme";
import { ExpectedPath, TreeObservation } from "./tree-observation";
import { Problems, runtimeRootRule } from "./validation";

export interface RuntimeTreeProps {
  /** Absolute path of the runtime root. @default "/var/lib/cutter" */
  readonly rootPath?: string;
  /** Owner of every managed path. @default "root" */
  readonly owner?: string;
  /** Group of every managed path. @default "root" */
  readonly group?: string;
  /** Absolute path of the env file the orchestrator reads secrets from. @default "/opt/incomex/docker/.env" */
  readonly envFilePath?: string;
  /** Mode of every directory, 0750 at most. @default "0750" */
  readonly directoryMode?: string;
  /** Mode of the config and README, 0640 at most. @default "0640" */
  readonly fileMode?: string;
  /** The layout to build. @default CUTTER_LAYOUT */
  readonly layout?: RuntimeLayout;
}

/** The whole runtime tree of one host: root, subdirectories, config and README. */
export class RuntimeTree extends Construct {
  public readonly layout: ResolvedLayout;
  public readonly owner: string;
  public readonly group: string;
  public readonly root: RuntimeDirectory;
  public readonly directories: readonly RuntimeDirectory[];
  public readonly config: OrchestratorConfig;
  public readonly readme: RuntimeReadme;
  /** The real state of every managed path, read at plan time. */
  public readonly observation: TreeObservation;
  /** Drift of each managed path, shown in the plan as check warnings. */
  public readonly driftChecks: DriftChecks;

  constructor(scope: Construct, id: string, props: RuntimeTreeProps = {}) {
    super(scope, id);
    const layout = props.layout ?? CUTTER_LAYOUT;
    const rootPath = props.rootPath ?? layout.defaultRoot;
    const problems = new Problems();
    const rootProblem = runtimeRootRule(rootPath);
    if (rootProblem) problems.add("rootPath", rootPath, rootProblem);
    problems.throwIfAny(`RuntimeTree ${this.node.path}`);

    this.layout = resolveLayout(rootPath, layout);
    this.owner = props.owner ?? layout.defaultOwner;
    this.group = props.group ?? layout.defaultGroup;
    const directoryMode = props.directoryMode ?? layout.directoryMode;
    const fileMode = props.fileMode ?? layout.fileMode;
    const ids = { owner: this.owner, group: this.group };

    this.root = new RuntimeDirectory(this, "Root", { path: rootPath, ...ids, mode: directoryMode });
    const inRoot = [this.root.directory];
    const dirs = new Construct(this, "Dirs");
    this.directories = this.layout.directories.map(
      (d) => new RuntimeDirectory(dirs, d.name, { path: d.path, ...ids, mode: directoryMode, dependsOn: inRoot }),
    );
    this.config = new OrchestratorConfig(this, "OrchestratorConfig", {
      layout: this.layout,
      envFilePath: props.envFilePath,
      ...ids,
      mode: fileMode,
      dependsOn: inRoot,
    });
    this.readme = new RuntimeReadme(this, "RuntimeReadme", { layout: this.layout, ...ids, mode: fileMode, dependsOn: inRoot });

    // Drift (issue 4): observe every managed path at plan time, show what differs,
    // and re-run a path's permission command (which also re-creates a missing
    // directory) when it drifted. local_file itself re-writes changed content.
    const permissions = [this.root.permissions, ...this.directories.map((d) => d.permissions)];
    const files = [this.config.file, this.readme.file];
    const expected: ExpectedPath[] = [
      ...permissions.map((p) => ({ path: p.path, kind: p.kind, owner: p.owner, group: p.group, mode: p.mode })),
      ...files.map((f) => ({ path: f.path, kind: f.permissions.kind, owner: f.permissions.owner, group: f.permissions.group, mode: f.permissions.mode, contentSha256: f.contentSha256 })),
    ];
    this.observation = new TreeObservation(this, "Observation", { paths: expected });
    for (const p of [...permissions, ...files.map((f) => f.permissions)]) p.repairOnDrift(this.observation.repairExpression(p.path));
    this.driftChecks = new DriftChecks(this, "DriftChecks", { observation: this.observation, rootPath: rootPath });
  }
}
