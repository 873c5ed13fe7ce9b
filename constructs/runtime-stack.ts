import { LocalProvider } from "@cdktf/provider-local/lib/provider";
import { LocalBackend, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import * as pins from "../tools/engine-pins.json";
import { RuntimeLayout } from "./layout";
import { RuntimeInputs } from "./runtime-inputs";
import { RuntimeTree } from "./runtime-tree";

export interface RuntimeStackProps {
  readonly inputs: RuntimeInputs;
  /** The layout to build (the bench passes generated ones). @default CUTTER_LAYOUT */
  readonly layout?: RuntimeLayout;
}

/** One host's runtime tree with its own local state. */
export class RuntimeStack extends TerraformStack {
  public readonly tree: RuntimeTree;

  constructor(scope: Construct, id: string, props: RuntimeStackProps) {
    super(scope, id);
    const { inputs } = props;
    new LocalBackend(this, { path: inputs.statePath });
    new LocalProvider(this, "local");
    // The provider built into the offline mirror (tools/engine-pins.json), exactly.
    this.addOverride("terraform.required_providers.local.version", pins.providers.local.version);
    this.tree = new RuntimeTree(this, "RuntimeTree", {
      rootPath: inputs.rootPath,
      owner: inputs.owner,
      group: inputs.group,
      envFilePath: inputs.envFilePath,
      layout: props.layout,
    });
  }
}
