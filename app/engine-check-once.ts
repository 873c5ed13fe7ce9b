/**
 * The one adapter to the CDK core's internals: it patches the core's
 * ValidateBinaryVersion prototype and reads its private fields (versionCommand,
 * versionConstraint, hint). Written for, and checked against, the cores in
 * ADAPTED_CORES only: on any other core (or one whose class is not where and what
 * it was) synth stops with one error naming both versions, instead of patching
 * blind or silently asking the engine per resource again.
 *
 * Why: cdktf adds a "Terraform >= 1.4" validation to every `terraform_data`
 * resource, and each one runs `<engine> version` through a shell at synth: one
 * process per resource, so synth time grew with the tree (about a minute for 700
 * directories). The engine cannot change during one synth, so the same command
 * and constraint always give the same answer: ask once.
 *
 * And once per engine binary across the commands: when the version command is
 * `<name> version` and `<name>` is found on PATH as the shell would find it, the
 * answer comes from app/engine-identity.ts (the engine the operator CLI runs is the
 * same file: one `version` for both). When that answer satisfies the constraint (the
 * core's own test: the first x.y.z, its semver), the validation passes; anything else (no such
 * file, no answer, a version too low) runs cdktf's validation itself, so its problems
 * are worded exactly as cdktf words them.
 *
 * Every construct still gets its own validation result (the same problems, if
 * any), so error messages are exactly what they were.
 *
 * The class patched is the one of the CDK core in use (cdktf, or cdktn with
 * CUTTER_CDK=cdktn: the same class at the same path); patching cdktf's while cdktn
 * synthesizes would change nothing. __tests__/engine-check-once.test.ts runs on both cores.
 */
import * as path from "path";
import { CDK_CORE, CDK_FLAVOUR } from "../constructs/cdk";
import { cdkCoreDirectory } from "../constructs/cdk-flavour";
import { engineFingerprint, engineVersion, resolveOnPath } from "./engine-identity";

interface ValidateBinaryVersion {
  validate(): string[];
}

/** The CDK cores (package name and exact version) this adapter was written for and tested on. */
export const ADAPTED_CORES: readonly string[] = ["cdktf 0.21.0", "cdktn 0.24.0"];

/** Where the adapter reaches into the core (named in its errors). */
const PATCHED = "lib/validations/validate-binary-version.js ValidateBinaryVersion";

/** The adapter met a core it was not written for: synth stops, nothing is written. */
export class CdkAdapterError extends Error {}

function notAdapted(core: { readonly name: string; readonly version: string }, what: string): CdkAdapterError {
  return new CdkAdapterError(
    `app/engine-check-once.ts patches ${core.name}'s ${PATCHED} and was written for ${ADAPTED_CORES.join(" and ")}, not ${core.name} ${core.version}` +
      `${what}: nothing was synthesized. Check the patch against this version (the constructor's fields versionCommand, versionConstraint, hint and validate()), then add "${core.name} ${core.version}" to ADAPTED_CORES; or install a listed version (npm ci).`,
  );
}

/** Refuses a CDK core the adapter was not written for, naming its version and the adapted ones. */
export function assertAdaptedCore(core: { readonly name: string; readonly version: string }): void {
  if (!ADAPTED_CORES.includes(`${core.name} ${core.version}`)) throw notAdapted(core, "");
}

type Semver = { satisfies(v: string, range: string): boolean };
let semverOfCore: Semver | null | undefined;

/** The semver the CDK core in use resolves (the constraint read exactly as the core reads it), or null when it cannot be found. */
function coreSemver(): Semver | null {
  if (semverOfCore === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- the semver of the core in use, found from its directory at run time
      semverOfCore = require(require.resolve("semver", { paths: [cdkCoreDirectory(CDK_FLAVOUR)] })) as Semver;
    } catch {
      semverOfCore = null;
    }
  }
  return semverOfCore;
}

let installed = false;

/** An engine a validation of this process relied on: the name looked up, the file found and its fingerprint. */
export interface ValidationEngine {
  readonly name: string;
  readonly file: string;
  readonly fingerprint: string;
}

