/**
 * npm run bench refuses bad options before it measures or writes anything
 * (no results directory, README untouched). Nothing here times anything.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { REPO, engineEnv, run } from "./support/harness";

describe("bench options", () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cutter-bench-options-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const cases: Array<[string, string[], RegExp]> = [
    ["an unknown option", ["--fast"], /bench: unknown option "--fast"; use --quick, .*--subjects floor,hand,stack,cli,cdktn/],
    ["a size out of range", ["--sizes", "7,1"], /bench: --sizes 1 must be integers from 2 to 5000/],
    ["a run count of 0", ["--runs", "0"], /bench: --runs must be a positive integer/],
    ["an unknown subject", ["--subjects", "hand,terraform"], /bench: --subjects "terraform" is not one of floor, hand, stack, cli, cdktn/],
    ["--readme with a subset of subjects", ["--subjects", "hand,stack", "--readme"], /bench: --readme needs every subject .*; drop --subjects/],
  ];
  for (const [what, args, message] of cases) {
    test(`refuses ${what}, naming it, and writes nothing`, () => {
      const readme = fs.readFileSync(path.join(REPO, "docs", "benchmark.md"), "utf8");
      const out = path.join(dir, "results");
      const result = run("node", [path.join(REPO, "dist", "bench", "bench.js"), ...args, "--out", out], { env: engineEnv({}) });
      assert.equal(result.code, 1, result.output);
      assert.match(result.output, message);
      assert.equal(fs.existsSync(out), false, "no results written");
      assert.equal(fs.readFileSync(path.join(REPO, "docs", "benchmark.md"), "utf8"), readme, "the benchmark document untouched");
    });
  }
});
