/**
 * Reading and validating the inputs, once, at the boundary: every row of the one
 * table (input-table.ts) from environment variables here, or from a host file
 * (host-files.ts); both go through resolveRuntimeInputs. What comes out is typed and
 * valid; the constructs take it as it is.
 */
import { INPUT_KEYS, INPUT_TABLE, InputContext, InputKey, InputRow, RuntimeInputs } from "./input-table";
import { Problems } from "./validation";

// Kept where callers have always imported them from (reading the inputs must not load the
// constructs and cdktf, which the operator commands need only when they synthesize).
export {
  DEFAULT_ENV_FILE,
  DEFAULT_PG_SCHEMA,
  DEFAULT_STATE_DIR,
  ENGINE_PG_CONN_ENV,
  RuntimeInputs,
  STATE_BACKENDS,
  StateBackendKind,
  defaultStatePath,
  envNameRule,
  pgSchemaRule,
} from "./input-table";
export { isInsideResolved, resolvedPath, resolvesNote } from "./path-inside";

/** The environment variables an operator sets, with what each means (from the table). */
export const INPUT_VARIABLES: Readonly<Record<string, string>> = Object.fromEntries(INPUT_KEYS.map((key) => [INPUT_TABLE[key].env, INPUT_TABLE[key].doc]));

/** The inputs as given, before defaults; undefined or "" = not given. */
export type RawRuntimeInputs = { readonly [K in InputKey]?: string };

/** How each input is named in messages: an environment variable, or a host file's field. */
export type InputLabels = { readonly [K in InputKey]: string };

/** Each input's environment variable. */
export const ENV_LABELS: InputLabels = Object.fromEntries(INPUT_KEYS.map((key) => [key, INPUT_TABLE[key].env])) as Record<InputKey, string>;

const given = (value: string | undefined): value is string => value !== undefined && value !== "";

/**
 * Applies defaults and validates, row by row in table order; every problem goes to
 * `problems` under its label. A default that cannot be derived, or fails its rule, is
 * not reported: what it derives from is reported already. Settings of the backend not
 * chosen must not be given: they would be silently ignored.
 */
export function resolveRuntimeInputs(raw: RawRuntimeInputs, labels: InputLabels, problems: Problems, hostName?: string): RuntimeInputs {
  const text: Record<string, string> = {};
  const valid = new Set<string>();
  const context: InputContext = { text, ok: (key) => valid.has(key), hostName };
  const values: Record<string, unknown> = {};
  for (const key of INPUT_KEYS) {
    const row: InputRow<unknown> = INPUT_TABLE[key];
    const rawValue = raw[key];
    const value = given(rawValue) ? rawValue : row.fallback(context);
    text[key] = value;
    values[key] = row.parse(value);
    if (row.backend !== undefined) {
      // With an unknown backend, that is the problem reported; its settings are not judged.
      if (!valid.has("stateBackend")) continue;
      if (text.stateBackend !== row.backend) {
        if (given(rawValue)) {
          const fix = row.backend === "local" ? "remove it" : `remove it or choose ${row.backend}`;
          problems.add(
            labels[key],
            rawValue,
            `is for the ${row.backend} backend, but the state backend is ${text.stateBackend} (${labels.stateBackend}); ${fix}`,
          );
        }
        continue;
      }
    }
    const ruleProblem = row.rule(value);
    if (ruleProblem === undefined) valid.add(key);
    if (!given(rawValue) && ruleProblem !== undefined) continue;
    const problem = ruleProblem ?? row.relation?.(value, context);
    if (problem !== undefined) problems.add(labels[key], row.withhold?.(problem) ? "(value withheld)" : value, problem);
  }
  return values as RuntimeInputs;
}

/** The per-host input variables that are set in `env` (they conflict with host files). */
export function perHostVariablesSet(env: Record<string, string | undefined>): string[] {
  return Object.values(ENV_LABELS).filter((name) => given(env[name]));
}

/** Reads and validates the inputs; throws one error naming every bad variable. */
export function readRuntimeInputs(env: Record<string, string | undefined>): RuntimeInputs {
  const problems = new Problems();
  const raw = Object.fromEntries(INPUT_KEYS.map((key) => [key, env[INPUT_TABLE[key].env]]));
  const inputs = resolveRuntimeInputs(raw, ENV_LABELS, problems);
  problems.throwIfAny("cutter-runtime inputs (fix the environment variables named below)");
  return inputs;
}
