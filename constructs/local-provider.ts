/**
 * The one place the project takes the hashicorp/local provider bindings from: the
 * prebuilt @cdktf/provider-local for cdktf (the default), the bindings `cdktn get`
 * generated from the offline mirror for CDK Terrain (terrain/gen, compiled by setup;
 * docs/cdk-terrain.md). @cdktf/provider-local cannot be used with cdktn (it loads
 * cdktf's core beside cdktn's, and synth fails). Same class names and configs; the
 * types are the prebuilt package's.
 */
import type * as DataLocalCommandModule from "@cdktf/provider-local/lib/data-local-command";
import type * as FileModule from "@cdktf/provider-local/lib/file";
import type * as ProviderModule from "@cdktf/provider-local/lib/provider";
import type * as SensitiveFileModule from "@cdktf/provider-local/lib/sensitive-file";
import { CDK_FLAVOUR } from "./cdk";
import { TERRAIN_LOCAL_PROVIDER_DIR } from "./cdk-flavour";

interface LocalBindings {
  readonly LocalProvider: typeof ProviderModule.LocalProvider;
  readonly File: typeof FileModule.File;
  readonly SensitiveFile: typeof SensitiveFileModule.SensitiveFile;
  readonly DataLocalCommand: typeof DataLocalCommandModule.DataLocalCommand;
}

function loadBindings(): LocalBindings {
  if (CDK_FLAVOUR === "cdktf") {
    /* eslint-disable @typescript-eslint/no-require-imports -- the bindings are chosen at run time (CUTTER_CDK); only the flavour in use is loaded */
    return {
      LocalProvider: require("@cdktf/provider-local/lib/provider").LocalProvider,
      File: require("@cdktf/provider-local/lib/file").File,
      SensitiveFile: require("@cdktf/provider-local/lib/sensitive-file").SensitiveFile,
      DataLocalCommand: require("@cdktf/provider-local/lib/data-local-command").DataLocalCommand,
    };
  }
  // Generated layout: one namespace per resource (index.ts: `export * as file from './file/index'`).
  const generated = require(TERRAIN_LOCAL_PROVIDER_DIR);
  /* eslint-enable @typescript-eslint/no-require-imports */
  return {
    LocalProvider: generated.provider.LocalProvider,
    File: generated.file.File,
    SensitiveFile: generated.sensitiveFile.SensitiveFile,
    DataLocalCommand: generated.dataLocalCommand.DataLocalCommand,
  };
}
const bindings = loadBindings();

export const LocalProvider = bindings.LocalProvider;
export type LocalProvider = ProviderModule.LocalProvider;
export const File = bindings.File;
export type File = FileModule.File;
export const SensitiveFile = bindings.SensitiveFile;
export type SensitiveFile = SensitiveFileModule.SensitiveFile;
export const DataLocalCommand = bindings.DataLocalCommand;
export type DataLocalCommand = DataLocalCommandModule.DataLocalCommand;
