/**
 * State backends, checked with the engine itself before anything changes:
 *
 * - `checkStateWritable`: the engine writes a throw-away state into workspace
 *   `cutter-privilege-check` of the stack's own backend, by the same code path (and with
 *   the same privileges) as the state write at the end of an apply. A role that may read
 *   but not write (pg: `permission denied for sequence global_states_id_seq`, `must be
 *   owner of table states`) stops here, before the apply changes the disk.
 * - `checkMigrationTarget`: before `init -migrate-state -force-copy` (which answers "yes,
 *   overwrite" to the engine's question), the target is read: if it already holds a state
 *   with resources, the migration is refused unless the operator forces it, naming what is
 *   there.
 *
 * The engine is run in a private temporary directory holding only the stack's backend
 * block (no providers, no resources), so nothing in the stack directory changes.
 */
import { randomUUID } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { StackSpec } from "../constructs/host-files";
import { CutterError, describeStack } from "./command-line";
import { Engine, runEngineQuietly } from "./engine";
import { PRIVILEGES_DOC, stateFailureHint } from "./engine-failures";
import { makeWorkDirectory, removeWorkDirectory } from "./work-directory";

/** The workspace the write check uses; never the stack's own ("default"). */
export const PRIVILEGE_CHECK_WORKSPACE = "cutter-privilege-check";

/** The backend block of a synthesized stack directory (`terraform.backend` of cdk.tf.json). */
export function synthesizedBackend(stackDir: string): Record<string, Record<string, unknown>> {
  const config = JSON.parse(fs.readFileSync(path.join(stackDir, "cdk.tf.json"), "utf8"));
  return config?.terraform?.backend ?? { local: {} };
}

/** Runs `fn` in a private temporary directory initialised with only `backend`. */
function withBackendOnly<T>(engine: Engine, backend: Record<string, unknown>, env: NodeJS.ProcessEnv, fn: (dir: string) => T): T {
  const dir = makeWorkDirectory("backend");
  try {
    fs.writeFileSync(path.join(dir, "backend.tf.json"), JSON.stringify({ terraform: { backend } }, null, 2) + "\n", { mode: 0o600 });
    const init = runEngineQuietly(engine, ["init", "-input=false", "-no-color"], dir, env);
    if (init.code !== 0) throw new BackendUnusable(init.output);
    return fn(dir);
  } finally {
    removeWorkDirectory(dir);
  }
}

class BackendUnusable extends Error {
  constructor(public readonly output: string) {
    super("backend init failed");
  }
}

/** The `Error:` lines of engine output (its diagnostics), one line each. */
export function engineErrors(output: string): string[] {
  // eslint-disable-next-line no-control-regex
  const plain = output.replace(/\x1b\[[0-9;]*m/g, "").replace(/[│╷╵]/g, "");
  const found: string[] = [];
  const lines = plain.split("\n").map((l) => l.trim());
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].startsWith("Error:")) continue;
    const detail = lines.slice(i + 1, i + 4).filter((l) => l !== "" && !l.startsWith("Error:"))[0];
    found.push(detail ? `${lines[i]} ${detail}` : lines[i]);
  }
  return found.length > 0 ? found : lines.filter((l) => /^(Failed|Error)\b/.test(l)).slice(0, 3);
}

/**
 * Proves the stack's backend accepts a state write from this run's credentials, before the
 * apply changes anything: the engine pushes a throw-away state into workspace
 * `cutter-privilege-check` (an insert on the first run, an update after: the statements
 * of the apply's own state write).
 */
export function checkStateWritable(engine: Engine, spec: StackSpec, stackDir: string, env: NodeJS.ProcessEnv): void {
  if (spec.inputs.stateBackend !== "pg") return;
  const backend = synthesizedBackend(stackDir);
  let failure: string | undefined;
  try {
    withBackendOnly(engine, backend, env, (dir) => {
      const probe = path.join(dir, "probe.tfstate");
      // A new lineage each time: the engine skips a write that would change nothing.
      const state = { version: 4, serial: 1, lineage: randomUUID(), terraform_version: engine.version, outputs: {}, resources: [], check_results: null };
      fs.writeFileSync(probe, JSON.stringify(state) + "\n", { mode: 0o600 });
      const pushed = runEngineQuietly(engine, ["state", "push", "-force", "-lock=false", probe], dir, { ...env, TF_WORKSPACE: PRIVILEGE_CHECK_WORKSPACE });
      if (pushed.code !== 0) failure = pushed.output;
    });
  } catch (error) {
    if (!(error instanceof BackendUnusable)) throw error;
    failure = error.output;
  }
  if (failure === undefined) return;
  const reasons = engineErrors(failure);
  throw new CutterError(
    `${describeStack(spec)}: the state in PostgreSQL (schema ${spec.inputs.statePgSchema}, connection from ${spec.inputs.statePgConnEnv}) cannot be written with these credentials, so an apply would change the disk and then fail to record it; nothing was changed.\n` +
      reasons.map((r) => `  engine: ${r}`).join("\n") +
      `\n ${stateFailureHint(failure) || ` Grant what the pg backend needs: ${PRIVILEGES_DOC}.`}`,
  );
}

