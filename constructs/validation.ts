/**
 * Rules for every value that can reach a command line or the filesystem.
 *
 * Values are checked against strict allow-lists (not deny-lists): what passes
 * reaches a script only as an environment variable or an argument (the scripts
 * quote every expansion: scripts-shellcheck), with no way to inject a command, an
 * option or a glob.
 */
import * as os from "os";
import { isInside } from "./path-inside";

/** Collects problems so one error can name all of them. */
export class Problems {
  private readonly lines: string[] = [];

  /** Records that `label` (a prop or variable name) got `value`, which breaks `rule`. */
  public add(label: string, value: unknown, rule: string): void {
    this.lines.push(`${label}: ${show(value)} ${rule}`);
  }

  /** Records problems already worded (a label and the rule in each). */
  public addAll(problems: readonly string[]): void {
    this.lines.push(...problems);
  }

  /** The problems recorded so far (tests compare what props and the guard refuse). */
  public get list(): readonly string[] {
    return this.lines;
  }

  /** Throws one Error listing every problem, headed by `what`. */
  public throwIfAny(what: string): void {
    if (this.lines.length === 0) return;
    throw new Error(`${what}: ${this.lines.length} invalid value(s); nothing was changed.\n` + this.lines.map((l) => `  - ${l}`).join("\n"));
  }
}

/** Shows a value with invisible characters escaped and long values cut. */
export function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}..."` : text;
}

const SEGMENT = /^[A-Za-z0-9._][A-Za-z0-9._-]*$/;
const MAX_PATH_LENGTH = 1024;
const MAX_SEGMENT_LENGTH = 255;

/**
 * Absolute, normalised path of safe characters: `/a/b`, no `.`/`..`, no `//`,
 * no trailing `/`, each segment `[A-Za-z0-9._][A-Za-z0-9._-]*` (so never a leading `-`).
 * Returns the rule broken, or undefined.
 */
export function absolutePathRule(value: unknown): string | undefined {
  if (typeof value !== "string" || value.length === 0) return "must be a non-empty string";
  if (value.length > MAX_PATH_LENGTH) return `is ${value.length} characters long; the limit is ${MAX_PATH_LENGTH}`;
  if (!value.startsWith("/")) return 'must be an absolute path (start with "/")';
  if (value === "/") return 'must not be "/"';
  if (value.endsWith("/")) return 'must not end with "/"';
  for (const segment of value.slice(1).split("/")) {
    if (segment === "") return 'must not contain "//"';
    if (segment === "." || segment === "..") return `must be normalised: no "." or ".." segments (found "${segment}")`;
    if (segment.length > MAX_SEGMENT_LENGTH) return `has a segment longer than ${MAX_SEGMENT_LENGTH} characters`;
    if (!SEGMENT.test(segment)) {
      return `has an unsafe segment ${show(segment)}: each segment must match ${SEGMENT.source} (letters, digits, ".", "_", "-"; not starting with "-")`;
    }
  }
  return undefined;
}

/**
 * Where a runtime root may live: strictly below one of these. They are where services
 * keep their own data (FHS /var/lib, /srv, /opt), plus the temporary directories that
 * tests, trials and the bench use (/tmp, /var/tmp and the process's temp dir).
 */
export const RUNTIME_ROOT_BASES: readonly string[] = ["/var/lib", "/srv", "/opt", "/tmp", "/var/tmp"];

/** Every runtime root's own name starts with this: `cutter`, `cutter-staging`, `cutter2`. */
export const RUNTIME_ROOT_NAME_PREFIX = "cutter";

/** Where cutter-runtime keeps its own state and ownership records: never a tree. */
const STACK_DATA_DIR = "/var/lib/cutter-runtime";

/** Strictly below, by text: the rule is about the spelling an operator gives (paths are validated first). */
const isBelow = (child: string, parent: string) => child !== parent && isInside(child, parent);

/** The allowed bases on this host: RUNTIME_ROOT_BASES and the process's temp dir. */
export function runtimeRootBases(): string[] {
  const tmp = os.tmpdir();
  const extra = absolutePathRule(tmp) === undefined && !RUNTIME_ROOT_BASES.includes(tmp) ? [tmp] : [];
  return [...RUNTIME_ROOT_BASES, ...extra];
}

