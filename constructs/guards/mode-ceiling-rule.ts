import { MODE_CEILING, PathKind, formatMode, modeCeilingRule } from "../validation";
import { GuardRule } from "./rule";

/** The ceilings of constructs/validation.ts MODE_CEILING, by the names the guard's findings use. */
export const FILE_MODE_CEILING = MODE_CEILING[PathKind.FILE];
export const DIRECTORY_MODE_CEILING = MODE_CEILING[PathKind.DIRECTORY];

export const MODE_CEILING_RULE: GuardRule = {
  id: "CR-MODE-CEILING",
  what: `a written file is ${formatMode(FILE_MODE_CEILING)} at most, any directory the provider may create ${formatMode(DIRECTORY_MODE_CEILING)} at most; no setuid/setgid/sticky`,
  why: "a looser mode would expose the tree to other users of the host",
  check(file) {
    const findings: string[] = [];
    const fileProblem = modeCeilingRule(file.fileMode, PathKind.FILE);
    if (fileProblem) findings.push(`file_permission ${JSON.stringify(file.fileMode)} ${fileProblem}`);
    const dirProblem = modeCeilingRule(file.directoryMode, PathKind.DIRECTORY);
    if (dirProblem) findings.push(`directory_permission ${JSON.stringify(file.directoryMode)} ${dirProblem}`);
    return findings;
  },
};
