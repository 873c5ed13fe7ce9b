/**
 * Say what is meant (issue 11, item 8), on a host file (the documented way for every real
 * host): an owner change planned after a deploy is named as an input change (old -> new,
 * with the host file field), not as drift; the engine's counts are explained in words
 * (replaced chunks re-run in place, nothing removed on disk); deploy ends with the same
 * summary of what it did; a plain `cdktf plan` of that stack (named: with host files cdktf
 * needs the stack name) shows the same paths with owner:group and mode in its own plan text.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { REPO, expectSuccess, run } from "./support/harness";
import { TempHosts } from "./support/operator";

const CDKTF = path.join(REPO, "node_modules", ".bin", "cdktf");

/** The lines of the summary block that start at `heading` (up to the next line indented as little). */
function block(output: string, heading: RegExp): string[] {
  const lines = output.split("\n");
  const at = lines.findIndex((l) => heading.test(l));
  assert.ok(at >= 0, `no ${heading} in:\n${output.slice(-3000)}`);
  const indent = /^ */.exec(lines[at])![0].length;
  const rest = lines.slice(at + 1);
  const end = rest.findIndex((l) => /^ */.exec(l)![0].length <= indent);
  return end < 0 ? rest : rest.slice(0, end);
}

describe("an owner change in a host file: an input change, in words, in plan and deploy", () => {
  let hosts: TempHosts;
  before(() => {
    hosts = new TempHosts();
    hosts.writeLocalHost("alpha");
    expectSuccess(hosts.cutter(["deploy", "alpha"]), "first deploy");
    hosts.writeLocalHost("alpha", { owner: "nobody", group: "nogroup" });
  });
  after(() => hosts.dispose());

  const root = () => hosts.rootOf("alpha");

  test("plan names owner and group as inputs changed since the last deploy, not as drift, and explains the engine's counts", () => {
    const plan = expectSuccess(hosts.cutter(["plan", "alpha"]), "plan");
    assert.deepEqual(
      block(plan.stdout, /inputs changed since the last deploy/).map((l) => l.trim()),
      ["* owner: root -> nobody (host file field owner)", "* group: root -> nogroup (host file field group)"],
    );
    assert.doesNotMatch(plan.stdout, /drift observed at plan/, "an input change is no drift");
    const engine = block(plan.stdout, /^ {2}engine plan: \d+ to add, \d+ to change, \d+ to destroy:/).join("\n");
    assert.match(engine, /replaced, re-run in place \(nothing on disk is removed or re-created\)/);
    const inPlace = block(plan.stdout, /directories to modify in place/);
    const dirs = fs.readdirSync(root()).filter((n) => fs.statSync(path.join(root(), n)).isDirectory());
    assert.equal(inPlace.length, dirs.length + 1, "every directory and the root, each once");
    for (const line of inPlace) assert.match(line, /^ {4}~ \S+ +nobody:nogroup 0750$/);
    // The summary and the engine's plan text above it agree: the same directories, the same owner:group and mode.
    const summaryPaths = inPlace.map((l) => /^ {4}~ (\S+)/.exec(l)![1]).sort();
    const enginePaths = [...plan.stdout.matchAll(/^ +~ "(\/[^"]+)" += "root:root 0750" -> \(known after apply\)$/gm)].map((m) => m[1]).sort();
    assert.deepEqual(enginePaths, summaryPaths, "every directory (the root too), in both");
    assert.ok(plan.stdout.includes(`-> "the runtime root ${root()}: nobody:nogroup 0750`), "the root, with the same owner:group and mode");
    assert.match(plan.stdout, new RegExp(`-> "${dirs.length} directories in ${root()}: nobody:nogroup 0750`));
  });

  test("plain cdktf plan of the stack names the same paths with owner:group and mode in the engine's plan text", () => {
    const env = hosts.env();
    const plain = expectSuccess(
      run(CDKTF, ["plan", "cutter-runtime-alpha", "--output", hosts.outDir, "--skip-provider-lock"], { env }),
      "cdktf plan cutter-runtime-alpha",
    );
    // Each directory is a trigger key (its value is repaired at apply); the chunk's name says the new owner:group and mode.
    for (const n of fs.readdirSync(root())) {
      const p = path.join(root(), n);
      if (fs.statSync(p).isDirectory()) assert.match(plain.output, new RegExp(`~ "${p}" += "root:root 0750" -> `), p);
    }
    assert.match(plain.output, new RegExp(`-> "\\d+ directories in ${root()}: nobody:nogroup 0750, created or repaired in place`));
    assert.match(plain.output, new RegExp(`-> "the runtime root ${root()}: nobody:nogroup 0750`));
    // One owner/mode step for both files: its name lists them.
    assert.match(plain.output, new RegExp(`-> "owner and mode of ${root()}/orchestrator.config.json, ${root()}/README.md: nobody:nogroup 0640`));
    assert.match(plain.output, /no secret, database or service is touched/);
  });

  test("deploy applies it and ends with the same summary of what it did", () => {
    const deploy = expectSuccess(hosts.cutter(["deploy", "alpha"]), "deploy");
    const done = deploy.stdout.slice(deploy.stdout.lastIndexOf("Deployed host alpha"));
    assert.match(done, /^Deployed host alpha \(.*stack cutter-runtime-alpha\): \d+ added, \d+ changed, \d+ destroyed\. What it did \(write set\):/);
    assert.deepEqual(
      block(done, /inputs changed since the last deploy/).map((l) => l.trim()),
      ["* owner: root -> nobody (host file field owner)", "* group: root -> nogroup (host file field group)"],
    );
    assert.equal(fs.statSync(path.join(root(), "runs")).uid, 65534, "owner applied");
    const again = expectSuccess(hosts.cutter(["plan", "alpha", "--detailed-exitcode"]), "plan after");
    assert.doesNotMatch(again.stdout, /inputs changed since the last deploy/);
  });
});
