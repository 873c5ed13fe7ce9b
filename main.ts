import { App } from "cdktf";
import { RuntimeStack, readRuntimeInputs } from "./constructs";
import { checkEngineVersionOnce } from "./tools/engine-check-once";

/** Composes: inputs -> one stack -> synth. A bad input stops here, before anything is planned. */
try {
  checkEngineVersionOnce();
  const app = new App();
  new RuntimeStack(app, "cutter-runtime", { inputs: readRuntimeInputs(process.env) });
  app.synth();
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
