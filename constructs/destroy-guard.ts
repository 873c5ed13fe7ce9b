import { DataResource, ITerraformDependable, Lazy } from "./cdk";
import { Construct } from "constructs";
import * as path from "path";
import { OwnershipRecord, checkOwnershipRecord, recordKey } from "./ownership-record";
import { scriptProvisioner } from "./shell";
import { roleInput } from "./resource-role";
import { TreeSurvey } from "./tree-survey";
import { Problems, absolutePathRule } from "./validation";

/** A file the stack wrote, with the sha256 (hex) of what it wrote. */
export interface GuardedFile {
  readonly path: string;
  readonly sha256: string;
}

export interface DestroyGuardProps {
  /** The runtime root. */
  readonly rootPath: string;
  /** Every managed subdirectory (absolute paths directly below the root). */
  readonly directories: readonly string[];
  /** Every managed file directly below the root. */
  readonly files: readonly GuardedFile[];
  /** Every managed resource: the guard depends on all, so destroy removes it first. */
  readonly dependsOn: ITerraformDependable[];
  /** @default - no record: nothing counts as adopted */
  readonly ownership?: OwnershipRecord;
  /**
   * The tree remover: the guard names it, so a state written before there was one
   * (whose destroy would leave the tree behind) stops the destroy with what to do.
   * @default - none: the guard does not ask for one
   */
  readonly remover?: DataResource;
  /**
   * The survey, whose steps the guard carries (one resource fewer): recorded when the
   * guard is created (after every resource in `dependsOn`), removed on destroy after the
   * check passed, so a refused destroy keeps it.
   * @default - no survey
   */
  readonly survey?: TreeSurvey;
}

/**
 * The destroy guard: a `terraform_data` that depends on every managed resource,
 * so destroy removes it first, and whose destroy-time check fails the destroy
 * before anything is removed. Its triggers hold only the root, so ordinary
 * deploys never replace it (which is why it also carries the survey's steps) (a replacement runs the check; it does when the root
 * moves, which is right: the old tree is about to be removed).
 */
export class DestroyGuard extends Construct {
  public readonly resource: DataResource;

  constructor(scope: Construct, id: string, props: DestroyGuardProps) {
    super(scope, id);
    const problems = new Problems();
    for (const p of [props.rootPath, ...props.directories, ...props.files.map((f) => f.path)]) {
      const problem = absolutePathRule(p);
      if (problem) problems.add("path", p, problem);
      else if (p !== props.rootPath && path.posix.dirname(p) !== props.rootPath) problems.add("path", p, `must be directly below the root ${props.rootPath}`);
    }
    for (const f of props.files) if (!/^[0-9a-f]{64}$/.test(f.sha256)) problems.add("sha256", f.sha256, "must be 64 lowercase hex digits");
    if (props.ownership) checkOwnershipRecord("ownership.directory", props.ownership, props.rootPath, problems);
    problems.throwIfAny(`DestroyGuard ${this.node.path}`);

    const rootEntries = [...props.directories, ...props.files.map((f) => f.path)].map((p) => path.posix.basename(p));
    this.resource = new DataResource(this, "Check", {
      triggersReplace: { root: props.rootPath },
      input: {
        ...roleInput("destroy-guard"),
        root: props.rootPath,
        root_key: recordKey(props.rootPath),
        root_entries: rootEntries.join(" "),
        directories: props.directories.join(" "),
        directory_keys: props.directories.map(recordKey).join(" "),
        files: props.files.map((f) => f.path).join(" "),
        file_sha256: props.files.map((f) => f.sha256).join(" "),
        record_dir: props.ownership?.directory ?? "",
        // Read at synth, not now: the tree may still give the remover its short logical id.
        remover_id: props.remover ? Lazy.stringValue({ produce: () => props.remover!.id }) : "none",
      },
      dependsOn: props.dependsOn,
      provisioners: [
        ...(props.survey ? [props.survey.record] : []),
        scriptProvisioner(
          "check-before-destroy",
          {
            CUTTER_ROOT: "${self.input.root}",
            CUTTER_ROOT_KEY: "${self.input.root_key}",
            CUTTER_ROOT_ENTRIES: "${self.input.root_entries}",
            CUTTER_DIRECTORIES: "${self.input.directories}",
            CUTTER_DIRECTORY_KEYS: "${self.input.directory_keys}",
            CUTTER_FILES: "${self.input.files}",
            CUTTER_FILE_SHA256: "${self.input.file_sha256}",
            CUTTER_RECORD_DIR: "${self.input.record_dir}",
            // "" only in a guard from an earlier release (its input has no remover_id).
            CUTTER_REMOVER_ID: '${lookup(self.input, "remover_id", "")}',
          },
          "destroy",
        ),
        // After the check: a destroy-time step that fails stops the ones after it.
        ...(props.survey ? [props.survey.forget] : []),
      ],
    });
  }
}
