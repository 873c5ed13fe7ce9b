/**
 * What the stack writes for a set of inputs, recomputed from the same layout and
 * builders the constructs use (never from the constructs' internals or state).
 */
import { createHash } from "crypto";
import {
  CUTTER_LAYOUT,
  ResolvedLayout,
  RuntimeInputs,
  RuntimeLayout,
  buildOrchestratorConfig,
  renderOrchestratorConfig,
  renderRuntimeReadme,
  resolveLayout,
} from "../constructs";

export interface ExpectedFile {
  /** "config" or "readme". */
  readonly role: "config" | "readme";
  readonly path: string;
  readonly content: string;
  readonly sha256: string;
}

export interface ExpectedTree {
  readonly inputs: RuntimeInputs;
  readonly layout: ResolvedLayout;
  readonly owner: string;
  readonly group: string;
  readonly directoryMode: string;
  readonly fileMode: string;
  readonly config: ExpectedFile;
  readonly readme: ExpectedFile;
}

export function sha256(content: string | Buffer): string {
  return createHash("sha256").update(content).digest("hex");
}

/** What the stack writes for `inputs` (and `layout`: the bench passes generated ones). */
export function expectedTree(inputs: RuntimeInputs, runtimeLayout: RuntimeLayout = CUTTER_LAYOUT): ExpectedTree {
  const layout = resolveLayout(inputs.rootPath, runtimeLayout);
  const config = renderOrchestratorConfig(buildOrchestratorConfig(layout, inputs.envFilePath, inputs.backupKeyStatus));
  const readme = renderRuntimeReadme(layout, inputs.owner, inputs.group);
  return {
    inputs,
    layout,
    owner: inputs.owner,
    group: inputs.group,
    directoryMode: layout.layout.directoryMode,
    fileMode: layout.layout.fileMode,
    config: { role: "config", path: layout.configPath, content: config, sha256: sha256(config) },
    readme: { role: "readme", path: layout.readmePath, content: readme, sha256: sha256(readme) },
  };
}
