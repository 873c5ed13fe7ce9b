/**
 * Bench-only cdktf app: the real RuntimeStack with a generated layout of
 * BENCH_DIRECTORIES subdirectories (bench/layout.ts). Same inputs as main.ts.
 */
import { App } from "../constructs/cdk";
import { RuntimeStack, readRuntimeInputs } from "../constructs";
import { benchLayout } from "./layout";
import { checkEngineVersionOnce } from "../app/engine-check-once";

try {
  checkEngineVersionOnce();
  const count = Number(process.env.BENCH_DIRECTORIES ?? "7");
  const app = new App();
  new RuntimeStack(app, "cutter-runtime", { inputs: readRuntimeInputs(process.env), layout: benchLayout(count) });
  app.synth();
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
