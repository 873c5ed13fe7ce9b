/**
 * The bench's verify phase: the real verifier (cli/verify.ts, as `npm run verify`
 * runs it) against a bench host's layout, in its own process so the phase costs what
 * the command costs (node start, stats, hashes, schema).
 *
 *   node dist/bench/verify.js ROOT SIZE
 *
 * Exit 0 on PASS; 1 with every problem listed otherwise.
 */
import { readRuntimeInputs } from "../constructs/runtime-inputs";
import { verifyTree } from "../cli/verify";
import { layoutForSize } from "./layout";

if (require.main === module) {
  const [root, size] = process.argv.slice(2);
  const report = verifyTree(readRuntimeInputs({ CUTTER_RUNTIME_ROOT: root }), { layout: layoutForSize(Number(size)) });
  if (report.verdict !== "PASS") {
    console.error(`verify: ${report.problems.length} problem(s) in ${root}:\n` + report.problems.map((p) => `  - ${p}`).join("\n"));
    process.exit(1);
  }
  console.log(`verify: ${root} PASS (${report.directoryCount} directories)`);
}
