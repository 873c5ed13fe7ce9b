/**
 * A strict JSON reader for operator-written files (host files): what JSON.parse
 * accepts silently, it refuses with the place named. Duplicate keys (JSON.parse keeps
 * the last), nesting beyond a small depth (no "Maximum call stack size exceeded")
 * and oversized input are errors. Objects are returned as Maps, so a key such as
 * `__proto__` or `toString` is just a key, never a property of Object.prototype.
 * Errors name places (line:column, key path), never a value.
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;
export type JsonObject = Map<string, JsonValue>;

export interface StrictJsonLimits {
  /** Deepest nesting of objects/arrays accepted. @default 8 */
  readonly maxDepth?: number;
}

export class StrictJsonError extends Error {}

/** How a key is shown in messages: JSON-quoted (invisible characters escaped), cut when long. */
export function showKey(key: string): string {
  const text = JSON.stringify(key);
  return text.length > 42 ? `${text.slice(0, 39)}..."` : text;
}

/** Parses `text` as one JSON value; throws StrictJsonError naming line:column and what is wrong. */
export function parseStrictJson(text: string, limits: StrictJsonLimits = {}): JsonValue {
  const maxDepth = limits.maxDepth ?? 8;
  let at = 0;

  const where = (offset = at): string => {
    let line = 1;
    let column = 1;
    for (let i = 0; i < offset && i < text.length; i++) {
      if (text[i] === "\n") {
        line += 1;
        column = 1;
      } else column += 1;
    }
    return `line ${line} column ${column}`;
  };
  const fail = (what: string, offset = at): never => {
    throw new StrictJsonError(`${what} at ${where(offset)}`);
  };
  const skipSpace = () => {
    while (at < text.length && (text[at] === " " || text[at] === "\t" || text[at] === "\n" || text[at] === "\r")) at++;
  };
  const describe = (offset: number): string => (offset >= text.length ? "unexpected end of input" : `unexpected character ${showKey(text[offset])}`);

  const parseString = (): string => {
    const start = at;
    at++; // opening quote
    let out = "";
    for (;;) {
      if (at >= text.length) fail("unterminated string", start);
      const c = text[at];
      if (c === '"') {
        at++;
        return out;
      }
      if (c === "\\") {
        const e = text[at + 1];
        const simple: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
        if (e !== undefined && Object.prototype.hasOwnProperty.call(simple, e)) {
          out += simple[e];
          at += 2;
        } else if (e === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(at + 2, at + 6))) {
          out += String.fromCharCode(parseInt(text.slice(at + 2, at + 6), 16));
          at += 6;
        } else fail("invalid escape in a string");
      } else if (c.charCodeAt(0) < 0x20) {
        fail("control character in a string (escape it)");
      } else {
        out += c;
        at++;
      }
    }
  };

  const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
  const parseValue = (depth: number, keyPath: string): JsonValue => {
    skipSpace();
    const c = text[at];
    if (c === "{" || c === "[") {
      if (depth >= maxDepth) fail(`nesting deeper than ${maxDepth} levels${keyPath ? ` (below ${keyPath})` : ""}`);
      return c === "{" ? parseObject(depth + 1, keyPath) : parseArray(depth + 1, keyPath);
    }
    if (c === '"') return parseString();
    for (const [word, value] of [
      ["true", true],
      ["false", false],
      ["null", null],
    ] as const) {
      if (text.startsWith(word, at)) {
        at += word.length;
        return value;
      }
    }
    NUMBER.lastIndex = at;
    const m = NUMBER.exec(text);
    if (m && m[0].length > 0) {
      at += m[0].length;
      return Number(m[0]);
    }
    return fail(describe(at));
  };

  const parseObject = (depth: number, keyPath: string): JsonObject => {
    at++; // {
    const object: JsonObject = new Map();
    const firstSeen = new Map<string, number>();
    skipSpace();
    if (text[at] === "}") {
      at++;
      return object;
    }
    for (;;) {
      skipSpace();
      if (text[at] !== '"') fail(`${describe(at)}; expected a key in double quotes`);
      const keyAt = at;
      const key = parseString();
      const path = keyPath ? `${keyPath}.${key}` : key;
      if (firstSeen.has(key)) fail(`duplicate key ${showKey(path)} (first at ${where(firstSeen.get(key))})`, keyAt);
      firstSeen.set(key, keyAt);
      skipSpace();
      if (text[at] !== ":") fail(`${describe(at)}; expected ":" after the key ${showKey(path)}`);
      at++;
      object.set(key, parseValue(depth, path));
      skipSpace();
      if (text[at] === ",") {
        at++;
        continue;
      }
      if (text[at] === "}") {
        at++;
        return object;
      }
      fail(`${describe(at)}; expected "," or "}"`);
    }
  };

  const parseArray = (depth: number, keyPath: string): JsonValue[] => {
    at++; // [
    const array: JsonValue[] = [];
    skipSpace();
    if (text[at] === "]") {
      at++;
      return array;
    }
    for (;;) {
      array.push(parseValue(depth, `${keyPath}[${array.length}]`));
      skipSpace();
      if (text[at] === ",") {
        at++;
        continue;
      }
      if (text[at] === "]") {
        at++;
        return array;
      }
      fail(`${describe(at)}; expected "," or "]"`);
    }
  };

  const value = parseValue(0, "");
  skipSpace();
  if (at < text.length) fail(`${describe(at)} after the JSON value`);
  return value;
}

/** What kind of JSON value this is, for messages that must not print the value. */
export function jsonKind(value: JsonValue): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (value instanceof Map) return "an object";
  return `a ${typeof value}`;
}
