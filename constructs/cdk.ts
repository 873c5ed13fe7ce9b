/**
 * The one place the project takes the CDK core from: cdktf 0.21 by default, CDK Terrain
 * (cdktn 0.24) with CUTTER_CDK=cdktn (constructs/cdk-flavour.ts, docs/cdk-terrain.md).
 * cdktn exports every name of cdktf 0.21 with the same behaviour, so the types are
 * cdktf's and only the module loaded differs. These are the names the project uses;
 * add one here before using it elsewhere.
 */
import type * as Cdktf from "cdktf";
import * as fs from "fs";
import * as path from "path";
import { CdkFlavour, CdkFlavourError, assertTerrainInstalled, cdkCoreDirectory, cdkFlavourOf } from "./cdk-flavour";

/**
 * A process cannot do anything useful on an unknown or missing CDK, and this runs while
 * modules load (before any entry point's own error handling): say it in one line and stop.
 */
function orStop<T>(load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (!(error instanceof CdkFlavourError)) throw error;
    // eslint-disable-next-line no-console -- no construct exists yet: the CDK itself could not be loaded
    console.error(`cutter-runtime: ${error.message}`);
    process.exit(1);
  }
}

/** The CDK this process synthesizes with (CUTTER_CDK when it was loaded). */
export const CDK_FLAVOUR: CdkFlavour = orStop(() => cdkFlavourOf(process.env));

const core: typeof Cdktf = orStop(() => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the core is chosen at run time (CUTTER_CDK)
  if (CDK_FLAVOUR === "cdktf") return require("cdktf");
  assertTerrainInstalled();
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the core is chosen at run time (CUTTER_CDK)
  return require(cdkCoreDirectory("cdktn"));
});

/** Package name and version of the core loaded (e.g. cdktn 0.24.0): the version synth writes into cdk.tf.json. */
export const CDK_CORE: { readonly name: string; readonly version: string } = (() => {
  const { name, version } = JSON.parse(fs.readFileSync(path.join(cdkCoreDirectory(CDK_FLAVOUR), "package.json"), "utf8"));
  return { name, version };
})();

export const App = core.App;
export type App = Cdktf.App;
export const Annotations = core.Annotations;
export type Annotations = Cdktf.Annotations;
export const Aspects = core.Aspects;
export type Aspects = Cdktf.Aspects;
export const DataResource = core.DataResource;
export type DataResource = Cdktf.DataResource;
export const Lazy = core.Lazy;
export type Lazy = Cdktf.Lazy;
export const LocalBackend = core.LocalBackend;
export type LocalBackend = Cdktf.LocalBackend;
export const TerraformBackend = core.TerraformBackend;
export type TerraformBackend = Cdktf.TerraformBackend;
export const TerraformDataSource = core.TerraformDataSource;
export type TerraformDataSource = Cdktf.TerraformDataSource;
export const TerraformRemoteState = core.TerraformRemoteState;
export type TerraformRemoteState = Cdktf.TerraformRemoteState;
export const TerraformResource = core.TerraformResource;
export type TerraformResource = Cdktf.TerraformResource;
export const TerraformStack = core.TerraformStack;
export type TerraformStack = Cdktf.TerraformStack;
export const Testing = core.Testing;
export type Testing = Cdktf.Testing;
export const dependable = core.dependable;
export type IAspect = Cdktf.IAspect;
export type ITerraformDependable = Cdktf.ITerraformDependable;
export type LocalExecProvisioner = Cdktf.LocalExecProvisioner;
