/**
 * The bench's stand-in for `npm run verify` (tools/verify.ts, written on another
 * branch): stats the tree against the layout. Its own process, so a verify
 * phase costs what a real verify command costs (node start + stats).
 *
 *   node dist/tools/bench/verify.js SPEC.json
 *
 * SPEC: { root, uid, gid, directoryMode, fileMode, directories: [names], files: {path: sha256} }.
 * Exit 0 when the tree matches; 1 with every mismatch listed otherwise.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";

export interface VerifySpec {
  readonly root: string;
  readonly uid: number;
  readonly gid: number;
  readonly directoryMode: string;
  readonly fileMode: string;
  readonly directories: readonly string[];
  readonly files: Readonly<Record<string, string>>;
}

/** Every way the tree differs from `spec` (empty when it matches). */
export function verifyTree(spec: VerifySpec): string[] {
  const problems: string[] = [];
  const check = (p: string, kind: "directory" | "file", mode: string): boolean => {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(p);
    } catch {
      problems.push(`${p}: missing`);
      return false;
    }
    if (kind === "directory" ? !st.isDirectory() : !st.isFile()) problems.push(`${p}: not a ${kind}`);
    if (st.uid !== spec.uid || st.gid !== spec.gid) problems.push(`${p}: owner ${st.uid}:${st.gid}, expected ${spec.uid}:${spec.gid}`);
    const actual = (st.mode & 0o7777).toString(8).padStart(4, "0");
    if (actual !== mode) problems.push(`${p}: mode ${actual}, expected ${mode}`);
    return true;
  };
  check(spec.root, "directory", spec.directoryMode);
  for (const name of spec.directories) {
    const p = path.join(spec.root, name);
    if (!check(p, "directory", spec.directoryMode)) continue;
    for (const entry of fs.readdirSync(p, { withFileTypes: true })) {
      if (!entry.isDirectory()) problems.push(`${path.join(p, entry.name)}: a non-directory entry`);
    }
  }
  for (const [p, sha256] of Object.entries(spec.files)) {
    if (!check(p, "file", spec.fileMode)) continue;
    const actual = createHash("sha256").update(fs.readFileSync(p)).digest("hex");
    if (actual !== sha256) problems.push(`${p}: content sha256 ${actual}, expected ${sha256}`);
  }
  return problems;
}

if (require.main === module) {
  const spec: VerifySpec = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
  const problems = verifyTree(spec);
  if (problems.length) {
    console.error(`verify: ${problems.length} problem(s) in ${spec.root}:\n` + problems.map((p) => `  - ${p}`).join("\n"));
    process.exit(1);
  }
  console.log(`verify: ${spec.root} matches (${spec.directories.length} directories, ${Object.keys(spec.files).length} files)`);
}
