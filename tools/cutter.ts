/**
 * The operator commands behind `npm run synth|plan|deploy|destroy`:
 * synthesize with the app, then use the engine directly in the stack directory
 * (CDKTF's documented pattern for reviewed plans; `cdktf deploy` always re-plans).
 *
 *   npm run plan    -- [host] [--out PLAN.tgz] [--summary FILE]
 *   npm run deploy  -- [host] [--plan PLAN.tgz [--sha256 DIGEST]] [--migrate-state [--overwrite-target-state]]
 *   npm run destroy -- [host]
 *   npm run synth   -- [host]
 * Common options: --output DIR (default cdktf.out), --lock-timeout DURATION (default 0s: fail at once).
 *
 * A saved plan (`--out`) is one archive: the engine's plan file, the configuration it was
 * made from, the engine's reading of it and a manifest. `deploy --plan` applies exactly that
 * plan, and only when it is what was reviewed and what the code synthesizes now
 * (tools/saved-plan.ts). Runs under tools/with-engine.sh (the npm scripts do that).
 */
import { resolveStackSpecs } from "../constructs/host-files";
import { withAuditLog } from "./audit-log";
import { CutterError, describeStack, parseCommandLine, selectStack } from "./command-line";
import { engineEnvironment, engineFromEnvironment, init, mustSucceed, refuseOverridingVariables, runEngine, stackDirectory, synthesize } from "./engine";
import { checkMigrationTarget, checkStateWritable } from "./pg-state";
import { deploySavedPlan, openSavedPlan, plan } from "./saved-plan";

export { CutterError };

export function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): void {
  const cmd = parseCommandLine(argv);
  // Validates every host file / input before anything runs; the app validates again at synth.
  const specs = resolveStackSpecs(env);
  const needsOneStack = !(cmd.verb === "deploy" && cmd.plan) && !(cmd.verb === "synth" && cmd.host === undefined);
  const planSpec = needsOneStack ? selectStack(specs, cmd.host) : undefined;
  refuseOverridingVariables(env);
  // A saved plan's archive is checked before anything is written (tools/saved-plan.ts).
  const saved = cmd.verb === "deploy" && cmd.plan ? openSavedPlan(cmd, specs) : undefined;
  // The engine's environment (a pg connection string is checked) before anything is written.
  if (cmd.verb !== "synth") engineEnvironment(saved?.spec ?? planSpec!, env);
  synthesize(cmd.outputDir, env);
  if (cmd.verb === "synth") {
    for (const spec of planSpec ? [planSpec] : specs) process.stdout.write(`${describeStack(spec)}: ${stackDirectory(cmd.outputDir, spec)}\n`);
    return;
  }
  const engine = engineFromEnvironment(env);
  if (saved) return deploySavedPlan(cmd, saved, engine, env);
  const spec = planSpec!;
  const stackEnv = engineEnvironment(spec, env);
  const dir = stackDirectory(cmd.outputDir, spec);
  if (cmd.verb === "plan") return plan(cmd, spec, engine, stackEnv);
  if (cmd.migrateState) checkMigrationTarget(engine, spec, dir, stackEnv, cmd.overwriteTargetState);
  init(engine, dir, stackEnv, cmd.migrateState);
  checkStateWritable(engine, spec, dir, stackEnv);
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
