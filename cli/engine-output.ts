/**
 * What the operator commands show of the engine's plain (-no-color) output: the plan
 * listing complete, and of an apply only what says something: the lines the stack's
 * own steps print (`created /var/lib/cutter/runs root:root 0750`), the engine's closing
 * line and any diagnostic that is not already said. The engine's progress lines
 * (`Creating...`, `Provisioning with 'local-exec'...`, `Refreshing state...`) are left
 * out, and a step that refused is shown last, just before the command's own last line,
 * instead of a second time inside the engine's error.
 *
 * Everything the engine printed is kept for the audit log (engineTranscript), which
 * counts and reasons from it.
 */
import { Captured, Engine, runEngineQuietly } from "./engine";

/** A diagnostic block of the engine's plain output. */
export interface Diagnostic {
  readonly severity: "Error" | "Warning";
  readonly summary: string;
  /** The address in the block's `with ADDRESS,` line, when it names one. */
  readonly address?: string;
  /** The detail text (after the source snippet), lines joined with spaces per paragraph. */
  readonly detail: string;
  readonly lines: readonly string[];
}

export interface ParsedOutput {
  /** The output's lines outside diagnostic blocks, in order. */
  readonly text: readonly string[];
  readonly diagnostics: readonly Diagnostic[];
}

const DIAGNOSTIC_START = /^(Error|Warning): (.*)$/;
/** Lines that end a diagnostic block: the engine's own top-level lines. */
const TOP_LEVEL =
  /^(Apply complete!|Destroy complete!|Plan: |No changes\.|Terraform will perform|Terraform used the selected|Changes to Outputs:|Outputs:|Terraform has compared|Terraform planned the following)/;
