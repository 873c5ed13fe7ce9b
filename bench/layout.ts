/**
 * Bench-only layouts: the real layout's shape with N generated subdirectories,
 * so the bench can measure how cost grows with the tree. Never used by the stack.
 */
import { CUTTER_LAYOUT, RuntimeLayout } from "../constructs/layout";

/** `d0001` … : names that pass every path rule and sort in creation order. */
export function benchDirectoryNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `d${String(i + 1).padStart(4, "0")}`);
}

/** The layout the bench builds for `size` directories: the real one at its own size, else generated. */
export function layoutForSize(size: number): RuntimeLayout {
  return size === CUTTER_LAYOUT.subdirectories.length ? CUTTER_LAYOUT : benchLayout(size);
}

/** CUTTER_LAYOUT with `count` generated subdirectories (the first two double as sidecar and backup dirs). */
export function benchLayout(count: number): RuntimeLayout {
  if (!Number.isInteger(count) || count < 2 || count > 5000) {
    throw new Error(`bench layout: directory count ${JSON.stringify(count)} must be an integer from 2 to 5000`);
  }
  const names = benchDirectoryNames(count);
  return {
    ...CUTTER_LAYOUT,
    sidecarDirectory: names[0],
    backupDirectory: names[1],
    subdirectories: names.map((name, i) => ({ name, purpose: `bench directory ${i + 1} of ${count}` })),
  };
}
