/**
 * cdktf adds a "Terraform >= 1.4" validation to every `terraform_data` resource,
 * and each one runs `<engine> version` through a shell at synth: 18 processes
 * for the 7-directory tree (about 0.6 s of a 1.1 s synth), 1,404 for 700
 * directories (about a minute). The engine cannot change during one synth, so
 * the same command and constraint always give the same answer: ask once.
 *
 * Every construct still gets its own validation result (the same problems, if
 * any), so error messages are exactly what they were.
 *
 * The class patched is the one of the CDK core in use (cdktf, or cdktn with
 * CUTTER_CDK=cdktn: the same class at the same path); patching cdktf's while cdktn
 * synthesizes would change nothing. Should a core no longer have it there, nothing
 * is patched and synth asks the engine per resource, as the core does by itself
 * (__tests__/engine-check-once.test.ts runs on both cores and would fail).
 */
import * as path from "path";
import { CDK_FLAVOUR } from "../constructs/cdk";
import { cdkCoreDirectory } from "../constructs/cdk-flavour";

interface ValidateBinaryVersion {
  validate(): string[];
}

let installed = false;

/** Makes every ValidateBinaryVersion in this process run its version command once per command and constraint. */
export function checkEngineVersionOnce(): void {
  if (installed) return;
  installed = true;
  let ValidateBinaryVersion: { prototype: ValidateBinaryVersion } | undefined;
  try {
    ValidateBinaryVersion = require(path.join(cdkCoreDirectory(CDK_FLAVOUR), "lib", "validations", "validate-binary-version")).ValidateBinaryVersion;
  } catch {
    return;
  }
  if (typeof ValidateBinaryVersion?.prototype?.validate !== "function") return;
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
