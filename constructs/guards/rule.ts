/** What the guards look at: one file the stack writes, as synthesized. */
export interface WrittenFile {
  /** Construct path of the resource that writes it (for the error). */
  readonly source: string;
  /** Where the file is written. */
  readonly path: string;
  /** The exact content written. */
  readonly content: string;
  /** `file_permission`, as given. */
  readonly fileMode?: string;
  /** `directory_permission`, as given. */
  readonly directoryMode?: string;
}

/** One cross-cutting rule (cdk-nag style): returns one line per finding; none = compliant. */
export interface GuardRule {
  readonly id: string;
  /** What the rule refuses, in one line. */
  readonly what: string;
  /** Why, in one line. */
  readonly why: string;
  readonly check: (file: WrittenFile) => string[];
}

/** Calls `visit(keyPath, key, value)` for every key/value of a parsed JSON document, at any depth. */
export function walkJson(value: unknown, visit: (at: string, key: string, value: unknown) => void, at = "$"): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => walkJson(v, visit, `${at}[${i}]`));
  } else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      visit(`${at}.${k}`, k, v);
      walkJson(v, visit, `${at}.${k}`);
    }
  }
}

/** The content parsed as JSON, or undefined if it is not JSON. */
export function parseJson(content: string): unknown {
  try {
    return JSON.parse(content);
  } catch {
    return undefined;
  }
}

/** Line number (1-based) of a character offset. */
export function lineOf(content: string, offset: number): number {
  return content.slice(0, offset).split("\n").length;
}

/** A value cut for an error message: enough to find it, not enough to leak it. */
export function hint(value: string): string {
  return JSON.stringify(value.slice(0, value.length < 12 ? 2 : 4) + "…");
}
