import { ITerraformDependable } from "./cdk";
import { Construct } from "constructs";
import { ResolvedLayout } from "./layout";
import { ManagedFile, SharedFileSteps } from "./managed-file";
import { PermissionProps } from "./permission-command";
import { OwnershipRecord } from "./ownership-record";

/** Draws the tree as the original gate report did, from the layout. */
export function renderLayoutTree(layout: ResolvedLayout, owner: string, group: string): string {
  const mode = layout.layout.directoryMode;
  const width = Math.max(...layout.directories.map((d) => d.name.length)) + 1;
  const lines = [`${layout.root}/  ${owner}:${group} ${mode}`];
  layout.directories.forEach((d, i) => {
    const branch = i === layout.directories.length - 1 ? "└──" : "├──";
    lines.push(`${branch} ${(d.name + "/").padEnd(width + 1)} ${d.purpose}`);
  });
  return lines.join("\n");
}

/** The README placed in the runtime root. */
export function renderRuntimeReadme(layout: ResolvedLayout, owner: string, group: string): string {
  const l = layout.layout;
  return [
    "# cutter runtime tree",
    "",
    "Provisioned by cutter-runtime (CDKTF). Do not edit by hand: `npm run plan` shows drift and `npm run deploy` repairs it.",
    "",
    "```",
    renderLayoutTree(layout, owner, group),
    "```",
    "",
    `Every directory is ${owner}:${group} ${l.directoryMode}; ${l.configFileName} and ${l.readmeFileName} are ${owner}:${group} ${l.fileMode}.`,
    "",
    `- Run sidecar root: \`${layout.sidecarRoot}\`; each run is \`<run_id>/{state.json, state.lock, kb/}\` below it.`,
    `- \`${l.configFileName}\` holds paths and environment-variable NAMES only: no secret values.`,
    "- The orchestrator's execution switch is a constant in its source, never configured here.",
    "",
    "## Rollback",
    "",
    "`npm run destroy` removes this tree only while it holds no data; once a run has written anything, it stops and removes nothing that holds data.",
    "",
  ].join("\n");
}

export interface RuntimeReadmeProps extends PermissionProps {
  readonly layout: ResolvedLayout;
  /** Octal mode, 0640 at most. @default "0640" */
  readonly mode?: string;
  readonly dependsOn?: ITerraformDependable[];
  /** Passed to the ManagedFile. @default - no ownership record */
  readonly ownership?: OwnershipRecord;
  /** Passed to the ManagedFile. @default - its own write guard and owner/mode step */
  readonly steps?: SharedFileSteps;
}

/** `README.md` in the runtime root, describing the layout. */
export class RuntimeReadme extends Construct {
  public readonly file: ManagedFile;

  constructor(scope: Construct, id: string, props: RuntimeReadmeProps) {
    super(scope, id);
    const owner = props.owner ?? props.layout.layout.defaultOwner;
    const group = props.group ?? props.layout.layout.defaultGroup;
    this.file = new ManagedFile(this, "Readme", {
      path: props.layout.readmePath,
      content: renderRuntimeReadme(props.layout, owner, group),
      owner,
      group,
      mode: props.mode,
      dependsOn: props.dependsOn,
      ownership: props.ownership,
      steps: props.steps,
    });
  }
}
