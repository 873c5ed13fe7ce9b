/**
 * cdktf's `Testing.app()` and `Testing.fullSynth()` make an output directory in the temp
 * directory each and never remove it (thousands per suite run). These give them one
 * private scratch directory per test process instead, removed when the process exits.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App, TerraformStack, Testing } from "../../constructs/cdk";

let scratch: string | undefined;

function scratchDirectory(): string {
  if (!scratch) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cutter-unit-synth-"));
    scratch = dir;
    process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
  }
  return fs.mkdtempSync(path.join(scratch, "app-"));
}

/** `Testing.app()` with its output directory inside this process's scratch directory. */
export function testApp(): App {
  return Testing.app({ outdir: scratchDirectory() });
}

/**
 * `Testing.fullSynth(stack)` (validations and all), its output directory removed after. cdktf makes
 * that directory in os.tmpdir() before it synthesizes, so a synth that throws (a refused stack) would
 * leave it behind: TMPDIR points into the scratch directory meanwhile, which goes when the process exits.
 */
export function fullSynth(stack: TerraformStack): void {
  const tmpdir = process.env.TMPDIR;
  process.env.TMPDIR = scratchDirectory();
  try {
    fs.rmSync(Testing.fullSynth(stack), { recursive: true, force: true });
  } finally {
    if (tmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = tmpdir;
  }
}
