import { GuardRule, hint, lineOf } from "./rule";

/** Runs of token characters (no "/" or ".", so paths split into their segments). */
const TOKEN = /[A-Za-z0-9+=_-]{24,}/g;
export const MIN_SECRET_LENGTH = 24;
export const MIN_ENTROPY_BITS = 3.5;

/** Shannon entropy in bits per character. */
export function entropyBits(text: string): number {
  const counts = new Map<string, number>();
  for (const c of text) counts.set(c, (counts.get(c) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/**
 * Random-looking: some "-"/"_"-separated part is long, mixes digits with letters, and
 * has high entropy. Env-var names (no digits needed), words and hyphenated names such
 * as a mkdtemp directory ("cutter-env-a1B2c3") do not; "ghp_<36 random>" does.
 */
export function looksRandom(token: string): boolean {
  return token.split(/[-_]/).some((part) => {
    if (part.length < MIN_SECRET_LENGTH) return false;
    const digits = /[0-9]/.test(part);
    const letters = /[A-Za-z]/.test(part);
    return digits && letters && entropyBits(part) >= MIN_ENTROPY_BITS;
  });
}

export const HIGH_ENTROPY_RULE: GuardRule = {
  id: "CR-HIGH-ENTROPY",
  what: `no long random-looking string (${MIN_SECRET_LENGTH}+ characters mixing letters and digits, entropy >= ${MIN_ENTROPY_BITS} bits/char)`,
  why: "tokens, API keys and key material look like this; the stack writes only paths, names and prose",
  check(file) {
    return [...file.content.matchAll(TOKEN)]
      .filter((m) => looksRandom(m[0]))
      .map((m) => `line ${lineOf(file.content, m.index ?? 0)}: ${hint(m[0])} (${m[0].length} characters, ${entropyBits(m[0]).toFixed(2)} bits/char)`);
  },
};
