/**
 * Drift and verify findings are data (constructs/tree-findings.ts), rendered to text in one
 * place: the drift checks' message templates, verify's problem lines and the plan summary's
 * reading of drift messages all go through it. Pure, no engine.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { TreeFinding, findingText, parseDriftMessage, renderDriftMessage, verifyProblem } from "../constructs/tree-findings";

const P = "/srv/cutter/orchestrator.config.json";
const D = "/srv/cutter/runs";
const A = "a".repeat(64);
const B = "b".repeat(64);

/** Every kind, with the words each context has always used (tests elsewhere assert them). */
const cases: { finding: TreeFinding; plan: string; verify: string }[] = [
  { finding: { kind: "missing", path: D, pathKind: "directory" }, plan: "missing (deploy creates it)", verify: "missing (`npm run deploy` re-creates it)" },
  { finding: { kind: "missing", path: P, pathKind: "file" }, plan: "missing (deploy writes it)", verify: "missing (`npm run deploy` writes it)" },
  {
    finding: { kind: "missing", path: D, pathKind: "directory", aclParent: "/srv" },
    plan: "missing (deploy creates it; /srv carries a POSIX ACL, and deploy strips whatever the new directory inherits from it before anything is written inside)",
    verify: "missing (`npm run deploy` re-creates it)",
  },
  {
    finding: { kind: "type", path: D, found: "fifo", expected: "directory" },
    plan: "is a fifo, expected a directory; deploy stops at this path and changes nothing: move it out of the tree, then deploy again",
    verify: "is a fifo, expected a directory",
  },
  {
    finding: { kind: "type", path: P, found: "directory", expected: "file" },
    plan: "is a directory, expected a regular file; deploy stops at this path and changes nothing: move it out of the tree, then deploy again",
    verify: "is a directory, expected a regular file",
  },
  {
    finding: { kind: "owner", path: D, found: "nobody:nogroup", expected: "root:root" },
    plan: "owner nobody:nogroup, expected root:root",
    verify: "owner nobody:nogroup, expected root:root",
  },
  { finding: { kind: "mode", path: D, found: "0777", expected: "0750" }, plan: "mode 0777, expected 0750", verify: "mode 0777, expected 0750" },
  {
    finding: { kind: "acl", path: D },
    plan: `a POSIX ACL grants access the mode does not show (deploy removes it; getfacl ${D} lists it)`,
    verify: `a POSIX ACL grants access the mode does not show (deploy removes it; getfacl ${D} lists it)`,
  },
  {
    finding: { kind: "hard-links", path: P, links: "2" },
    plan: `2 hard links: another name shares this file, so deploy refuses to write or chown it; remove the other link (find / -xdev -samefile ${P})`,
    verify: `2 hard links: another name shares this file, so it is not the stack's to write (deploy refuses; find / -xdev -samefile ${P})`,
  },
  {
    finding: { kind: "content", path: P, found: A, expected: B },
    plan: `content sha256 ${A}, expected ${B} (deploy rewrites it)`,
    verify: `content sha256 ${A}, expected ${B} (what the stack writes)`,
  },
  { finding: { kind: "other", path: D, text: "holds 1 entry" }, plan: "holds 1 entry", verify: "holds 1 entry" },
];

describe("tree findings", () => {
  test("each kind in the words of the plan and of verify", () => {
    for (const c of cases) {
      assert.equal(findingText(c.finding, "plan"), c.plan, c.finding.kind);
      assert.equal(findingText(c.finding, "verify"), c.verify, c.finding.kind);
      assert.equal(verifyProblem(c.finding), `${c.finding.path}: ${c.verify}`);
    }
  });

  test("a drift message reads back as the findings it was rendered from, even details holding '; '", () => {
    for (const c of cases.filter((x) => x.finding.kind !== "other")) {
      const message = renderDriftMessage(c.finding.path, [c.finding]);
      assert.equal(message, `drift observed at plan: ${c.finding.path}: ${c.plan}`);
      assert.deepEqual(parseDriftMessage(message), { path: c.finding.path, findings: [c.finding] }, c.plan);
    }
    const several: TreeFinding[] = [
      { kind: "owner", path: P, found: "nobody:nogroup", expected: "root:root" },
      { kind: "mode", path: P, found: "0644", expected: "0640" },
      { kind: "acl", path: P },
      { kind: "hard-links", path: P, links: "3" },
      { kind: "content", path: P, found: A, expected: B },
    ];
    const message = renderDriftMessage(P, several);
    assert.deepEqual(parseDriftMessage(message), { path: P, findings: several });
  });

  test("a detail this release does not write (an earlier release's words) stays as it was, kind other; a non-drift message is not one", () => {
    const message = `drift observed at plan: ${D}: mode 777 (was 750); owner nobody:nogroup, expected root:root`;
    const read = parseDriftMessage(message)!;
    assert.deepEqual(read.findings[0], { kind: "other", path: D, text: "mode 777 (was 750)" });
    assert.equal(read.findings[1].kind, "owner");
    assert.equal(renderDriftMessage(read.path, read.findings), message);
    assert.equal(parseDriftMessage("Resource postcondition failed"), undefined);
    // "unreadable" (the observation could not hash the file) is no sha256: still read as a content finding, rendered the same.
    const unreadable = `drift observed at plan: ${P}: content sha256 unreadable, expected ${B} (deploy rewrites it)`;
    assert.equal(renderDriftMessage(P, parseDriftMessage(unreadable)!.findings), unreadable);
  });
});