/**
 * A runtime root: an absolute path (see above) whose own name starts with `cutter`,
 * strictly below an allowed base. Both halves matter: the bases keep the tree off
 * /etc, /root, /dev, /home, /usr, /boot, /run; the name keeps it off every directory
 * a package or another service owns below the bases (/var/lib/dpkg, /var/lib/apt,
 * /var/lib/postgresql, /opt/<vendor>, ...), since the stack chowns the root, and with
 * CUTTER_ADOPT_EXISTING=1 would take over whatever directory is already there.
 */
export function runtimeRootRule(value: unknown): string | undefined {
  const pathProblem = absolutePathRule(value);
  if (pathProblem) return pathProblem;
  const text = value as string;
  const bases = runtimeRootBases();
  const name = text.slice(text.lastIndexOf("/") + 1);
  const rule = `a runtime root must be a directory named ${RUNTIME_ROOT_NAME_PREFIX}* strictly below ${bases.join(", ")} (e.g. /var/lib/cutter, /srv/cutter-staging), so the stack never creates, chowns or adopts a system or package directory`;
  if (!name.startsWith(RUNTIME_ROOT_NAME_PREFIX)) return `is not allowed: its name "${name}" does not start with "${RUNTIME_ROOT_NAME_PREFIX}"; ${rule}`;
  if (!bases.some((base) => isBelow(text, base))) return `is not allowed: it is not below an allowed directory; ${rule}`;
  if (text === STACK_DATA_DIR || isBelow(text, STACK_DATA_DIR))
    return `is not allowed: ${STACK_DATA_DIR} holds cutter-runtime's own state and ownership records; ${rule}`;
  return undefined;
}

const POSIX_NAME = /^[a-z_][a-z0-9_-]{0,31}$/;

/** A POSIX user or group name as useradd accepts it by default: `[a-z_][a-z0-9_-]{0,31}`. */
export function posixNameRule(value: unknown): string | undefined {
  if (typeof value !== "string" || !POSIX_NAME.test(value)) {
    return "must be a POSIX user/group name: a lowercase letter or _ first, then up to 31 of [a-z0-9_-]";
  }
  return undefined;
}

/** An octal mode written as 3 or 4 digits: `750`, `0750`. Returns its numeric value. */
export function parseMode(value: unknown): number | undefined {
  if (typeof value !== "string" || !/^[0-7]?[0-7]{3}$/.test(value)) return undefined;
  return parseInt(value, 8);
}

/** Formats a numeric mode as four octal digits. */
export function formatMode(mode: number): string {
  return mode.toString(8).padStart(4, "0");
}

/** What a managed path is. */
export enum PathKind {
  DIRECTORY = "directory",
  FILE = "file",
}

/**
 * The one mode ceiling (every check of a mode reads it: the constructs' props, the
 * written-files guard, the README): a mode may tighten these, never loosen them.
 */
export const MODE_CEILING: Readonly<Record<PathKind, number>> = {
  [PathKind.DIRECTORY]: 0o750,
  [PathKind.FILE]: 0o640,
};

/** A mode for a path of `kind`: within MODE_CEILING[kind] (see modeWithinRule). */
export function modeCeilingRule(value: unknown, kind: PathKind): string | undefined {
  return modeWithinRule(value, MODE_CEILING[kind]);
}

/**
 * A mode that may tighten `ceiling` but never loosen it: no bit outside the ceiling,
 * so no setuid/setgid/sticky, no group/world write, nothing more than asked.
 */
export function modeWithinRule(value: unknown, ceiling: number): string | undefined {
  const mode = parseMode(value);
  if (mode === undefined) return 'must be an octal mode of 3 or 4 digits, e.g. "0750"';
  const extra = mode & ~ceiling;
  if (extra !== 0) {
    const reasons: string[] = [];
    if (extra & 0o7000) reasons.push("setuid/setgid/sticky bits are refused");
    if (extra & 0o022) reasons.push("group/world write is refused");
    if (extra & 0o007 & ~0o002) reasons.push("world access is refused");
    if (extra & 0o700) reasons.push("owner bits beyond the ceiling are refused");
    if (extra & 0o050) reasons.push("group bits beyond the ceiling are refused");
    return `adds bits ${formatMode(extra)} beyond the allowed ceiling ${formatMode(ceiling)} (${reasons.join("; ")}); a mode may be tightened, never loosened`;
  }
  return undefined;
}
