/**
 * The operator commands behind `npm run synth|plan|deploy|destroy`:
 * synthesize with the app, then use the engine directly in the stack directory
 * (CDKTF's documented pattern for reviewed plans; `cdktf deploy` always re-plans).
 *
 *   npm run plan    -- [host] [--out PLAN.tgz] [--summary FILE]
 *   npm run deploy  -- [host] [--plan PLAN.tgz] [--migrate-state]
 *   npm run destroy -- [host]
 *   npm run synth   -- [host]
 * Common options: --output DIR (default cdktf.out), --lock-timeout DURATION (default 0s: fail at once).
 *
 * A saved plan (`--out`) is one archive: the engine's plan file, the synthesized stack
 * directory it was made from (cdk.tf.json + provider lock file) and a manifest. `deploy
 * --plan` applies exactly that plan: it refuses if the configuration synthesized now is
 * not byte-identical (code or inputs changed), and the engine refuses a stale plan (state
 * changed). Runs under tools/with-engine.sh (the npm scripts do that).
 */
import { resolveStackSpecs } from "../constructs/host-files";
import { withAuditLog } from "./audit-log";
import { CutterError, describeStack, parseCommandLine, selectStack } from "./command-line";
import { engineEnvironment, engineFromEnvironment, init, mustSucceed, runEngine, stackDirectory, synthesize } from "./engine";
import { deploySavedPlan, plan } from "./saved-plan";

export { CutterError };

export function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): void {
  const cmd = parseCommandLine(argv);
  // Validates every host file / input before anything runs; the app validates again at synth.
  const specs = resolveStackSpecs(env);
  const needsOneStack = !(cmd.verb === "deploy" && cmd.plan) && !(cmd.verb === "synth" && cmd.host === undefined);
  const planSpec = needsOneStack ? selectStack(specs, cmd.host) : undefined;
  synthesize(cmd.outputDir, env);
  if (cmd.verb === "synth") {
    for (const spec of planSpec ? [planSpec] : specs) process.stdout.write(`${describeStack(spec)}: ${stackDirectory(cmd.outputDir, spec)}\n`);
    return;
  }
  const engine = engineFromEnvironment(env);
  if (cmd.verb === "deploy" && cmd.plan) return deploySavedPlan(cmd, specs, engine, env);
  const spec = planSpec!;
  const stackEnv = engineEnvironment(spec, env);
  const dir = stackDirectory(cmd.outputDir, spec);
  if (cmd.verb === "plan") return plan(cmd, spec, engine, stackEnv);
  init(engine, dir, stackEnv, cmd.migrateState);
  const args = ["apply", "-input=false", "-no-color", "-auto-approve", `-lock-timeout=${cmd.lockTimeout}`];
  if (cmd.verb === "destroy") args.push("-destroy");
  mustSucceed(runEngine(engine, args, dir, stackEnv), `${engine.kind} ${cmd.verb === "destroy" ? "apply -destroy" : "apply"} of ${describeStack(spec)}`);
}

if (require.main === module) {
  try {
    withAuditLog(process.argv.slice(2), process.env, () => main(process.argv.slice(2)));
  } catch (error) {
    console.error(`cutter: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
