/**
 * What is wrong with a managed path, as data: drift seen at plan (the check blocks of
 * constructs/drift-checks.ts, built by tree-observation.ts) and what `npm run verify` finds
 * (cli/verify.ts) are typed findings, and this is the one place they become text (and,
 * for the plan summary, text becomes findings again: parseDriftMessage).
 *
 * At plan time the found values are HCL interpolations (`${local.x[...]}`): the renderers
 * only place values, so the same function writes the check's message template.
 */

/** Where a finding is told: in a plan's drift check (what deploy will do) or by verify (what it means). */
export type FindingContext = "plan" | "verify";

export type TreeFinding =
  | {
      readonly kind: "missing";
      readonly path: string;
      readonly pathKind: "directory" | "file";
      /** plan: a parent whose POSIX ACL a new directory would inherit */ readonly aclParent?: string;
    }
  | { readonly kind: "type"; readonly path: string; readonly found: string; readonly expected: "directory" | "file" }
  | { readonly kind: "owner"; readonly path: string; readonly found: string; readonly expected: string }
  | { readonly kind: "mode"; readonly path: string; readonly found: string; readonly expected: string }
  | { readonly kind: "acl"; readonly path: string }
  | { readonly kind: "hard-links"; readonly path: string; readonly links: string }
  | { readonly kind: "content"; readonly path: string; readonly found: string; readonly expected: string }
  /** Anything told in words only (verify's entry counts, schema and secret checks; a drift detail of an earlier release). */
  | { readonly kind: "other"; readonly path: string; readonly text: string };

/** The finding in words, without its path. */
export function findingText(f: TreeFinding, context: FindingContext): string {
  const plan = context === "plan";
  switch (f.kind) {
    case "missing":
      if (!plan) return f.pathKind === "directory" ? "missing (`npm run deploy` re-creates it)" : "missing (`npm run deploy` writes it)";
      if (f.pathKind === "file") return "missing (deploy writes it)";
      return f.aclParent === undefined
        ? "missing (deploy creates it)"
        : `missing (deploy creates it; ${f.aclParent} carries a POSIX ACL, and deploy strips whatever the new directory inherits from it before anything is written inside)`;
    case "type":
      return `is a ${f.found}, expected a ${f.expected === "directory" ? "directory" : "regular file"}${plan ? "; deploy stops at this path and changes nothing: move it out of the tree, then deploy again" : ""}`;
    case "owner":
      return `owner ${f.found}, expected ${f.expected}`;
    case "mode":
      return `mode ${f.found}, expected ${f.expected}`;
    case "acl":
      return `a POSIX ACL grants access the mode does not show (deploy removes it; getfacl ${f.path} lists it)`;
    case "hard-links":
      return plan
        ? `${f.links} hard links: another name shares this file, so deploy refuses to write or chown it; remove the other link (find / -xdev -samefile ${f.path})`
        : `${f.links} hard links: another name shares this file, so it is not the stack's to write (deploy refuses; find / -xdev -samefile ${f.path})`;
    case "content":
      return `content sha256 ${f.found}, expected ${f.expected} (${plan ? "deploy rewrites it" : "what the stack writes"})`;
    case "other":
      return f.text;
  }
}

/** One of verify's problem lines: `PATH: finding`. */
export function verifyProblem(f: TreeFinding): string {
  return `${f.path}: ${findingText(f, "verify")}`;
}

const DRIFT_PREFIX = "drift observed at plan: ";

/** A drift check's message: `drift observed at plan: PATH: detail; detail`. */
export function driftMessage(path: string, details: string): string {
  return `${DRIFT_PREFIX}${path}: ${details}`;
}

/** The details of a drift message, as findings; `undefined` for a message that is not a drift message. */
export function parseDriftMessage(message: string): { readonly path: string; readonly findings: readonly TreeFinding[] } | undefined {
  const m = /^drift observed at plan: (\/[^:]*): (.*)$/s.exec(message);
  if (!m) return undefined;
  const path = m[1];
  // Details are joined with "; ", and some hold "; " themselves: at each place, the longest
  // run of pieces that reads as one finding is that finding (a piece alone otherwise).
  const pieces = m[2].split("; ");
  const findings: TreeFinding[] = [];
  for (let i = 0; i < pieces.length;) {
    let j = pieces.length;
    let finding = parseDetail(path, pieces.slice(i, j).join("; "));
    while (finding.kind === "other" && j > i + 1) finding = parseDetail(path, pieces.slice(i, --j).join("; "));
    findings.push(finding);
    i = j;
  }
  return { path, findings };
}

/** The drift message of `findings` at `path` (the inverse of parseDriftMessage). */
export function renderDriftMessage(path: string, findings: readonly TreeFinding[]): string {
  return driftMessage(path, findings.map((f) => findingText(f, "plan")).join("; "));
}

/** One detail as a finding; one read back only if it renders to exactly the same words ("other" otherwise). */
function parseDetail(path: string, detail: string): TreeFinding {
  const candidates: TreeFinding[] = [];
  let m: RegExpExecArray | null;
  if ((m = /^owner (\S+), expected (\S+)$/.exec(detail))) candidates.push({ kind: "owner", path, found: m[1], expected: m[2] });
  if ((m = /^mode (\S+), expected (\S+)$/.exec(detail))) candidates.push({ kind: "mode", path, found: m[1], expected: m[2] });
  if ((m = /^content sha256 (\S+), expected (\S+) /.exec(detail))) candidates.push({ kind: "content", path, found: m[1], expected: m[2] });
  if ((m = /^(\d+) hard links: /.exec(detail))) candidates.push({ kind: "hard-links", path, links: m[1] });
  if ((m = /^is a (.+), expected a (directory|regular file);/.exec(detail)))
    candidates.push({ kind: "type", path, found: m[1], expected: m[2] === "directory" ? "directory" : "file" });
  if ((m = /^missing \(deploy creates it; (\S+) carries a POSIX ACL/.exec(detail)))
    candidates.push({ kind: "missing", path, pathKind: "directory", aclParent: m[1] });
  candidates.push({ kind: "missing", path, pathKind: "directory" }, { kind: "missing", path, pathKind: "file" }, { kind: "acl", path });
  return candidates.find((f) => findingText(f, "plan") === detail) ?? { kind: "other", path, text: detail };
}
