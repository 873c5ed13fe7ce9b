/**
 * How commands run: scripts are real files in `constructs/scripts/` (one shared
 * library, `lib.sh`, prepended to each), read at synth, so their text is part of
 * the synthesized configuration (a changed script shows in review) and every
 * value reaches them through the environment (provisioners) or as an argument
 * (`local_command` data sources), never by interpolation.
 *
 * A provisioner runs `/bin/sh -c SCRIPT cutter-NAME` with `quiet = true`: the
 * engine prints neither the script (`Executing: Suppressed by quiet=true`) nor
 * anything but the short name in its own errors (`Error running command
 * 'cutter-NAME'`), while what the script prints still reaches the output.
 */
import { LocalExecProvisioner } from "./cdk";
import * as fs from "fs";
import * as path from "path";

export const SHELL = "/bin/sh";

/** The scripts in constructs/scripts/ (file name without `.sh`). */
export type ScriptName =
  "create-or-repair-directories" | "remove-tree" | "apply-permissions" | "guard-write" | "check-parent" | "check-before-destroy" | "observe" | "survey";

/** constructs/scripts, from the sources or from the compiled tree (dist/constructs -> constructs). */
export const SCRIPTS_DIR =
  [path.join(__dirname, "scripts"), path.resolve(__dirname, "..", "..", "constructs", "scripts")].find((d) => fs.existsSync(path.join(d, "lib.sh"))) ??
  path.join(__dirname, "scripts");

const texts = new Map<string, string>();

function readScriptFile(file: string): string {
  let text = texts.get(file);
  if (text === undefined) {
    text = fs.readFileSync(path.join(SCRIPTS_DIR, file), "utf8");
    texts.set(file, text);
  }
  return text;
}

/** The shared library alone (what tests source to run its functions). */
export function scriptLibrary(): string {
  return readScriptFile("lib.sh");
}

/** The complete text `/bin/sh -c` runs for `name`: the shared library, then the script. */
export function scriptText(name: ScriptName): string {
  return scriptLibrary() + readScriptFile(`${name}.sh`);
}

/**
 * A string as a Terraform template literal: `${` and `%{` are escaped (`$${`, `%%{`),
 * so Terraform hands the text to the shell exactly as written.
 */
export function terraformLiteral(text: string): string {
  // A function, not a replacement string: in one, "$$" means a single "$".
  return text.replace(/\$\{/g, () => "$${").replace(/%\{/g, () => "%%{");
}

/** The inverse of terraformLiteral: what the engine passes on. */
export function fromTerraformLiteral(text: string): string {
  return text.replace(/\$\$\{/g, () => "${").replace(/%%\{/g, () => "%{");
}

/** A local-exec provisioner running script `name` with `environment` (values may be `${self...}` references). */
export function scriptProvisioner(name: ScriptName, environment: Record<string, string>, when: "create" | "destroy" = "create"): LocalExecProvisioner {
  const provisioner = {
    type: "local-exec" as const,
    interpreter: [SHELL, "-c", terraformLiteral(scriptText(name))],
    command: `cutter-${name}`,
    environment,
    when,
    // Terraform >= 1.4, OpenTofu >= 1.6; not in cdktf 0.21's type, passed through as written.
    quiet: true,
  };
  return provisioner;
}

/**
 * `command` and `arguments` for a `local_command` data source (exec, no shell
 * parsing of values): `/bin/sh -c SCRIPT cutter-NAME ARG...`, so the script sees
 * the values as `"$@"`.
 */
export function scriptCommand(name: ScriptName, args: readonly string[]): { command: string; arguments: string[] } {
  return { command: SHELL, arguments: ["-c", terraformLiteral(scriptText(name)), `cutter-${name}`, ...args.map(terraformLiteral)] };
}
