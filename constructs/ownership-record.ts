/**
 * The ownership record: which managed paths this stack created and which it
 * adopted. One small file per path, in a directory kept next to the state file
 * (outside the managed tree), written BEFORE a path is created.
 *
 * It is what tells "existed before the stack" (refused, or adopted when asked)
 * apart from "created by a deploy that was killed before it could record the
 * resource in state" (ours: carry on), what makes destroy leave adopted paths, and
 * what the tree remover (constructs/tree-remover.ts) removes on destroy.
 *
 * Format: one line `WORD PATH [KEY=VALUE...]`, WORD `created` or `adopted`. Files
 * add `sha256=` (what the stack last wrote); adopted files add `original=` (the name
 * of the backup of their original content, 0600, in the same directory), `mode=`
 * and `owner=` (uid:gid) of the original. A third field without "=" (the resource id
 * of earlier releases) is ignored.
 */
import { createHash } from "crypto";
import * as path from "path";
import { overlaps } from "./path-inside";
import { Problems, absolutePathRule } from "./validation";

export interface OwnershipRecord {
  /** Absolute directory holding the record; outside the managed tree. */
  readonly directory: string;
  /**
   * Take over paths that exist before the first deploy: apply owner and mode,
   * record them as adopted, and never remove them on destroy.
   * @default false - a pre-existing path stops the deploy with instructions
   */
  readonly adoptExisting?: boolean;
}

/** Directory holding ownership records unless told otherwise. */
export const DEFAULT_OWNERSHIP_DIR = "/var/lib/cutter-runtime/ownership";

/**
 * Name of the survey file in the ownership record directory (records are named by a
 * 64-hex key, so never this); written by constructs/tree-survey.ts.
 */
export const SURVEY_FILE_NAME = "survey";

/** Default record for a root: one directory per root, next to the default state. */
export function defaultOwnershipDirectory(rootPath: string): string {
  const readable = rootPath.slice(1).replace(/\//g, "-");
  const digest = createHash("sha256").update(rootPath).digest("hex").slice(0, 8);
  return path.posix.join(DEFAULT_OWNERSHIP_DIR, `${readable}.${digest}`);
}

/**
 * Adds a problem if the record directory is not absolute or overlaps the tree at `rootPath`,
 * by spelling: the inputs compared real paths already (runtime-inputs.ts), and a managed path
 * that is a link now (drift, an attack) must not make the stack's own description invalid.
 */
export function checkOwnershipRecord(label: string, record: OwnershipRecord, rootPath: string, problems: Problems): void {
  const problem = absolutePathRule(record.directory);
  if (problem) {
    problems.add(label, record.directory, problem);
  } else if (overlaps(record.directory, rootPath)) {
    problems.add(label, record.directory, `overlaps the managed tree ${rootPath}; keep the ownership record outside it (destroy removes the tree)`);
  }
}

/**
 * Name of a path's record file: sha256 (hex) of the path. Computed at synth and
 * handed to the scripts, so they need no hashing process per path.
 */
export function recordKey(managedPath: string): string {
  return createHash("sha256").update(managedPath).digest("hex");
}

/**
 * "PATH PARENT NAME RECORD-KEY ..." for the scripts (validated paths hold no space
 * or glob character), so they need no process per path to split a path or name its record.
 */
export function recordEntries(paths: readonly string[]): string {
  return paths.map((p) => `${p} ${path.posix.dirname(p)} ${path.posix.basename(p)} ${recordKey(p)}`).join(" ");
}