/** What the validations of this process relied on; undefined once one of them could not say (cdktf validated itself). */
let reliedOn: Map<string, ValidationEngine> | undefined = new Map();

/**
 * The engines this process's validations relied on (for the synth record: the same files,
 * unchanged, give the same answers), or undefined if any validation ran cdktf's own check.
 */
export function validationEngines(): ValidationEngine[] | undefined {
  return reliedOn ? [...reliedOn.values()] : undefined;
}

/** The first line of `<file> version` per engine file, asked once in this process (null: no answer). */
const versionLines = new Map<string, string | null>();

/** Whether the validation passes by the engine's known version; false lets cdktf validate (and word any problem) itself. */
function passesByKnownVersion(versionCommand: string, versionConstraint: string): boolean {
  // A plain name (looked up on PATH) or an absolute path, with nothing the shell would expand.
  const m = /^([A-Za-z0-9._+/-]+) version$/.exec(versionCommand);
  const file = m ? (m[1].startsWith("/") ? m[1] : resolveOnPath(m[1], process.env)) : undefined;
  const fingerprint = file === undefined ? undefined : engineFingerprint(file);
  // Asked once per file in this process, whatever the constraints (terraform_data's >= 1.4, a
  // moved block's >= 1.5); kept beyond the process only under a fingerprint (engine-identity).
  if (file !== undefined && !versionLines.has(file)) versionLines.set(file, engineVersion(file, process.env).answer?.line ?? null);
  const line = file === undefined ? undefined : versionLines.get(file);
  const version = line ? /\d+\.\d+\.\d+/.exec(line)?.[0] : undefined;
  const semver = coreSemver();
  if (!m || file === undefined || version === undefined || semver === null || !semver.satisfies(version, versionConstraint)) {
    reliedOn = undefined;
    return false;
  }
  // Passed; but an answer without a fingerprint cannot be recorded for the next command.
  if (fingerprint === undefined) reliedOn = undefined;
  else reliedOn?.set(m[1], { name: m[1], file, fingerprint });
  return true;
}

/**
 * Makes every ValidateBinaryVersion in this process run its version command once per command
 * and constraint. Throws CdkAdapterError (before patching anything) on a core not in ADAPTED_CORES.
 */
export function checkEngineVersionOnce(core: { readonly name: string; readonly version: string } = CDK_CORE): void {
  if (installed) return;
  assertAdaptedCore(core);
  let ValidateBinaryVersion: { prototype: ValidateBinaryVersion } | undefined;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the core's internal module, by the path of the core in use
    ValidateBinaryVersion = require(path.join(cdkCoreDirectory(CDK_FLAVOUR), "lib", "validations", "validate-binary-version")).ValidateBinaryVersion;
  } catch (error) {
    throw notAdapted(core, ` (its ${PATCHED} cannot be loaded: ${error instanceof Error ? error.message.split("\n")[0] : String(error)})`);
  }
  if (typeof ValidateBinaryVersion?.prototype?.validate !== "function") throw notAdapted(core, ` (it has no ${PATCHED}.prototype.validate)`);
  installed = true;
  const validate = ValidateBinaryVersion.prototype.validate;
  const answers = new Map<string, string[]>();
  ValidateBinaryVersion.prototype.validate = function (this: ValidateBinaryVersion): string[] {
    const self = this as unknown as { versionCommand: unknown; versionConstraint: unknown; hint?: unknown };
    if (typeof self.versionCommand !== "string" || typeof self.versionConstraint !== "string") {
      throw notAdapted(CDK_CORE, ` (a ValidateBinaryVersion without the string fields versionCommand and versionConstraint)`);
    }
    const key = JSON.stringify([self.versionCommand, self.versionConstraint, self.hint ?? ""]);
    let answer = answers.get(key);
    if (answer === undefined) {
      answer = passesByKnownVersion(self.versionCommand, self.versionConstraint) ? [] : validate.call(this);
      answers.set(key, answer);
    }
    return [...answer];
  };
}
