/**
 * The operator commands behind `npm run synth|plan|deploy|destroy`:
 * synthesize with the app, then use the engine directly in the stack directory
 * (CDKTF's documented pattern for reviewed plans; `cdktf deploy` always re-plans).
 *
 *   npm run plan    -- [host] [--out PLAN.tgz] [--summary FILE] [--detailed-exitcode]
 *   npm run deploy  -- [host] [--plan PLAN.tgz [--sha256 DIGEST]] [--migrate-state [--overwrite-target-state]]
 *   npm run destroy -- [host] [--auto-approve]
 *   npm run synth   -- [host]
 * Common options: --output DIR (default cdktf.out), --lock-timeout DURATION (default 0s: fail at once),
 * --help, --version (cli/command-line.ts has the options, their help and the exit codes).
 *
 * A saved plan (`--out`) is one archive: the engine's plan file, the configuration it was
 * made from, the engine's reading of it and a manifest. `deploy --plan` applies exactly that
 * plan, and only when it is what was reviewed and what the code synthesizes now
 * (cli/saved-plan.ts). Runs under cli/with-engine.sh (the npm scripts do that).
 */
import * as path from "path";
import { StackSpec, resolveStackSpecs } from "../constructs/host-files";
import { isInsideResolved } from "../constructs/path-inside";
import { withAuditLog } from "./audit-log";
import { CutterError, describeStack, helpText, parseCommandLine, selectStack } from "./command-line";
import { engineEnvironment, engineFromEnvironment, refuseOverridingVariables, stackDirectory, synthesize } from "./engine";
import { checkDestroyApproval, deployOrDestroy, hasChanges } from "./engine-apply";
import { StateRefusal, guardStackState, rememberState } from "../app/local-state";
import { deploySavedPlan, openSavedPlan, plan } from "./saved-plan";
import { versionText } from "./versions";
import { removeStaleWorkDirectories, removeWorkDirectoriesOnExit } from "./work-directory";

export { CutterError };

/** Files the command writes must never land in a managed tree (destroy would find them, or remove them). */
function checkOutsideTrees(cmd: ReturnType<typeof parseCommandLine>, specs: readonly StackSpec[]): void {
  const written: Array<[string, string | undefined]> = [
    ["--output", cmd.outputDir],
    ["--out", cmd.out],
    ["--summary", cmd.summary],
  ];
  for (const [option, value] of written) {
    if (value === undefined) continue;
    const inside = specs.find((s) => isInsideResolved(path.resolve(value), s.inputs.rootPath));
    if (inside)
      throw new CutterError(
        `${option} ${value} is inside the runtime tree ${inside.inputs.rootPath} of ${describeStack(inside)}; nothing was changed. Write it outside the tree.`,
      );
  }
}

/** Runs one operator command; returns its exit code (errors are thrown as CutterError). */
export function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): number {
  const cmd = parseCommandLine(argv);
  if (cmd.help) {
    process.stdout.write(helpText(cmd.generalHelp ? undefined : cmd.verb) + "\n");
    return 0;
  }
  if (cmd.version) {
    process.stdout.write(versionText(env) + "\n");
    return 0;
  }
  // Everything this command and the engine write (state, backup, records, output, plan archives) is private.
  process.umask(0o077);
  removeWorkDirectoriesOnExit();
  removeStaleWorkDirectories();
  checkDestroyApproval(cmd);
  // Validates every host file / input before anything runs; the app validates again at synth.
  const specs = resolveStackSpecs(env);
  checkOutsideTrees(cmd, specs);
  const needsOneStack = !(cmd.verb === "deploy" && cmd.plan) && !(cmd.verb === "synth" && cmd.host === undefined);
  const planSpec = needsOneStack ? selectStack(specs, cmd.host, cmd) : undefined;
  refuseOverridingVariables(env);
  // A saved plan's archive is checked before anything is written (cli/saved-plan.ts); it names its host.
  const saved = cmd.verb === "deploy" && cmd.plan ? openSavedPlan(cmd, specs) : undefined;
  let guarded: StackSpec[] = [];
  if (cmd.verb !== "synth") {
    guarded = saved ? [saved.spec] : planSpec ? [planSpec] : specs.filter((s) => cmd.host === undefined || s.hostName === cmd.host);
    const verb = cmd.verb === "plan" ? "plan" : cmd.verb === "destroy" ? "destroy" : "deploy";
    for (const spec of guarded) guardStackState(spec, verb, [stackDirectory(cmd.outputDir, spec)]);
    // The engine's environment (a pg connection string is checked) before anything is written.
    engineEnvironment(saved?.spec ?? planSpec!, env);
  }
  synthesize(cmd.outputDir, env, specs);
  if (cmd.verb === "synth") {
    for (const spec of planSpec ? [planSpec] : specs) process.stdout.write(`${describeStack(spec)}: ${stackDirectory(cmd.outputDir, spec)}\n`);
    return 0;
  }
  const engine = engineFromEnvironment(env);
  if (saved) {
    deploySavedPlan(cmd, saved, engine, env);
    rememberState(saved.spec);
    return 0;
  }
  const spec = planSpec!;
  const stackEnv = engineEnvironment(spec, env);
  if (cmd.verb === "plan") {
    const reading = plan(cmd, spec, engine, stackEnv);
    return cmd.detailedExitcode && hasChanges(reading) ? 2 : 0;
  }
  deployOrDestroy(cmd, spec, engine, stackEnv);
  rememberState(spec);
  return 0;
}

if (require.main === module) {
  try {
    let code = 0;
    withAuditLog(process.argv.slice(2), process.env, () => (code = main(process.argv.slice(2))));
    process.exitCode = code;
    // A SIGINT/SIGTERM that reached only this process while the engine ran is pending:
    // one more turn of the event loop runs its handler (exit 128+n) instead of exiting 0.
    setImmediate(() => undefined);
  } catch (error) {
    // Operator errors and refusals are one message; anything else is shown without its stack trace too.
    const message = error instanceof Error ? error.message : String(error);
    console.error(error instanceof StateRefusal ? message : `cutter: ${message}`);
    process.exit(1);
  }
}