/** `ADDRESS[ (deposed object ID)][ (CONSTRUCT/PATH)]: ...` progress lines of the engine. */
const PROGRESS =
  /^[a-z_][\w.[\]"-]*(?: \([^)]*\))*: (Creating\.\.\.|Creation complete after|Destroying\.\.\.|Destruction complete after|Modifying\.\.\.|Modifications complete after|Refreshing state\.\.\.|Reading\.\.\.|Read complete after|Provisioning with '|Still (creating|destroying|modifying|reading)\.\.\.)/;
/** `ADDRESS (local-exec): TEXT`: what a provisioner printed. */
const STEP = /^([a-z_][\w.[\]"-]*)(?: \([^)]*\))*? \(local-exec\): (.*)$/;
const SUPPRESSED = /^local-exec: Executing: Suppressed by quiet=true$/;

/** Splits plain engine output into its text lines and its diagnostic blocks. */
export function parseEngineOutput(output: string): ParsedOutput {
  const lines = output.replace(/\r/g, "").split("\n");
  const text: string[] = [];
  const diagnostics: Diagnostic[] = [];
  let i = 0;
  while (i < lines.length) {
    const start = DIAGNOSTIC_START.exec(lines[i]);
    if (!start) {
      text.push(lines[i]);
      i++;
      continue;
    }
    const block = [lines[i]];
    i++;
    while (i < lines.length && !DIAGNOSTIC_START.test(lines[i]) && !TOP_LEVEL.test(lines[i]) && !PROGRESS.test(lines[i]) && !STEP.test(lines[i])) {
      block.push(lines[i]);
      i++;
    }
    while (block.length > 1 && block[block.length - 1].trim() === "") block.pop();
    const address = block.map((l) => /^\s+with ([^,]+),$/.exec(l)?.[1]).find((a) => a !== undefined);
    // Paragraphs after the summary; the detail is every paragraph that is not the indented source snippet.
    const paragraphs: string[][] = [];
    for (const line of block.slice(1)) {
      if (line.trim() === "") paragraphs.push([]);
      else (paragraphs[paragraphs.length - 1] ?? (paragraphs.push([]), paragraphs[0])).push(line);
    }
    const detail = paragraphs
      .filter((p) => p.length > 0 && !/^\s/.test(p[0]))
      .map((p) => p.join(" "))
      .join("\n");
    diagnostics.push({ severity: start[1] as "Error" | "Warning", summary: start[2], address: address?.replace(/ \(.*\)$/, ""), detail, lines: block });
  }
  return { text, diagnostics };
}

/** A step's line as shown: the script's own prefix is not repeated (every line is the stack's). */
const shown = (text: string) => text.replace(/^cutter-runtime: /, "");

/** True for a diagnostic that says a check block failed (drift: the summary lists those one line each). */
export const isCheckWarning = (d: Diagnostic) => d.severity === "Warning" && /^Check block assertion failed/.test(d.summary);

/** True for the error of one of the stack's steps (`Error running command 'cutter-NAME'`): its output was shown as the step's lines. */
export const isStepError = (d: Diagnostic) => d.severity === "Error" && /Error running command 'cutter-[a-z-]+'/.test(d.detail);

/**
 * The plan listing as the operator commands show it: the engine's progress lines
 * (refresh and read) and the check warnings (listed one line each by the summary) left
 * out; everything else as the engine printed it.
 */
export function planDisplay(output: string): string {
  const parsed = parseEngineOutput(output);
  const kept: string[] = [];
  for (const line of parsed.text) {
    if (PROGRESS.test(line)) continue;
    if (line.trim() === "" && (kept.length === 0 || kept[kept.length - 1].trim() === "")) continue;
    kept.push(line);
  }
  for (const d of parsed.diagnostics) if (!isCheckWarning(d)) kept.push("", ...d.lines);
  while (kept.length > 0 && kept[kept.length - 1].trim() === "") kept.pop();
  return kept.length === 0 ? "" : kept.join("\n") + "\n";
}

/** An apply as the operator commands show it. */
export interface ApplyDisplay {
  /** What goes to stdout: the steps' lines, the engine's closing line and any diagnostic not already said. */
  readonly shown: string;
  /** The lines of the steps that failed (the reasons), shown last. */
  readonly reasons: readonly string[];
  /** The engine's closing line (`Apply complete! ...`, `Destroy complete! ...`), when it printed one. */
  readonly closing?: string;
  /** Addresses of the steps that failed. */
  readonly failedSteps: readonly string[];
}

/** Condenses an apply's plain output (see the file comment). */
export function applyDisplay(output: string): ApplyDisplay {
  const parsed = parseEngineOutput(output);
  const failedSteps = [
    ...new Set(
      parsed.diagnostics
        .filter(isStepError)
        .map((d) => d.address)
        .filter((a): a is string => a !== undefined),
    ),
  ];
  const kept: string[] = [];
  const reasons: string[] = [];
  let closing: string | undefined;
  for (const line of parsed.text) {
    const step = STEP.exec(line);
    if (step) {
      if (SUPPRESSED.test(step[2])) continue;
      if (failedSteps.includes(step[1])) reasons.push(shown(step[2]));
      else kept.push(shown(step[2]));
      continue;
    }
    if (PROGRESS.test(line) && !/: Still /.test(line)) continue;
    if (/^(Apply complete!|Destroy complete!)/.test(line)) closing = line;
    if (line.trim() === "" && (kept.length === 0 || kept[kept.length - 1].trim() === "")) continue;
    kept.push(line);
  }
  // Check warnings were shown by the plan; a failed step's error repeats what its lines said.
  for (const d of parsed.diagnostics) {
    if (isCheckWarning(d)) continue;
    if (isStepError(d) && d.address !== undefined) continue;
    kept.push("", ...d.lines);
  }
  while (kept.length > 0 && kept[kept.length - 1].trim() === "") kept.pop();
  return { shown: kept.length === 0 ? "" : mergeWrites(kept).join("\n") + "\n", reasons, closing, failedSteps };
}

/**
 * A file the apply wrote is one line: `writing P (new file)` and the owner/mode step that
 * follows the write (`set P to root:root 0640 (was 0600)`: the engine writes under the
 * command's private umask) become `wrote P root:root 0640 (new file)`.
 */
function mergeWrites(lines: readonly string[]): string[] {
  const writing = new Map<string, number>();
  const out: string[] = [];
  for (const line of lines) {
    const w = /^writing (\/\S+) \((.*)\)$/.exec(line);
    if (w) {
      writing.set(w[1], out.length);
      out.push(line);
      continue;
    }
    const set = /^set (\/\S+) to (\S+ \S+) \(was (.*)\)$/.exec(line);
    const at = set ? writing.get(set[1]) : undefined;
    if (set && at !== undefined) {
      const why = /\((.*)\)$/.exec(out[at])![1];
      out[at] = `wrote ${set[1]} ${set[2]} (${why})`;
      continue;
    }
    out.push(line);
  }
  return out;
}

/** An apply as run by the operator commands: what the engine printed, and what was shown. */
export interface Applied extends Captured {
  /** The lines of the steps that refused or failed (shown last). */
  readonly reasons: readonly string[];
}

/**
 * `<engine> apply PLANFILE`, shown condensed: the steps' lines and the closing line on
 * stdout; the reasons of a step that refused on stderr, last.
 */
export function applyPlanFile(engine: Engine, planFile: string, dir: string, env: NodeJS.ProcessEnv, lockTimeout: string): Applied {
  const result = runEngineQuietly(engine, ["apply", "-input=false", "-no-color", `-lock-timeout=${lockTimeout}`, planFile], dir, env);
  const display = applyDisplay(result.output);
  process.stdout.write(display.shown);
  if (display.reasons.length > 0) process.stderr.write(display.reasons.join("\n") + "\n");
  return { ...result, reasons: display.reasons };
}
