/**
 * How commands run: a fixed script text run by `/bin/sh -c`, with every variable
 * value passed through the environment (provisioners) or as an argument
 * (`local_command` data sources) and used quoted.
 *
 * Scripts are constants, so no input is ever interpolated into a command line.
 * They must not contain `${` or `%{`: Terraform would read those as templates.
 */
import { LocalExecProvisioner } from "cdktf";

export const SHELL_INTERPRETER = ["/bin/sh", "-c"];

function assertConstantScript(script: string): void {
  if (script.includes("${") || script.includes("%{")) {
    throw new Error("internal: scripts must not contain Terraform template sequences");
  }
}

/** A local-exec provisioner running `script` with `environment`. */
export function shellProvisioner(
  script: string,
  environment: Record<string, string>,
  when: "create" | "destroy" = "create",
): LocalExecProvisioner {
  assertConstantScript(script);
  return { type: "local-exec", interpreter: SHELL_INTERPRETER, command: script, environment, when };
}

/**
 * `command` and `arguments` for a `local_command` data source (exec, no shell
 * parsing of values): `/bin/sh -c SCRIPT NAME ARG...`, so the script sees the
 * values as `"$@"`.
 */
export function shellCommand(script: string, name: string, args: readonly string[]): { command: string; arguments: string[] } {
  assertConstantScript(script);
  for (const a of args) assertConstantScript(a);
  return { command: SHELL_INTERPRETER[0], arguments: [SHELL_INTERPRETER[1], script, name, ...args] };
}

/**
 * Shell functions shared by the scripts (constant text):
 * - `fail MSG`: prints `cutter-runtime: MSG` to stderr and exits 1.
 * - `enter_real_dir DIR WHAT`: `cd -P` into DIR and checks that it resolved to DIR
 *   itself (`cd -P` sets PWD to the physical path; no `pwd` process), so no symbolic
 *   link anywhere in DIR is followed.
 * - `count_entries DIR`: sets `entries` to the number of entries in DIR, hidden ones
 *   included, without starting a process. Once inside, `.` is
 *   that directory even if its path is swapped for a link afterwards.
 */
export const SHELL_FUNCTIONS = `fail() { echo "cutter-runtime: $*" >&2; exit 1; }
enter_real_dir() {
  cd -P -- "$1" 2>/dev/null || fail "$2: $1 is missing or not a directory; nothing was changed"
  [ "$PWD" = "$1" ] || fail "$2: $1 resolves to $PWD (a symbolic link in the path); nothing was changed. Replace the link with the real directory."
}
count_entries() {
  entries=0
  case $- in *f*) noglob=1 ;; *) noglob=0 ;; esac
  set +f
  for entry in "$1"/* "$1"/.[!.]* "$1"/..?*; do
    if [ -e "$entry" ] || [ -L "$entry" ]; then entries=$((entries + 1)); fi
  done
  if [ "$noglob" = 1 ]; then set -f; fi
}
`;
