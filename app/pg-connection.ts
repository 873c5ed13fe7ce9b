/**
 * The PostgreSQL connection string, checked before the engine sees it.
 *
 * The engine (lib/pq through Go's net/url) quotes the whole string, password included,
 * in some parse errors (`parse "postgres://user:S3cret...": invalid port`). So the string
 * is checked here against rules under which those parsers cannot fail, and every problem
 * names the variable and the rule, never the value or any part of it.
 *
 * Accepted forms (lib/pq's): a URL `postgres://USER:PASSWORD@HOST:PORT/DB?sslmode=...`
 * (`postgresql://` too), or `key=value` pairs (`host=... password='...'`).
 */

/** sslmode values lib/pq accepts. */
export const SSL_MODES = ["disable", "require", "verify-ca", "verify-full"];

export interface ParsedConnection {
  /** The password as written and as decoded, if the string holds one (for redaction only). */
  passwords: string[];
}

// Go's validUserinfo: unreserved, sub-delims, ":", "%" (and "@", split at the last one).
const USERINFO = /^[A-Za-z0-9\-._~!$&'()*+,;=:%@]*$/;
const HOSTNAME = /^[A-Za-z0-9._-]*$/;
const IPV6 = /^\[[0-9A-Fa-f:.]+\]$/;
const KEY = /^[a-z_][a-z0-9_]*$/;
const BAD_ESCAPE = /%(?![0-9A-Fa-f]{2})/;

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Problems of a URL-form connection string; each names a rule, never the value. */
function urlProblems(value: string, parsed: ParsedConnection): string[] {
  const problems: string[] = [];
  if (/[^\x21-\x7e]/.test(value)) problems.push("holds a space, control or non-ASCII character: percent-encode it (e.g. a space as %20)");
  if (value.includes("#")) problems.push('holds "#" (the URL would end there): percent-encode it as %23');
  if (BAD_ESCAPE.test(value)) problems.push('holds a "%" that does not start a %XX escape: write "%" itself as %25');
  const rest = value.slice(value.indexOf("://") + 3);
  const [beforeQuery, query = ""] = splitOnce(rest, "?");
  const slash = beforeQuery.indexOf("/");
  const authority = slash < 0 ? beforeQuery : beforeQuery.slice(0, slash);
  const at = authority.lastIndexOf("@");
  const userinfo = at < 0 ? "" : authority.slice(0, at);
  const hostPort = at < 0 ? authority : authority.slice(at + 1);
  if (!USERINFO.test(userinfo))
    problems.push('has a character in the user name or password that must be percent-encoded (e.g. "/" as %2F, "?" as %3F, "[" as %5B)');
  if (userinfo.includes(":")) {
    const raw = userinfo.slice(userinfo.indexOf(":") + 1);
    parsed.passwords.push(raw, decode(raw));
  }
  let host = hostPort;
  let port: string | undefined;
  if (hostPort.startsWith("[")) {
    const close = hostPort.indexOf("]");
    host = close < 0 ? hostPort : hostPort.slice(0, close + 1);
    const after = close < 0 ? "" : hostPort.slice(close + 1);
    if (after !== "") {
      if (!after.startsWith(":")) problems.push("has text after the IPv6 address that is not :PORT");
      else port = after.slice(1);
    }
    if (!IPV6.test(host)) problems.push("has an IPv6 host that is not [hex:digits]");
  } else {
    const colon = hostPort.lastIndexOf(":");
    if (colon >= 0) {
      host = hostPort.slice(0, colon);
      port = hostPort.slice(colon + 1);
    }
    if (!HOSTNAME.test(host))
      problems.push(
        'has a host that is not a name or address of [A-Za-z0-9.-] (a reserved character in the password, such as "/", "?" or "#", ends the password early: percent-encode it)',
      );
  }
  if (port !== undefined && (!/^[0-9]{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535)) {
    problems.push(
      'has a port that is not a number from 1 to 65535 (a reserved character in the password, such as "/", "?" or "#", ends the password early: percent-encode it)',
    );
  }
  if (query !== "") {
    for (const pair of query.split("&")) {
      const [key, val] = splitOnce(pair, "=");
      if (!KEY.test(key) || !pair.includes("=")) {
        problems.push("has a query parameter that is not key=value with a key of [a-z_]");
        break;
      }
      if (key === "sslmode" && !SSL_MODES.includes(decode(val ?? ""))) problems.push(`has an sslmode that is not one of ${SSL_MODES.join(", ")}`);
    }
  }
  return problems;
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const i = text.indexOf(separator);
  return i < 0 ? [text, undefined] : [text.slice(0, i), text.slice(i + 1)];
}

/** Problems of a key=value connection string (lib/pq's parseOpts), never quoting it. */
function keyValueProblems(value: string, parsed: ParsedConnection): string[] {
  if (/[^\x20-\x7e]/.test(value)) return ["holds a control or non-ASCII character"];
  let at = 0;
  const skipSpace = () => {
    while (at < value.length && value[at] === " ") at++;
  };
  let pairs = 0;
  for (;;) {
    skipSpace();
    if (at >= value.length) break;
    const keyStart = at;
    while (at < value.length && /[a-z0-9_]/.test(value[at])) at++;
    const key = value.slice(keyStart, at);
    skipSpace();
    if (!KEY.test(key) || value[at] !== "=") {
      return ["is neither a postgres:// URL nor key=value pairs (a value with a space or quote must be written in single quotes: password='...')"];
    }
    at++;
    skipSpace();
    let val = "";
    if (value[at] === "'") {
      at++;
      let closed = false;
      while (at < value.length) {
        const c = value[at++];
        if (c === "\\") {
          if (at >= value.length) break;
          val += value[at++];
        } else if (c === "'") {
          closed = true;
          break;
        } else val += c;
      }
      if (!closed) return ["has a quoted value that is not closed with '"];
    } else {
      while (at < value.length && value[at] !== " ") {
        if (value[at] === "\\" && at + 1 < value.length) at++;
        val += value[at++];
      }
    }
    if (key === "password") parsed.passwords.push(val);
    if (key === "sslmode" && !SSL_MODES.includes(val)) return [`has an sslmode that is not one of ${SSL_MODES.join(", ")}`];
    if (key === "port" && (!/^[0-9]{1,5}$/.test(val) || Number(val) < 1 || Number(val) > 65535)) return ["has a port that is not a number from 1 to 65535"];
    pairs++;
  }
  return pairs === 0 ? ["is empty"] : [];
}

/**
 * Checks a connection string; returns the problems (rules broken, never the value) and,
 * for redaction, what in it is secret.
 */
export function checkConnectionString(value: string): { problems: string[]; parsed: ParsedConnection } {
  const parsed: ParsedConnection = { passwords: [] };
  if (value.trim() === "") return { problems: ["is empty"], parsed };
  const isUrl = value.startsWith("postgres://") || value.startsWith("postgresql://");
  if (!isUrl && /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(value)) {
    return { problems: ["is a URL of another scheme: write it as postgres://... (lowercase; lib/pq reads anything else as key=value pairs)"], parsed };
  }
  const problems = isUrl ? urlProblems(value, parsed) : keyValueProblems(value, parsed);
  return { problems, parsed };
}

/** One message for a bad connection string: the variable, the rules, how to fix; never the value. */
export function connectionStringError(variable: string, problems: readonly string[], context: string): string {
  return (
    `${context}: the PostgreSQL connection string in ${variable} ${problems.join("; it ")}. Nothing was changed, and the value is not shown.\n` +
    `  Fix ${variable}: postgres://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=verify-full, with reserved characters in USER and PASSWORD percent-encoded (# as %23, / as %2F, ? as %3F, @ as %40, % as %25).`
  );
}

/** Secrets in a connection string that must never reach a log: the string itself and its password. */
export function secretsOf(value: string | undefined): string[] {
  if (!value) return [];
  const secrets = new Set([value]);
  // A very short password would blank out ordinary words; the whole string is still hidden.
  for (const password of checkConnectionString(value).parsed.passwords) {
    for (const form of [password, encodeURIComponent(password)]) if (form.length >= 4) secrets.add(form);
  }
  return [...secrets];
}

/** `text` with every secret replaced by "(redacted)". */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) out = out.split(secret).join("(redacted)");
  return out;
}
