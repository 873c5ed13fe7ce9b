/**
 * Path containment, by real path where it matters (a link cannot smuggle a path into or
 * out of a tree). A module of its own so the operator commands can use it without
 * loading what verify needs (cli/expected-tree.ts re-exports it).
 */
import * as fs from "fs";
import * as path from "path";

/** True when `child` is `parent` or below it (both absolute, normalised). */
export function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

/** The real path of `p`, resolving the deepest existing ancestor (p itself may not exist yet). */
export function realish(p: string): string {
  const missing: string[] = [];
  let at = path.resolve(p);
  for (;;) {
    try {
      return path.join(fs.realpathSync(at), ...missing.reverse());
    } catch {
      const parent = path.dirname(at);
      if (parent === at) return path.resolve(p);
      missing.push(path.basename(at));
      at = parent;
    }
  }
}
