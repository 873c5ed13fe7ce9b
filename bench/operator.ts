/**
 * The bench's operator rows (issue 13): what `npm run deploy|plan|destroy` cost as an
 * operator runs them, with every safety check on.
 *
 * - Generated layouts (70, 700 directories) reach the operator CLI through a preload
 *   (bench/operator-layout.ts, `node --require` in NODE_OPTIONS): in the node
 *   processes of this checkout it replaces the layout constant before anything reads it,
 *   so the npm scripts, the CLI, its checks and synth run as they are, with that layout.
 *   At the real layout's size nothing is preloaded.
 * - CPU and peak memory come from GNU time (`/usr/bin/time`): user + system time of the
 *   command and every process it waited for, and the peak resident set of the largest
 *   one (not the sum of processes alive at once).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** The preload that gives the operator commands a generated layout. */
export const OPERATOR_LAYOUT_PRELOAD = path.resolve(__dirname, "operator-layout.js");

/** The operator commands' environment: `size` generated directories (through the preload), or the real layout. */
export function operatorEnv(env: NodeJS.ProcessEnv, size?: number): NodeJS.ProcessEnv {
  const result: NodeJS.ProcessEnv = { ...env, CUTTER_HOSTS_DIR: "none" };
  delete result.BENCH_DIRECTORIES;
  delete result.NODE_OPTIONS;
  if (size !== undefined) {
    result.BENCH_DIRECTORIES = String(size);
    result.NODE_OPTIONS = `--require ${OPERATOR_LAYOUT_PRELOAD}`;
  }
  return result;
}

export interface Usage {
  /** User + system CPU of the command and every process it waited for, ms. */
  cpuMs: number;
  /** Peak resident set of the largest process, KiB. */
  peakKiB: number;
}

const GNU_TIME = "/usr/bin/time";

/**
 * Runs `run(command, args)` under GNU time and adds what the processes used. The wall
 * time stays the caller's own measurement (GNU time's own start is a few hundred µs).
 */
export function withUsage<T>(run: (command: string, args: string[]) => T, command: string, args: string[]): T & Usage {
  if (!fs.existsSync(GNU_TIME)) throw new Error(`bench: ${GNU_TIME} (GNU time) is missing: install Debian's time package`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cutter-bench-usage-"));
  try {
    const file = path.join(dir, "usage");
    const result = run(GNU_TIME, ["-f", "%U %S %M", "-o", file, "--", command, ...args]);
    // A non-zero exit adds a "Command exited with non-zero status" line first.
    const last = fs.readFileSync(file, "utf8").trim().split("\n").pop() ?? "";
    const m = /^([\d.]+) ([\d.]+) (\d+)$/.exec(last);
    if (!m) throw new Error(`bench: GNU time wrote ${JSON.stringify(last)} for ${command}`);
    return { ...result, cpuMs: (Number(m[1]) + Number(m[2])) * 1000, peakKiB: Number(m[3]) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
