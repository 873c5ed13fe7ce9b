import * as path from "path";
import { resolveStackSpecs } from "./constructs/host-files";
import { engineVerbOf, invokingCommand } from "./app/invoking-command";
import { guardStackState } from "./app/local-state";
import { checkRawCliStateConnection } from "./app/raw-cli-state";
import { synthesizeUnlessUnchanged } from "./app/synth-record";

/**
 * Composes: inputs -> one stack per host (or the single stack from environment
 * variables) -> synth (app/synth.ts). A bad input stops here, before anything is planned.
 *
 * The app runs before every `cdktf plan|deploy|destroy`, so it also guards what those
 * commands use (the operator CLI does the same itself before synth): everything is
 * written under umask 077, the output directory must be private, each stack
 * directory holds only what synth wrote, and a state that is broken, lost or not
 * private stops the command with the exact recovery (app/local-state.ts).
 *
 * Synth itself is skipped when nothing it depends on changed (app/synth-record.ts):
 * then neither cdktf nor the constructs are loaded; every check above still runs.
 */
try {
  process.umask(0o077);
  const specs = resolveStackSpecs(process.env);
  checkRawCliStateConnection(process.env);
  // Where cdktf's App writes (its CDKTF_OUTDIR, else cdktf.out in the working directory).
  const outdir = path.resolve(process.env.CDKTF_OUTDIR ?? "cdktf.out");
  for (const note of synthesizeUnlessUnchanged(outdir, process.env, specs).notes) console.error(note);
  const command = invokingCommand();
  const verb = engineVerbOf(command);
  // The operator CLI guards the one stack it runs, before synth; cdktf may run any of them.
  if (command?.tool !== "cutter" && verb !== "synth") {
    for (const spec of specs) guardStackState(spec, verb, [path.resolve(outdir, "stacks", spec.stackName)]);
  }
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
