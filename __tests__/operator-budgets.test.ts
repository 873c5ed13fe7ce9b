/**
 * What an operator reads, counted on real runs (issue 11, items 1, 2 and 5): the raw
 * `cdktf deploy|destroy --auto-approve` (the bin `npx cdktf` runs) and `npm run
 * deploy|destroy`, each with no terminal and on a terminal (util-linux `script -qc`).
 *
 * - No script body anywhere: no line of any script in constructs/scripts/ reaches the
 *   output, not even inside the engine's error.
 * - Reasons last: a refused destroy ends with the kept path and what to do, among the
 *   last 10 lines; it is not lost (the cdktf CLI used to drop the end of the engine's
 *   output, see cli/setup.sh's engine shim).
 * - Budgets, after the plan listing's `Plan:` line: a refused destroy ≤ 25 lines; a no-op
 *   deploy ≤ 25 lines in all; a first deploy, through the raw CLI and through npm run, ≤ 40
 *   lines and ≤ 4,000 characters, no line over 200. The raw CLI's first deploy is also held
 *   to exactly the engine's progress lines (two per resource and two per provisioner, short
 *   addresses), the steps' own lines and the closing lines (docs/operator-output.md).
 * - A refused first deploy (a hand-made root) through the raw CLI: the reason and what to do
 *   among the last 10 lines, the root untouched.
 * cdktf's own progress lines ("N Stacks deploying …", spinner frames) are not counted:
 * they come from its renderer (ink), which has no switch to turn them off.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { scriptLibrary, scriptText, ScriptName } from "../constructs/shell";
import { REPO, RunResult, TempHost, clean, expectSuccess, run } from "./support/harness";

/** stdout then stderr, as written (run() joins them after cleaning; the terminal needs the codes). */
const raw = (r: RunResult) => `${r.stdout}\n${r.stderr}`;

const CDKTF = path.join(REPO, "node_modules", ".bin", "cdktf");
const SCRIPTS: ScriptName[] = [
  "create-or-repair-directories",
  "remove-tree",
  "apply-permissions",
  "guard-write",
  "check-parent",
  "check-before-destroy",
  "observe",
  "survey",
];

type Tool = "cdktf" | "npm";
type Where = "no terminal" | "terminal";

/**
 * What stays on a terminal after `raw` was written to it: cdktf's renderer moves the cursor
 * up and erases what it drew before (its status lines, its spinner) and redraws; a minimal
 * terminal (cursor up/down/column/home, erase in line and display, carriage return, newline;
 * no auto-wrap) applies that, so each line counts once, as the operator's screen shows it.
 */
