import { LocalProvider } from "./local-provider";
import { LocalBackend, TerraformBackend, TerraformRemoteState, TerraformStack } from "./cdk";
import { Construct } from "constructs";
import { RuntimeLayout } from "./layout";
import { RuntimeInputs } from "./runtime-inputs";
import { RuntimeTree } from "./runtime-tree";

export interface RuntimeStackProps {
  readonly inputs: RuntimeInputs;
  /** The layout to build (the bench passes generated ones). @default CUTTER_LAYOUT */
  readonly layout?: RuntimeLayout;
  /**
   * The version of the local provider the configuration requires exactly (the app passes the
   * one built into the offline mirror, pins/engine-pins.json).
   * @default - the version the provider bindings were generated for (their own required_providers entry)
   */
  readonly localProviderVersion?: string;
}

/**
 * The pg backend with only the schema synthesized: the connection string (it holds
 * credentials) comes from the engine's PG_CONN_STR at run time and so never lands in
 * cdktf.out, a plan archive or the repository. (cdktf's PgBackend requires connStr.)
 */
class PgSchemaBackend extends TerraformBackend {
  constructor(
    scope: Construct,
    private readonly schemaName: string,
  ) {
    super(scope, "backend", "pg");
  }

  protected synthesizeAttributes(): { [name: string]: unknown } {
    return { schema_name: this.schemaName };
  }

  protected synthesizeHclAttributes(): { [name: string]: unknown } {
    return { schema_name: this.schemaName };
  }

  public getRemoteStateDataSource(): TerraformRemoteState {
    throw new Error("cutter-runtime stacks do not read each other's state");
  }
}

/** One host's runtime tree with its own state: a local file, or a PostgreSQL schema of its own. */
export class RuntimeStack extends TerraformStack {
  public readonly tree: RuntimeTree;

  constructor(scope: Construct, id: string, props: RuntimeStackProps) {
    super(scope, id);
    const { inputs } = props;
    if (inputs.stateBackend === "pg") new PgSchemaBackend(this, inputs.statePgSchema);
    else new LocalBackend(this, { path: inputs.statePath });
    new LocalProvider(this, "local");
    if (props.localProviderVersion !== undefined) this.addOverride("terraform.required_providers.local.version", props.localProviderVersion);
    this.tree = new RuntimeTree(this, "RuntimeTree", {
      rootPath: inputs.rootPath,
      owner: inputs.owner,
      group: inputs.group,
      envFilePath: inputs.envFilePath,
      backupKeyStatus: inputs.backupKeyStatus,
      ownership: { directory: inputs.ownershipDir, adoptExisting: inputs.adoptExisting },
      layout: props.layout,
    });
    // Short resource addresses: the engine prints one on every progress line (issue 11).
    this.tree.useShortLogicalIds();
  }

  /**
   * The configuration without cdktf's `"//"` comment on each resource and data source
   * (construct path, unique id): the engine ignores it, and the cdktf CLI uses it only to
   * append the construct path to every output line that names a resource, which ran the
   * step lines of `npx cdktf deploy` past 200 characters. The stack's own `"//"` stays.
   */
  public toTerraform(): ReturnType<TerraformStack["toTerraform"]> {
    const tf = super.toTerraform();
    for (const kind of ["resource", "data"]) {
      for (const byName of Object.values((tf[kind] ?? {}) as Record<string, Record<string, Record<string, unknown>>>)) {
        for (const element of Object.values(byName)) delete element["//"];
      }
    }
    return tf;
  }
}
