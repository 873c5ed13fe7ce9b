/**
 * Bench-only preload (`node --require`, set in NODE_OPTIONS by bench/operator.ts):
 * in a node process started from this checkout's dist/ with BENCH_DIRECTORIES set, the
 * layout constant becomes the bench layout of that many directories before any module
 * reads it. Every module reads `CUTTER_LAYOUT` through the layout module's exports, so
 * the operator CLI, its checks and synth all see the generated layout. Never used by
 * the stack or the operator commands themselves.
 */
import * as path from "path";
import { benchLayout } from "./layout";

const DIST = path.resolve(__dirname, "..", "..");
const count = process.env.BENCH_DIRECTORIES;
const script = process.argv[1] ? path.resolve(process.argv[1]) : "";
if (count !== undefined && script.startsWith(DIST + path.sep)) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const layoutModule = require("../constructs/layout") as { CUTTER_LAYOUT: unknown };
  layoutModule.CUTTER_LAYOUT = benchLayout(Number(count));
}