export function terminal(raw: string): string[] {
  const lines: string[] = [""];
  let row = 0;
  let col = 0;
  // eslint-disable-next-line no-control-regex
  for (const m of raw.matchAll(/\x1b\[([0-9;?]*)([A-Za-z])|\x1b[^[]|\r|\n|[^\x1b\r\n]+/g)) {
    const token = m[0];
    if (token === "\n") {
      row++;
      col = 0;
      while (lines.length <= row) lines.push("");
    } else if (token === "\r") col = 0;
    else if (m[2] !== undefined) {
      const n = parseInt(m[1], 10);
      const count = Number.isNaN(n) || n === 0 ? 1 : n;
      if (m[2] === "A") row = Math.max(0, row - count);
      else if (m[2] === "B") {
        row += count;
        while (lines.length <= row) lines.push("");
      } else if (m[2] === "G") col = count - 1;
      else if (m[2] === "K") lines[row] = m[1] === "2" ? "" : m[1] === "1" ? " ".repeat(col) + lines[row].slice(col) : lines[row].slice(0, col);
      else if (m[2] === "J" && (m[1] === "" || m[1] === "0")) {
        lines[row] = lines[row].slice(0, col);
        lines.length = row + 1;
      } else if (m[2] === "J") {
        // 2J (the screen) and 3J (the scrollback): ink clears both when its frame is taller than the terminal.
        lines.length = 0;
        for (let i = 0; i <= row; i++) lines.push("");
      } else if (m[2] === "H") {
        const [r, c] = m[1].split(";").map((v) => parseInt(v, 10));
        row = Number.isNaN(r) || r === undefined ? 0 : r - 1;
        col = Number.isNaN(c) || c === undefined ? 0 : c - 1;
        while (lines.length <= row) lines.push("");
      }
    } else if (!token.startsWith("\x1b")) {
      const line = lines[row].padEnd(col);
      lines[row] = line.slice(0, col) + token + line.slice(col + token.length);
      col += token.length;
    }
  }
  return lines;
}

/** The lines an operator reads: the terminal's final text, no blank lines, no cdktf progress lines. */
export function screen(output: string): string[] {
  return terminal(output)
    .map((line) => line.replace(/\d+ Stacks? (deploying|destroying) +\d+ Stacks? done +\d+ Stacks? waiting/g, "").replace(/\s+$/, ""))
    .filter((line) => line.trim() !== "" && !/^\s*[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/.test(line));
}

/** The lines after the plan listing's `Plan:` line (all of them when there is none). */
function afterPlan(lines: string[]): string[] {
  let at = -1;
  lines.forEach((line, i) => {
    if (/^(\S+\s+)?\s*Plan: \d+ to add, \d+ to change, \d+ to destroy\./.test(line.trim())) at = i;
  });
  return lines.slice(at + 1);
}

/** Lines of the scripts long enough to be unmistakable (comments and short lines left out). */
const scriptLines = [
  ...new Set(
    [scriptLibrary(), ...SCRIPTS.map(scriptText)]
      .flatMap((t) => t.split("\n"))
      .map((l) => l.trim())
      .filter((l) => l.length >= 40 && !l.startsWith("#")),
  ),
];

function assertNoScript(output: string, what: string): void {
  const flat = clean(output);
  const leaked = scriptLines.filter((l) => flat.includes(l));
  assert.deepEqual(leaked.slice(0, 3), [], `${what}: script text in the output`);
  assert.doesNotMatch(flat, /Executing: \[/, `${what}: the engine echoed a command`);
}

describe("what npx cdktf and npm run print: budgets, no script, reasons last (real runs)", () => {
  let host: TempHost;
  before(() => {
    host = new TempHost();
    fs.mkdirSync(path.dirname(host.statePath), { recursive: true });
  });
  after(() => host.dispose());

  /** The command as an operator types it, with the host's inputs; on a terminal through script -qc. */
  const operator = (tool: Tool, verb: "deploy" | "destroy", where: Where): RunResult => {
    const args =
      tool === "cdktf"
        ? [CDKTF, verb, "--auto-approve", "--output", host.outDir]
        : ["npm", "run", verb, "--", ...(verb === "destroy" ? ["--auto-approve"] : []), "--output", host.outDir];
    const env = host.env();
    // An operator's shell: no CI variable (that only trims cdktf's redraws, which are not counted anyway).
    delete env.CI;
    const result =
      where === "terminal"
        ? run("script", ["-qec", args.map((a) => `'${a}'`).join(" "), "/dev/null"], { env, input: "" })
        : run(args[0], args.slice(1), { env, input: "" });
    assertNoScript(result.output, `${tool} ${verb} (${where})`);
    return result;
  };

  const measure = (lines: string[]) => ({ lines: lines.length, chars: lines.join("\n").length, longest: Math.max(0, ...lines.map((l) => l.length)) });

  test("first deploy, npx cdktf (no terminal): ≤ 40 lines and ≤ 4,000 characters after Plan:, complete, closing line kept, no line over 200; only engine progress and step lines", (t) => {
    const result = expectSuccess(operator("cdktf", "deploy", "no terminal"), "cdktf deploy");
    const lines = afterPlan(screen(raw(result)));
    const m = measure(lines);
    t.diagnostic(`npx cdktf deploy, first: ${m.lines} lines, ${m.chars} characters after Plan:, longest ${m.longest}`);
    assert.ok(m.longest <= 200, `a line of ${m.longest} characters:\n${lines.filter((l) => l.length > 200).join("\n")}`);
    assert.ok(
      m.lines <= 40 && m.chars <= 4000,
      `${m.lines} lines, ${m.chars} characters after Plan: (budget 40 lines, 4,000 characters):\n${lines.join("\n")}`,
    );
    assert.match(lines.join("\n"), /Apply complete! Resources: \d+ added, 0 changed, 0 destroyed\./, "the closing line is not dropped");
    // Every line is the engine's per-resource progress, a step's one line, or a closing line.
    const expected =
      /(: (Creating|Creation complete after \S+( \[id=\S+\])?|Provisioning with 'local-exec')\.*$)|\(local-exec\): (local-exec: Executing: Suppressed by quiet=true|created \S+ \S+:\S+ \d{4}|writing \S+ \(new file\))$|Apply complete!|No outputs found\./;
    assert.deepEqual(
      lines.filter((l) => !expected.test(l)),
      [],
      "nothing but engine progress, step lines and the closing lines",
    );
    // Short logical ids (RuntimeTree.useShortLogicalIds): no address is cdktf's construct path and hash.
    const addresses = [...new Set(lines.flatMap((l) => [...l.matchAll(/\b(terraform_data|local_file)\.\w+/g)].map((m) => m[0])))];
    assert.deepEqual(
      addresses.filter((a) => a.length > 30),
      [],
      "every resource address is short",
    );
    assert.equal(
      lines.filter((l) => /\(local-exec\): created /.test(l)).length,
      fs.readdirSync(host.root).filter((n) => fs.statSync(path.join(host.root, n)).isDirectory()).length + 1,
      "one line per directory created (the root too)",
    );
  });

  test("no-op deploy ≤ 25 lines in all: npx cdktf on a terminal, npm run without one", (t) => {
    for (const [tool, where] of [
      ["cdktf", "terminal"],
      ["npm", "no terminal"],
    ] as const) {
      const result = expectSuccess(operator(tool, "deploy", where), `${tool} deploy (${where})`);
      const lines = screen(raw(result));
      t.diagnostic(`${tool} deploy, no-op, ${where}: ${lines.length} lines`);
      assert.ok(lines.length <= 25, `${tool} deploy (${where}) printed ${lines.length} lines:\n${lines.join("\n")}`);
      assert.doesNotMatch(result.output, /Warning:/, "no warning for the normal case");
    }
  });

  test("refused destroy (one file in backups/): ≤ 25 lines after Plan:, every reason among the last 10; both tools, both ways", (t) => {
    const backups = path.join(host.root, "backups");
    fs.writeFileSync(path.join(backups, "dump.sql.gpg"), "x\n");
    for (const [tool, where] of [
      ["cdktf", "no terminal"],
      ["cdktf", "terminal"],
      ["npm", "no terminal"],
      ["npm", "terminal"],
    ] as const) {
      const result = operator(tool, "destroy", where);
      assert.notEqual(result.code, 0, `${tool} destroy (${where}) refused`);
      const lines = afterPlan(screen(raw(result)));
      t.diagnostic(`${tool} destroy, refused, ${where}: ${lines.length} lines after Plan:`);
      assert.ok(lines.length <= 25, `${tool} destroy (${where}) printed ${lines.length} lines after Plan:\n${lines.join("\n")}`);
      // The engine boxes and wraps its error text: read the last 10 lines as one text.
      const last = lines
        .slice(-10)
        .map((l) => l.replace(/^\s*(cutter-runtime\s+)?[│╵╷]?\s*/, ""))
        .join(" ")
        .replace(/\s+/g, " ");
      assert.ok(last.includes(`kept ${backups}: holds 1 entry`), `${tool} destroy (${where}): the kept path among the last 10 lines:\n${last}`);
      assert.match(last, /destroy stopped before removing anything/, `${tool} destroy (${where}): what happened among the last 10 lines`);
      assert.match(last, /then destroy again; or keep the tree/, `${tool} destroy (${where}): what to do among the last 10 lines`);
      assert.ok(fs.existsSync(path.join(backups, "dump.sql.gpg")), "the data is kept");
    }
    fs.rmSync(path.join(backups, "dump.sql.gpg"));
  });

  test("refused first deploy, npx cdktf (no terminal): a hand-made root is refused, the reason and what to do among the last 10 lines, the root untouched", (t) => {
    const other = new TempHost();
    try {
      fs.mkdirSync(other.root, { mode: 0o755 });
      fs.chmodSync(other.root, 0o755);
      const env = other.env();
      delete env.CI;
      const result = run(CDKTF, ["deploy", "--auto-approve", "--output", other.outDir], { env, input: "" });
      assert.notEqual(result.code, 0, "deploy refused");
      assertNoScript(result.output, "cdktf deploy (hand-made root)");
      const lines = afterPlan(screen(raw(result)));
      t.diagnostic(`npx cdktf deploy, hand-made root, refused: ${lines.length} lines after Plan:`);
      // The engine boxes and wraps its error text: read the last 10 lines as one text.
      const last = lines
        .slice(-10)
        .map((l) => l.replace(/^\s*(cutter-runtime\s+)?[│╵╷]?\s*/, ""))
        .join(" ")
        .replace(/\s+/g, " ");
      assert.ok(
        last.includes(`refusing to take over ${other.root}: it already exists and this stack did not create it`),
        `the refused path and why among the last 10 lines:\n${last}`,
      );
      assert.match(last, /Move it away and deploy again, or deploy with CUTTER_ADOPT_EXISTING=1/, "what to do among the last 10 lines");
      assert.match(last, /deploy stopped before changing anything: 1 path\(s\) refused/, "what happened among the last 10 lines");
      assert.equal(fs.statSync(other.root).mode & 0o7777, 0o755, "the hand-made root keeps its mode");
      assert.deepEqual(fs.readdirSync(other.root), [], "nothing was created inside it");
    } finally {
      other.dispose();
    }
  });

  test("first deploy through npm run on a terminal: ≤ 40 lines and ≤ 4,000 characters after Plan:, no line over 200; destroy then completes", (t) => {
    const other = new TempHost();
    try {
      const args = ["npm", "run", "deploy", "--", "--output", other.outDir];
      const env = other.env();
      delete env.CI;
      const result = expectSuccess(run("script", ["-qec", args.map((a) => `'${a}'`).join(" "), "/dev/null"], { env, input: "" }), "npm run deploy (terminal)");
      assertNoScript(result.output, "npm run deploy (terminal)");
      const lines = afterPlan(screen(raw(result)));
      const m = measure(lines);
      t.diagnostic(`npm run deploy, first, terminal: ${m.lines} lines, ${m.chars} characters after Plan:, longest ${m.longest}`);
      assert.ok(m.lines <= 40 && m.chars <= 4000 && m.longest <= 200, `${m.lines} lines, ${m.chars} characters, longest ${m.longest}:\n${lines.join("\n")}`);
      assert.match(lines.join("\n"), /Apply complete! Resources: \d+ added/);
    } finally {
      other.dispose();
    }
    expectSuccess(operator("npm", "destroy", "no terminal"), "npm run destroy");
    assert.equal(fs.existsSync(host.root), false);
  });
});
