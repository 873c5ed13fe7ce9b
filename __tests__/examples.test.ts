/** The examples are usable as written: host files valid, pipeline commands accepted by the CLI. */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import { readHostFiles } from "../constructs";
import { parseCommandLine } from "../tools/command-line";
import { parseArgs as parseVerifyArgs } from "../tools/verify";
import { REPO } from "./support/harness";

const WORKFLOW = path.join(REPO, "examples", "github-actions", "cutter-runtime.yml");

describe("examples", () => {
  test("the example host files are valid, one pg schema and connection variable each", () => {
    const specs = readHostFiles(path.join(REPO, "examples", "hosts"), REPO);
    assert.deepEqual(specs.map((s) => s.hostName), ["production", "staging"]);
    for (const spec of specs) {
      assert.equal(spec.inputs.stateBackend, "pg");
      assert.equal(spec.inputs.statePgSchema, `cutter_runtime_${spec.hostName}`);
    }
  });

  test("every cutter command of the pipeline parses, for every host of its matrix, and names an npm script", () => {
    const text = fs.readFileSync(WORKFLOW, "utf8");
    const scripts = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")).scripts;
    const hosts = readHostFiles(path.join(REPO, "examples", "hosts"), REPO).map((s) => s.hostName!);
    const commands = [...text.matchAll(/npm run ([a-z]+)(?: -- (.*))?$/gm)];
    const verbs = commands.map((m) => m[1]);
    assert.deepEqual(verbs, ["setup", "plan", "setup", "deploy", "verify"], "plan on pull requests, deploy then verify on main");
    for (const [, script, args] of commands) {
      assert.ok(scripts[script], `npm script ${script} exists`);
      if (script === "setup") continue;
      if (script === "verify") {
        for (const host of hosts) {
          const parsed = parseVerifyArgs(args.replace(/\$\{\{ matrix\.host \}\}/g, host).split(/\s+/));
          assert.equal(parsed.host, host);
          assert.equal(parsed.allowData, true, "verify after deploy allows data the runs wrote");
          assert.equal(parsed.markdown, `gate-report-${host}.md`);
        }
        continue;
      }
      for (const host of hosts) {
        const argv = args.replace(/\$\{\{ matrix\.host \}\}/g, host).split(/\s+/);
        const parsed = parseCommandLine([script, ...argv]);
        assert.equal(parsed.host, host);
      }
    }
    assert.match(text, /--out plan-\$\{\{ matrix\.host \}\}\.tgz/);
    assert.match(text, /--plan plan-\$\{\{ matrix\.host \}\}\.tgz/);
    assert.doesNotMatch(text, /postgres:\/\//, "no connection string in the pipeline file");
  });
});
