/**
 * Synth in the process that asks for it (the operator CLI, or the app run by cdktf):
 * the composition (one RuntimeStack per stack spec, with the app's Aspects) and
 * `app.synth()`. This module loads cdktf and the constructs; app/synth-record.ts loads
 * it only when a synth is needed.
 */
import { App, Aspects, TerraformStack } from "../constructs/cdk";
import { WrittenFilesGuard } from "../constructs/guards";
import { StackSpec } from "../constructs/host-files";
import { RuntimeStack } from "../constructs/runtime-stack";
import * as pins from "../pins/engine-pins.json";
import { checkEngineVersionOnce } from "./engine-check-once";

/** The local provider version every stack requires exactly: the one built into the offline mirror. */
export const LOCAL_PROVIDER_VERSION: string = pins.providers.local.version;

/**
 * The Aspects the app adds to each stack it composes: the written-files guard (secrets and
 * modes of every file any construct of the stack writes). Added per stack, not to the App:
 * cdktf invokes the Aspects of a stack and below only (synthesizer.js invokeAspects(stack)),
 * so one added to the App would never run.
 */
export function addAppAspects(stack: TerraformStack): void {
  const aspects = Aspects.of(stack);
  if (!aspects.all.some((a) => a instanceof WrittenFilesGuard)) aspects.add(new WrittenFilesGuard());
}

/** The composition: one stack per spec, each with its own state and the app's Aspects. */
export function composeStacks(app: App, specs: readonly StackSpec[]): RuntimeStack[] {
  return specs.map((spec) => {
    const stack = new RuntimeStack(app, spec.stackName, { inputs: spec.inputs, localProviderVersion: LOCAL_PROVIDER_VERSION });
    addAppAspects(stack);
    return stack;
  });
}

/** Synthesizes every stack into `outdir` (created if missing), with cdktf's validations. */
export function synthesizeInProcess(outdir: string, specs: readonly StackSpec[]): void {
  checkEngineVersionOnce();
  const app = new App({ outdir });
  composeStacks(app, specs);
  app.synth();
}
