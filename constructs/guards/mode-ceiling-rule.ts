import { modeWithinRule } from "../validation";
import { GuardRule } from "./rule";

export const FILE_MODE_CEILING = 0o640;
export const DIRECTORY_MODE_CEILING = 0o750;

export const MODE_CEILING_RULE: GuardRule = {
  id: "CR-MODE-CEILING",
  what: "a written file is 0640 at most, any directory the provider may create 0750 at most; no setuid/setgid/sticky",
  why: "a looser mode would expose the tree to other users of the host",
  check(file) {
    const findings: string[] = [];
    const fileProblem = modeWithinRule(file.fileMode, FILE_MODE_CEILING);
    if (fileProblem) findings.push(`file_permission ${JSON.stringify(file.fileMode)} ${fileProblem}`);
    const dirProblem = modeWithinRule(file.directoryMode, DIRECTORY_MODE_CEILING);
    if (dirProblem) findings.push(`directory_permission ${JSON.stringify(file.directoryMode)} ${dirProblem}`);
    return findings;
  },
};
