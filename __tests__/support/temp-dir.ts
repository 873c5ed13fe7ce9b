import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** Runs `fn` with a fresh temporary directory, removed afterwards whatever happens. */
export function withTempDir<T>(fn: (dir: string) => T): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cutter-unit-"));
  try {
    return fn(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
