import { App } from "./constructs/cdk";
import * as path from "path";
import { RuntimeStack, resolveStackSpecs } from "./constructs";
import { checkEngineVersionOnce } from "./tools/engine-check-once";
import { checkRawCliStateConnection } from "./tools/raw-cli-state";
import { engineVerbOf, invokingCommand } from "./tools/invoking-command";
import { cleanStackDirectory, guardOutputDirectory, guardStackState } from "./tools/local-state";

/**
 * Composes: inputs -> one stack per host (or the single stack from environment
 * variables) -> synth. A bad input stops here, before anything is planned.
 *
 * The app runs before every `cdktf plan|deploy|destroy`, so it also guards what those
 * commands use (the operator CLI does the same itself before synth): everything is
 * written under umask 077, the output directory must be private, each stack
 * directory holds only what synth wrote, and a state that is broken, lost or not
 * private stops the command with the exact recovery (tools/local-state.ts).
 */
try {
  process.umask(0o077);
  checkEngineVersionOnce();
  const specs = resolveStackSpecs(process.env);
  checkRawCliStateConnection(process.env);
  const app = new App();
  guardOutputDirectory(path.resolve(app.outdir));
  for (const spec of specs) new RuntimeStack(app, spec.stackName, { inputs: spec.inputs });
  app.synth();
  const stackDirectory = (stackName: string) => path.resolve(app.outdir, "stacks", stackName);
  for (const spec of specs) for (const note of cleanStackDirectory(stackDirectory(spec.stackName))) console.error(note);
  const command = invokingCommand();
  const verb = engineVerbOf(command);
  // The operator CLI guards the one stack it runs, before synth; cdktf may run any of them.
  if (command?.tool !== "cutter" && verb !== "synth") {
    for (const spec of specs) guardStackState(spec, verb, [stackDirectory(spec.stackName)]);
  }
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