/** What a state holds, for messages: resources, serial, lineage, the runtime root(s) it manages. */
function describeState(state: any): string {
  const resources: any[] = (state?.resources ?? []).filter((r: any) => r.mode === "managed");
  const instances = resources.reduce((n, r) => n + (r.instances?.length ?? 0), 0);
  const roots = new Set<string>();
  for (const r of resources) {
    for (const i of r.instances ?? []) {
      // terraform_data keeps its dynamic attributes as { value, type } in state.
      const t = i.attributes?.triggers_replace?.value ?? i.attributes?.triggers_replace;
      if (r.type === "terraform_data" && typeof t?.root === "string") roots.add(t.root);
    }
  }
  const lineage = typeof state?.lineage === "string" ? state.lineage : "?";
  return `${instances} resource instance(s), serial ${state?.serial ?? "?"}, lineage ${lineage}${roots.size ? `, runtime root ${[...roots].join(", ")}` : ""}`;
}

/** The backend a stack directory was last initialised with (`.terraform/terraform.tfstate`), if any. */
function initialisedBackend(stackDir: string): { type: string; config: Record<string, unknown> } | undefined {
  try {
    const cached = JSON.parse(fs.readFileSync(path.join(stackDir, ".terraform", "terraform.tfstate"), "utf8"));
    return cached?.backend?.type ? { type: cached.backend.type, config: cached.backend.config ?? {} } : undefined;
  } catch {
    return undefined;
  }
}

/** True when the synthesized backend differs from the one the directory was initialised with. */
function migrationPending(stackDir: string, backend: Record<string, Record<string, unknown>>): boolean {
  const previous = initialisedBackend(stackDir);
  if (!previous) return false;
  const [type, settings] = Object.entries(backend)[0];
  if (previous.type !== type) return true;
  return Object.entries(settings).some(([key, value]) => JSON.stringify(previous.config[key] ?? null) !== JSON.stringify(value ?? null));
}

/**
 * Before `--migrate-state`: refuses to copy state over a target that already holds a
 * state with resources (another stack's, or an earlier copy), unless `overwrite`.
 */
export function checkMigrationTarget(engine: Engine, spec: StackSpec, stackDir: string, env: NodeJS.ProcessEnv, overwrite: boolean): void {
  const backend = synthesizedBackend(stackDir);
  if (!migrationPending(stackDir, backend)) return;
  const target =
    spec.inputs.stateBackend === "pg"
      ? `PostgreSQL schema ${spec.inputs.statePgSchema} (connection from ${spec.inputs.statePgConnEnv})`
      : `local state file ${spec.inputs.statePath}`;
  let pulled: string;
  try {
    pulled = withBackendOnly(engine, backend, env, (dir) => {
      const result = runEngineQuietly(engine, ["state", "pull"], dir, env);
      if (result.code !== 0) throw new BackendUnusable(result.output);
      return result.stdout;
    });
  } catch (error) {
    if (!(error instanceof BackendUnusable)) throw error;
    throw new CutterError(
      `cannot read the migration target ${target} of ${describeStack(spec)}; nothing was changed.\n` +
        engineErrors(error.output)
          .map((r) => `  engine: ${r}`)
          .join("\n") +
        (stateFailureHint(error.output) ? `\n ${stateFailureHint(error.output)}` : ""),
    );
  }
  if (pulled.trim() === "") return;
  let state: any;
  try {
    state = JSON.parse(pulled);
  } catch {
    throw new CutterError(
      `the migration target ${target} of ${describeStack(spec)} holds something that is not a state; nothing was changed. Look at it before migrating.`,
    );
  }
  const instances = (state.resources ?? []).filter((r: any) => r.mode === "managed").reduce((n: number, r: any) => n + (r.instances?.length ?? 0), 0);
  if (instances === 0) return;
  if (overwrite) {
    process.stdout.write(`Overwriting the state in ${target} (${describeState(state)}), as --overwrite-target-state asks.\n`);
    return;
  }
  throw new CutterError(
    `refusing to migrate the state of ${describeStack(spec)} into ${target}: it already holds a state (${describeState(state)}), which the migration would overwrite; nothing was changed.\n` +
      `  If that is another stack's state, choose another ${spec.inputs.stateBackend === "pg" ? "schema (state.pgSchema / CUTTER_STATE_PG_SCHEMA)" : "state path"}.` +
      ` If it is an earlier copy of this stack's state that may be replaced, deploy again with --migrate-state --overwrite-target-state.`,
  );
}
