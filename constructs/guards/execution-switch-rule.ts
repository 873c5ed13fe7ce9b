import { GuardRule } from "./rule";

/** Lowercase letters and digits only, after Unicode compatibility folding (fullwidth, ligatures). */
export function fold(text: string): string {
  return text.normalize("NFKC").toLowerCase().replace(/[^a-z0-9]/g, "");
}

export const EXECUTION_SWITCH_RULE: GuardRule = {
  id: "CR-NO-EXECUTION-SWITCH",
  what: "no execution_enabled in any spelling or case, at any depth (key or value)",
  why: "the orchestrator's execution switch is a constant in its source; a config copy of it would look like a switch that works",
  check(file) {
    return fold(file.content).includes("executionenabled") ? ["mentions execution_enabled (in some spelling)"] : [];
  },
};
