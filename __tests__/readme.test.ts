import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { withTree } from "../dev/render-readme";
import { REPO } from "./support/harness";

test("README.md's tree is generated from the layout and up to date", () => {
  const readme = fs.readFileSync(path.join(REPO, "README.md"), "utf8");
  assert.equal(withTree(readme), readme, "run `npm run readme`");
});

test("README.md's test command is the one .ci/run calls", () => {
  const readme = fs.readFileSync(path.join(REPO, "README.md"), "utf8");
  const ci = fs.readFileSync(path.join(REPO, ".ci", "run"), "utf8");
  assert.match(readme, /npm ci && npm test/);
  assert.match(ci, /^npm test$/m);
});
