/**
 * cdktf adds a "Terraform >= 1.4" validation to every `terraform_data` resource,
 * and each one runs `<engine> version` through a shell at synth: 18 processes
 * for the 7-directory tree (about 0.6 s of a 1.1 s synth), 1,404 for 700
 * directories (about a minute). The engine cannot change during one synth, so
 * the same command and constraint always give the same answer: ask once.
 *
 * Every construct still gets its own validation result (the same problems, if
 * any), so error messages are exactly what they were.
 */
import { ValidateBinaryVersion } from "cdktf/lib/validations/validate-binary-version";

let installed = false;

/** Makes every ValidateBinaryVersion in this process run its version command once per command and constraint. */
export function checkEngineVersionOnce(): void {
  if (installed) return;
  installed = true;
  const validate = ValidateBinaryVersion.prototype.validate;
  const answers = new Map<string, string[]>();
  ValidateBinaryVersion.prototype.validate = function (this: ValidateBinaryVersion): string[] {
    const self = this as unknown as { versionCommand: string; versionConstraint: string; hint?: string };
    const key = JSON.stringify([self.versionCommand, self.versionConstraint, self.hint ?? ""]);
    let answer = answers.get(key);
    if (answer === undefined) {
      answer = validate.call(this);
      answers.set(key, answer);
    }
    return [...answer];
  };
}
