/**
 * How provisioners run commands: a fixed script text run by `/bin/sh -c`, with
 * every variable value passed through the environment and used quoted.
 *
 * Scripts are constants, so no input is ever interpolated into a command line.
 * They must not contain `${` or `%{`: Terraform would read those as templates.
 */
import { LocalExecProvisioner } from "cdktf";

export const SHELL_INTERPRETER = ["/bin/sh", "-c"];

/** A local-exec provisioner running `script` with `environment`. */
export function shellProvisioner(
  script: string,
  environment: Record<string, string>,
  when: "create" | "destroy" = "create",
): LocalExecProvisioner {
  if (script.includes("${") || script.includes("%{")) {
    throw new Error("internal: provisioner scripts must not contain Terraform template sequences");
  }
  return { type: "local-exec", interpreter: SHELL_INTERPRETER, command: script, environment, when };
}
