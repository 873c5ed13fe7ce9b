/**
 * Every shell script of the project passes shellcheck (Debian's `shellcheck`; `.ci/run` installs
 * it): the scripts the engine runs are checked as the text `/bin/sh -c` really gets (the shared
 * library, then the script), so names the library sets are known; the project's own tools and CI
 * script as files. Intentional word splitting is marked where it happens, with the reason.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import { SCRIPTS_DIR, ScriptName, scriptText } from "../constructs/shell";
import { REPO } from "./support/harness";

function shellcheck(args: string[], input?: string): { code: number | null; output: string } {
  const result = spawnSync("shellcheck", ["--format=gcc", ...args], { cwd: REPO, input, encoding: "utf8" });
  assert.ok(!result.error, `shellcheck could not run (${result.error?.message}): install it (apt-get install shellcheck)`);
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

const engineScripts = fs
  .readdirSync(SCRIPTS_DIR)
  .filter((file) => file.endsWith(".sh") && file !== "lib.sh")
  .map((file) => file.slice(0, -".sh".length) as ScriptName);

const projectScripts = spawnSync("git", ["ls-files", "*.sh", ".ci/run"], { cwd: REPO, encoding: "utf8" })
  .stdout.split("\n")
  .filter((file) => file && !file.startsWith("constructs/scripts/"));

describe("shellcheck", () => {
  test("finds what it should: an unquoted expansion in a script after the library is reported", () => {
    const result = shellcheck(["--shell=sh", "-"], `${scriptText("check-parent")}\nrm -rf $CUTTER_ROOT/x\n`);
    assert.notEqual(result.code, 0);
    assert.match(result.output, /SC2086/);
  });

  test("the scripts the engine runs, each as /bin/sh gets it (library + script), are clean", () => {
    assert.ok(engineScripts.length >= 8, `scripts found in ${SCRIPTS_DIR}: ${engineScripts.join(", ")}`);
    for (const name of engineScripts) {
      const result = shellcheck(["--shell=sh", "-"], scriptText(name));
      assert.equal(result.code, 0, `${name}.sh (after lib.sh):\n${result.output}`);
    }
  });

  test("the shared library on its own, the tools' scripts and .ci/run are clean", () => {
    assert.ok(projectScripts.includes(".ci/run") && projectScripts.includes("cli/setup.sh"), projectScripts.join(", "));
    const result = shellcheck([path.join("constructs", "scripts", "lib.sh"), ...projectScripts]);
    assert.equal(result.code, 0, result.output);
  });
});
