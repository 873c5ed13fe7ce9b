/**
 * The raw `cdktf plan|deploy|destroy` path agrees with `npm run` on where pg state lives.
 *
 * `npm run` (cli/cutter.ts) hands each stack's engine the connection string from the
 * variable its inputs name (CUTTER_STATE_PG_CONN_ENV / state.pgConnEnv). The cdktf CLI
 * runs this app at synth, then the engine with the environment as it is, so the engine
 * reads PG_CONN_STR for every stack. So, run by anything but the operator CLI, the app
 * refuses a pg stack whose named variable is not PG_CONN_STR and does not hold exactly
 * what PG_CONN_STR holds (the engine would write that stack's state wherever PG_CONN_STR
 * points), and a PG_CONN_STR the engine would quote, password and all, in a parse error.
 * Messages name variables, never values.
 */
import { resolveStackSpecs } from "../constructs/host-files";
import { ENGINE_PG_CONN_ENV } from "../constructs/runtime-inputs";
import { describeStack } from "./describe-stack";
import { checkConnectionString, connectionStringError } from "./pg-connection";

/** Set by the operator CLI (cli/engine.ts synthesize) for the app: it hands each stack its own engine environment. */
export const SYNTH_BY_OPERATOR_CLI = "CUTTER_SYNTH_BY_OPERATOR_CLI";

export function checkRawCliStateConnection(env: NodeJS.ProcessEnv): void {
  if (env[SYNTH_BY_OPERATOR_CLI] === "1") return;
  const pgSpecs = resolveStackSpecs(env).filter((spec) => spec.inputs.stateBackend === "pg");
  if (pgSpecs.length === 0) return;
  const engineValue = env[ENGINE_PG_CONN_ENV];
  const problems: string[] = [];
  for (const spec of pgSpecs) {
    const name = spec.inputs.statePgConnEnv;
    const where = `${describeStack(spec)} keeps its state in PostgreSQL schema ${spec.inputs.statePgSchema}`;
    if (engineValue === undefined || engineValue === "") {
      problems.push(`${where}, but ${ENGINE_PG_CONN_ENV}, which the engine reads when cdktf runs it, is not set`);
    } else if (name !== ENGINE_PG_CONN_ENV && env[name] !== engineValue) {
      const named = env[name] === undefined || env[name] === "" ? "is not set" : `holds another connection string`;
      problems.push(
        `${where} via ${name}, which ${named}: the engine run by cdktf reads ${ENGINE_PG_CONN_ENV} instead and would keep the state wherever that points`,
      );
    }
  }
  if (problems.length === 0 && engineValue) {
    const format = checkConnectionString(engineValue).problems;
    if (format.length > 0) problems.push(connectionStringError(ENGINE_PG_CONN_ENV, format, "the engine run by cdktf would read it").split("\n")[0]);
  }
  if (problems.length === 0) return;
  throw new Error(
    `cutter-runtime: the raw cdktf CLI would hand the engine another state connection than npm run does; nothing was changed.\n` +
      problems.map((p) => `  - ${p}`).join("\n") +
      `\n  Use npm run plan|deploy|destroy (each stack gets the connection from its own variable), or set ${ENGINE_PG_CONN_ENV} to the same connection string as the stack's variable (e.g. export ${ENGINE_PG_CONN_ENV}="$${pgSpecs[0].inputs.statePgConnEnv}").`,
  );
}
