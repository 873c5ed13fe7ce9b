/** Test support for issue 4: run verify as an operator does, and read engine output as one line. */
import * as path from "path";
import { REPO, RunResult, TempHost, run } from "./harness";

/** `node dist/cli/verify.js ARGS` with the host's inputs (the stack's own env variables). */
export function verify(host: TempHost, args: string[] = [], extraEnv: Record<string, string> = {}): RunResult {
  return run("node", [path.join(REPO, "dist", "cli", "verify.js"), ...args], { env: host.env(extraEnv) });
}

/**
 * Engine output as one line: cdktf's stack-name column removed and every run of
 * whitespace (the engine wraps long warnings) collapsed to one space.
 */
export function flat(output: string): string {
  return output.replace(/^cutter-runtime\s+/gm, "").replace(/\s+/g, " ");
}
