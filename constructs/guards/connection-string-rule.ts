import { GuardRule, lineOf } from "./rule";

/** `scheme://user:password@host`: a URL with a password in it. */
const URL_WITH_PASSWORD = /\b[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s:@/"']+:[^\s@/"']+@/g;
/** libpq-style `password=value` inside a key/value connection string. */
const DSN_PASSWORD = /\bpassword\s*=\s*(?!["']?\s)[^\s"']+/gi;

export const CONNECTION_STRING_RULE: GuardRule = {
  id: "CR-CONNECTION-STRING",
  what: "no connection string with credentials (scheme://user:password@host, or password=… in a DSN)",
  why: "the config names the variables that hold the credentials; it must never carry them",
  check(file) {
    const findings: string[] = [];
    for (const m of file.content.matchAll(URL_WITH_PASSWORD)) findings.push(`line ${lineOf(file.content, m.index ?? 0)}: a URL with user and password`);
    for (const m of file.content.matchAll(DSN_PASSWORD)) findings.push(`line ${lineOf(file.content, m.index ?? 0)}: a connection string with password=`);
    return findings;
  },
};
