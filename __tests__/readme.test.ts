import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { INPUT_KEYS, INPUT_TABLE } from "../constructs/input-table";
import { withInputs, withTree } from "../dev/render-readme";
import { REPO } from "./support/harness";

test("README.md's tree is generated from the layout and up to date", () => {
  const readme = fs.readFileSync(path.join(REPO, "README.md"), "utf8");
  assert.equal(withTree(readme), readme, "run `npm run readme`");
});

test("README.md's Inputs table is generated from the one table of inputs and up to date", () => {
  const readme = fs.readFileSync(path.join(REPO, "README.md"), "utf8");
  assert.equal(withInputs(readme), readme, "run `npm run readme`");
  // Every input of the table is documented there, with its variable and its host-file field.
  for (const key of INPUT_KEYS) assert.ok(readme.includes(`| \`${INPUT_TABLE[key].env}\` | \`${INPUT_TABLE[key].field}\` |`), key);
});

test("README.md's test command is the one .ci/run calls", () => {
  const readme = fs.readFileSync(path.join(REPO, "README.md"), "utf8");
  const ci = fs.readFileSync(path.join(REPO, ".ci", "run"), "utf8");
  assert.match(readme, /npm ci && npm test/);
  assert.match(ci, /^npm test$/m);
});
