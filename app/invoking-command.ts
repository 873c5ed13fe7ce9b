/**
 * Which operator command runs the app: `cdktf <verb>`, `cdktn <verb>` (CDK Terrain's CLI,
 * docs/cdk-terrain.md) or the operator CLI (`cutter.js <verb>`). cdktf passes the app no hint of what it is about to do, so
 * the app reads its ancestors' command lines (/proc/<pid>/cmdline, up to a few levels:
 * cdktf -> /bin/sh -c -> sh cli/app.sh -> node dist/main.js). Undefined when no such
 * ancestor is found (the app run by hand, or an unknown wrapper).
 */
import * as fs from "fs";
import * as path from "path";
import { EngineVerb } from "./local-state";

export interface InvokingCommand {
  readonly tool: "cdktf" | "cdktn" | "cutter";
  /** The verb as written (e.g. "deploy", "diff"). */
  readonly verb: string;
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return undefined;
  }
}

function commandLineOf(pid: number): string[] {
  try {
    return fs
      .readFileSync(`/proc/${pid}/cmdline`, "utf8")
      .split("\0")
      .filter((a) => a !== "");
  } catch {
    return [];
  }
}

/** Finds `cdktf <verb>`, `cdktn <verb>` or `cutter.js <verb>` among the first few ancestors of this process. */
export function invokingCommand(maxLevels = 8): InvokingCommand | undefined {
  let pid: number | undefined = process.ppid;
  for (let level = 0; level < maxLevels && pid !== undefined && pid > 1; level++) {
    const argv = commandLineOf(pid);
    for (let i = 0; i < argv.length; i++) {
      const base = path.basename(argv[i]);
      const tool =
        base === "cdktf" || base === "cdktf.js" ? "cdktf" : base === "cdktn" || base === "cdktn.js" ? "cdktn" : base === "cutter.js" ? "cutter" : undefined;
      if (!tool) continue;
      const verb = argv.slice(i + 1).find((a) => !a.startsWith("-"));
      if (verb) return { tool, verb };
    }
    pid = parentOf(pid);
  }
  return undefined;
}

/** What an engine run by this command does; "synth" when it runs no engine. */
export function engineVerbOf(command: InvokingCommand | undefined): EngineVerb | "synth" {
  switch (command?.verb) {
    case "synth":
    case "list":
    case "get":
    case "output":
      return "synth";
    case "plan":
    case "diff":
      return "plan";
    case "deploy":
    case "apply":
    case "watch":
      return "deploy";
    case "destroy":
      return "destroy";
    default:
      return "unknown";
  }
}
