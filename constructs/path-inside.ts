/**
 * Path containment, the one implementation (constructs and tools both import it; it
 * loads neither cdktf nor the constructs). Paths are compared by real path where it
 * matters: a symlinked spelling of a directory is the directory, so a link cannot
 * smuggle a path into or out of a tree.
 */
import * as fs from "fs";
import * as path from "path";

/**
 * True when `child` is `parent` or below it, by text: both are made absolute and
 * normalised first (`..`, `.`, `//`, a trailing `/`), then compared segment by segment
 * (so `/a/bc` is not below `/a/b`, and `/a/..b` is below `/a`).
 */
export function isInside(child: string, parent: string): boolean {
  const c = path.resolve(child);
  const p = path.resolve(parent);
  return c === p || c.startsWith(p === "/" ? "/" : p + "/");
}

/**
 * The real path of `p`: the longest existing prefix resolved (symbolic links, `..`),
 * the rest appended as written (`p` itself may not exist yet).
 */
export function resolvedPath(p: string): string {
  const missing: string[] = [];
  let at = path.resolve(p);
  // Bounded: every step removes one segment.
  for (let i = 0; i < 4096; i++) {
    try {
      return path.join(fs.realpathSync.native(at), ...missing.reverse());
    } catch {
      const parent = path.dirname(at);
      if (parent === at) break;
      missing.push(path.basename(at));
      at = parent;
    }
  }
  return path.resolve(p);
}

/** Whether `child` is `parent` or below it, as written or by real path (either is enough to refuse). */
export function isInsideResolved(child: string, parent: string): boolean {
  return isInside(child, parent) || isInside(resolvedPath(child), resolvedPath(parent));
}

/** Whether either path is (or is below) the other, by text (see isInside). */
export function overlaps(a: string, b: string): boolean {
  return isInside(a, b) || isInside(b, a);
}

/** Whether either path is (or is below) the other, as written or by real path. */
export function overlapsResolved(a: string, b: string): boolean {
  return isInsideResolved(a, b) || isInsideResolved(b, a);
}

/** " (it resolves to X through a symbolic link)" when a path's real path differs from its spelling, for messages. */
export function resolvesNote(p: string): string {
  const real = resolvedPath(p);
  return real === p ? "" : ` (it resolves to ${real} through a symbolic link)`;
}
