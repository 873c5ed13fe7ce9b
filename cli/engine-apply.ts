/**
 * `npm run deploy` and `npm run destroy` without a saved plan, and the apply step every
 * deploy shares: plan into a private file (the engine's plan listing is printed complete),
 * read it (`show -json`), ask on a terminal before a destroy, apply exactly that file,
 * and end with what was done.
 *
 * What an apply prints is condensed (cli/engine-output.ts): the stack's own step lines
 * (`created /var/lib/cutter/runs root:root 0750`), the engine's closing line, and, when a
 * step refused, its reasons last, just before the command's own last line. A deploy ends
 * with the summary of what it did: the same write set `npm run plan` prints.
 */
import * as path from "path";
import { StackSpec } from "../constructs/host-files";
import { CommandLine, CutterError, describeStack, npmCommand } from "./command-line";
import { confirm, onTerminal } from "./confirm";
import { Captured, Engine, init, mustSucceed, runEngineQuietly, stackDirectory } from "./engine";
import { Applied, applyPlanFile, planDisplay } from "./engine-output";
import { keepErroredState } from "../app/local-state";
import { checkMigrationTarget, checkStateWritable } from "./pg-state";
import { renderPlanSummary } from "./plan-summary";
import { showJson } from "./saved-plan";
import { makeWorkDirectory, removeWorkDirectory } from "./work-directory";

/**
 * True when a plan would change anything: a resource, an output, or a resource's address in the
 * state (a `moved` block: runtime-tree.ts's short ids), so a deploy records the move once.
 */
export function hasChanges(reading: any): boolean {
  const changing = (actions: unknown) => Array.isArray(actions) && actions.some((a) => a !== "no-op" && a !== "read");
  const moved = (rc: any) => typeof rc?.previous_address === "string" && rc.previous_address !== rc.address;
  return (
    (reading?.resource_changes ?? []).some((rc: any) => changing(rc?.change?.actions) || moved(rc)) ||
    Object.values(reading?.output_changes ?? {}).some((oc: any) => changing(oc?.actions))
  );
}

/** The command's last line when an apply did not complete: what stopped it, what the state is, what to do. */
export function applyFailure(cmd: CommandLine, spec: StackSpec, engine: Engine, applied: Applied, recovery?: string): CutterError {
  const again = npmCommand(cmd, cmd.verb, spec.hostName, cmd.verb === "destroy" ? ["--auto-approve"] : []);
  if (recovery) return mustFail(applied, `${engine.kind} apply of ${describeStack(spec)}`, recovery);
  if (/Saved plan is stale/.test(applied.output)) {
    return new CutterError(
      `${cmd.verb} of ${describeStack(spec)} stopped: the state changed between its plan and its apply (another deploy?); nothing was changed. Run it again: ${again}`,
    );
  }
  if (applied.reasons.length > 0) {
    const what = cmd.verb === "destroy" ? "destroy" : "deploy";
    return new CutterError(`${what} of ${describeStack(spec)} stopped by the step above (exit ${applied.code}); run ${again} once that is dealt with.`);
  }
  return mustFail(applied, `${engine.kind} apply of ${describeStack(spec)}`);
}

function mustFail(result: Captured, what: string, recovery?: string): CutterError {
  try {
    mustSucceed(result, what, undefined, recovery);
  } catch (error) {
    return error as CutterError;
  }
  return new CutterError(`${what} failed`);
}

/** Stops a destroy that cannot ask and was not told to go on, before anything runs. */
export function checkDestroyApproval(cmd: CommandLine): void {
  if (cmd.verb !== "destroy" || cmd.autoApprove || onTerminal()) return;
  throw new CutterError(
    `destroy asks before it removes anything, and there is no terminal to ask on; nothing was changed. Pass --auto-approve to destroy without asking (a pipeline's rollback job does: ${npmCommand(cmd, "destroy", cmd.host, ["--auto-approve"])})`,
  );
}

/** Plans, applies and says what was done: `npm run deploy` (no --plan) and `npm run destroy`. */
export function deployOrDestroy(cmd: CommandLine, spec: StackSpec, engine: Engine, env: NodeJS.ProcessEnv): void {
  const destroy = cmd.verb === "destroy";
  const dir = stackDirectory(cmd.outputDir, spec);
  if (cmd.migrateState) checkMigrationTarget(engine, spec, dir, env, cmd.overwriteTargetState);
  init(engine, dir, env, cmd.migrateState);
  checkStateWritable(engine, spec, dir, env);
  const work = makeWorkDirectory(cmd.verb);
  try {
    const planFile = path.join(work, "plan.tfplan");
    const planned = runEngineQuietly(
      engine,
      ["plan", "-input=false", "-no-color", `-lock-timeout=${cmd.lockTimeout}`, ...(destroy ? ["-destroy"] : []), `-out=${planFile}`],
      dir,
      env,
    );
    process.stdout.write(planDisplay(planned.output));
    const errored = planned.code === 0 ? undefined : keepErroredState(spec, dir, engine.kind);
    mustSucceed(planned, `${engine.kind} plan${destroy ? " -destroy" : ""} of ${describeStack(spec)}`, dir, errored);
    const reading = showJson(engine, planFile, dir, env);
    if (!hasChanges(reading)) {
      process.stdout.write(`\n${renderPlanSummary(spec, reading, { done: true }).replace(/ What it did \(write set\):\n/, " Nothing to apply:\n")}`);
      return;
    }
    if (destroy && !cmd.autoApprove) {
      const root = spec.inputs.rootPath;
      confirm(
        `\nDestroy the runtime tree ${root} of ${describeStack(spec)}?\n` +
          `  It removes what the stack created there, only while the tree holds nothing else (the destroy guard stops it before anything is removed otherwise).`,
        `destroy of ${describeStack(spec)} not confirmed; nothing was changed.`,
      );
    }
    const applied = applyPlanFile(engine, planFile, dir, env, cmd.lockTimeout);
    if (applied.code !== 0) throw applyFailure(cmd, spec, engine, applied, keepErroredState(spec, dir, engine.kind));
    if (!destroy) process.stdout.write(`\n${renderPlanSummary(spec, reading, { done: true })}`);
  } finally {
    removeWorkDirectory(work);
  }
}
