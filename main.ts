import { App } from "cdktf";
import { RuntimeStack, resolveStackSpecs } from "./constructs";
import { checkEngineVersionOnce } from "./tools/engine-check-once";
import { checkRawCliStateConnection } from "./tools/raw-cli-state";

/**
 * Composes: inputs -> one stack per host (or the single stack from environment
 * variables) -> synth. A bad input stops here, before anything is planned.
 */
try {
  checkEngineVersionOnce();
  checkRawCliStateConnection(process.env);
  const app = new App();
  for (const spec of resolveStackSpecs(process.env)) new RuntimeStack(app, spec.stackName, { inputs: spec.inputs });
  app.synth();
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
