/**
 * Synth in the process that asks for it (the operator CLI, or the app run by cdktf):
 * the composition (one RuntimeStack per stack spec) and `app.synth()`. This module loads
 * cdktf and the constructs; app/synth-record.ts loads it only when a synth is needed.
 */
import { App } from "../constructs/cdk";
import { StackSpec } from "../constructs/host-files";
import { RuntimeStack } from "../constructs/runtime-stack";
import { checkEngineVersionOnce } from "./engine-check-once";

/** The composition: one stack per spec, each with its own state. */
export function composeStacks(app: App, specs: readonly StackSpec[]): void {
  for (const spec of specs) new RuntimeStack(app, spec.stackName, { inputs: spec.inputs });
}

/** Synthesizes every stack into `outdir` (created if missing), with cdktf's validations. */
export function synthesizeInProcess(outdir: string, specs: readonly StackSpec[]): void {
  checkEngineVersionOnce();
  const app = new App({ outdir });
  composeStacks(app, specs);
  app.synth();
}
