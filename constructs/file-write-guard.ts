import { DataResource, ITerraformDependable, Lazy } from "./cdk";
import { Construct } from "constructs";
import { OwnershipRecord, recordKey } from "./ownership-record";
import { roleInput } from "./resource-role";
import { scriptProvisioner } from "./shell";
import { Problems, absolutePathRule } from "./validation";

export interface FileWriteGuardProps {
  /** The directory resource(s) the files live in. @default - nothing */
  readonly dependsOn?: ITerraformDependable[];
  /**
   * Where the stack records what it wrote or adopted (see OwnershipRecord).
   * @default - no record: only links and non-regular files are refused before writing
   */
  readonly ownership?: OwnershipRecord;
}

/**
 * The check right before the provider writes any of a set of files (scripts/guard-write.sh):
 * one `terraform_data` for every file written together (issue 11: each step costs the raw
 * `cdktf deploy` four lines), which the files depend on.
 *
 * Its triggers hold a `files` map (path => the content's sha256, unknown until apply when
 * the plan saw the file missing or changed: `rewriteOnDrift`), so it is replaced, and runs,
 * before every write of any of them: first, changed content, or a re-write of a drifted
 * file. It checks every file each time: a file the stack wrote that already holds its
 * content passes without a word (no write follows), the others say which write follows.
 * No destroy-time step: a replaced guard must never undo anything (the record of an
 * adopted file in particular); the tree remover handles records on destroy.
 */
export class FileWriteGuard extends Construct {
  public readonly resource: DataResource;
  private readonly files: { readonly path: string; readonly sha256: string }[] = [];
  private readonly rewrites = new Map<string, string>();

  constructor(scope: Construct, id: string, props: FileWriteGuardProps = {}) {
    super(scope, id);
    const name = Lazy.stringValue({ produce: () => `checks ${this.paths.join(", ")} right before each write of them (writes nothing itself)` });
    const files = Lazy.anyValue({ produce: () => Object.fromEntries(this.files.map((f) => [f.path, this.rewrites.get(f.path) ?? f.sha256])) });
    // One value per file, so a name reaches the script whole; known only once every file is added.
    const environment = Lazy.anyValue({
      produce: () => ({
        CUTTER_FILE_COUNT: String(this.files.length),
        ...Object.fromEntries(
          this.files.flatMap((f, i) => [
            [`CUTTER_PATH_${i + 1}`, f.path],
            [`CUTTER_SHA256_${i + 1}`, f.sha256],
            [`CUTTER_RECORD_KEY_${i + 1}`, recordKey(f.path)],
          ]),
        ),
        CUTTER_RECORD_DIR: props.ownership?.directory ?? "",
        CUTTER_ADOPT: props.ownership?.adoptExisting ? "1" : "0",
      }),
    }) as unknown as Record<string, string>;
    this.resource = new DataResource(this, "Check", {
      triggersReplace: { name, files },
      input: roleInput("file-write-guard"),
      dependsOn: props.dependsOn,
      provisioners: [scriptProvisioner("guard-write", environment)],
    });
  }

  /** The files' paths, in the order they were added. */
  public get paths(): readonly string[] {
    return this.files.map((f) => f.path);
  }

  /** Checks `path` too, before each write of `sha256` (the caller makes the file depend on the guard). */
  public addFile(path: string, sha256: string): void {
    const problems = new Problems();
    const pathProblem = absolutePathRule(path);
    if (pathProblem) problems.add("path", path, pathProblem);
    else if (this.paths.includes(path)) problems.add("path", path, "is already one of the files");
    if (!/^[0-9a-f]{64}$/.test(sha256)) problems.add("sha256", sha256, "must be 64 lowercase hex digits");
    problems.throwIfAny(`FileWriteGuard ${this.node.path}`);
    this.files.push({ path, sha256 });
  }

  /**
   * Re-runs the guard whenever `expression` is not known at plan time: it becomes the file's
   * entry in `triggers_replace.files` (see TreeObservation.rewriteExpression, unknown exactly
   * when the provider is about to re-write the file).
   */
  public rewriteOnDrift(path: string, expression: string): void {
    if (!this.paths.includes(path)) throw new Error(`internal: ${path} is not one of ${this.node.path}'s files`);
    this.rewrites.set(path, expression);
  }
}
