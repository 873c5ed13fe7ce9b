/**
 * Bench-only cdktf app: the real RuntimeStack with a generated layout of
 * BENCH_DIRECTORIES subdirectories (bench/layout.ts). Same inputs as main.ts.
 */
import { App } from "../constructs/cdk";
import { RuntimeStack, readRuntimeInputs } from "../constructs";
import { benchLayout } from "./layout";
import { checkEngineVersionOnce } from "../app/engine-check-once";
import { LOCAL_PROVIDER_VERSION, addAppAspects } from "../app/synth";

try {
  checkEngineVersionOnce();
  const count = Number(process.env.BENCH_DIRECTORIES ?? "7");
  const app = new App();
  const stack = new RuntimeStack(app, "cutter-runtime", {
    inputs: readRuntimeInputs(process.env),
    layout: benchLayout(count),
    localProviderVersion: LOCAL_PROVIDER_VERSION,
  });
  addAppAspects(stack);
  app.synth();
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
