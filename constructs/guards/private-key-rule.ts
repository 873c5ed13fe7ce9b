import { GuardRule, lineOf } from "./rule";

const PRIVATE_KEY_BLOCK = /-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY( BLOCK)?-----/g;

export const PRIVATE_KEY_RULE: GuardRule = {
  id: "CR-PRIVATE-KEY",
  what: "no private-key block (PEM, OpenSSH, PGP)",
  why: "a private key in a written file is a leaked key",
  check(file) {
    return [...file.content.matchAll(PRIVATE_KEY_BLOCK)].map((m) => `line ${lineOf(file.content, m.index ?? 0)}: a "${m[0]}" block`);
  },
};
