import { DataResource, ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import * as path from "path";
import { OwnershipRecord, RECORD_FUNCTIONS, checkOwnershipRecord, recordKey } from "./ownership-record";
import { SHELL_FUNCTIONS, shellProvisioner } from "./shell";
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
}

/**
 * Checks the whole tree before destroy removes anything. Anything found stops the
 * destroy with every problem listed: a directory holding entries, an entry in the
 * root the stack did not create, a config or README whose content is no longer
 * what the stack wrote (kept for the operator), a symbolic link or a non-directory
 * at a managed path. Adopted directories are skipped: destroy leaves them anyway.
 */
const CHECK_BEFORE_DESTROY = `set -eu
set -f
${SHELL_FUNCTIONS}${RECORD_FUNCTIONS}found=0
problem() { echo "cutter-runtime: $*" >&2; found=$((found + 1)); }
root=$CUTTER_ROOT
record_of "$CUTTER_ROOT_KEY"
if [ -L "$root" ]; then
  problem "$root is a symbolic link, not the directory this stack created"
elif [ -d "$root" ] && [ "$owned" != "adopted" ]; then
  known=0
  for name in $CUTTER_ROOT_ENTRIES; do
    if [ -e "$root/$name" ] || [ -L "$root/$name" ]; then known=$((known + 1)); fi
  done
  count_entries "$root"
  extra=$((entries - known))
  if [ "$extra" -gt 0 ]; then problem "$root holds $extra entries that this stack did not create"; fi
fi
set -- $CUTTER_DIRECTORY_KEYS
for d in $CUTTER_DIRECTORIES; do
  key=$1
  shift
  if [ -L "$d" ]; then
    problem "$d is a symbolic link, not the directory this stack created"
  elif [ -d "$d" ]; then
    record_of "$key"
    if [ "$owned" != "adopted" ]; then
      count_entries "$d"
      if [ "$entries" -ne 0 ]; then problem "$d holds $entries entries"; fi
    fi
  elif [ -e "$d" ]; then
    problem "$d is not a directory"
  fi
done
set -- $CUTTER_FILE_SHA256
for f in $CUTTER_FILES; do
  expected=$1
  shift
  if [ -L "$f" ]; then
    problem "$f is a symbolic link, not the file this stack wrote"
  elif [ -f "$f" ]; then
    actual=$(sha256sum < "$f" | cut -c1-64)
    if [ "$actual" != "$expected" ]; then problem "$f was edited (its content is not what this stack wrote); it is kept as it is"; fi
  elif [ -e "$f" ]; then
    problem "$f is not a regular file"
  fi
done
if [ "$found" -ne 0 ]; then
  echo "cutter-runtime: destroy stopped before removing anything: $found problem(s) above. Every file is untouched and the state still holds the tree. Move the data (and any edited file) out of $root, then run destroy again; or keep the tree." >&2
  exit 1
fi
`;

/**
 * The destroy guard: a `terraform_data` that depends on every managed resource,
 * so destroy removes it first, and whose destroy-time check fails the destroy
 * before anything is removed. Its triggers hold only the root, so ordinary
 * deploys never replace it (a replacement runs the check; it does when the root
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
        root: props.rootPath,
        root_key: recordKey(props.rootPath),
        root_entries: rootEntries.join(" "),
        directories: props.directories.join(" "),
        directory_keys: props.directories.map(recordKey).join(" "),
        files: props.files.map((f) => f.path).join(" "),
        file_sha256: props.files.map((f) => f.sha256).join(" "),
        record_dir: props.ownership?.directory ?? "",
      },
      dependsOn: props.dependsOn,
      provisioners: [
        shellProvisioner(
          CHECK_BEFORE_DESTROY,
          {
            CUTTER_ROOT: "${self.input.root}",
            CUTTER_ROOT_KEY: "${self.input.root_key}",
            CUTTER_ROOT_ENTRIES: "${self.input.root_entries}",
            CUTTER_DIRECTORIES: "${self.input.directories}",
            CUTTER_DIRECTORY_KEYS: "${self.input.directory_keys}",
            CUTTER_FILES: "${self.input.files}",
            CUTTER_FILE_SHA256: "${self.input.file_sha256}",
            CUTTER_RECORD_DIR: "${self.input.record_dir}",
          },
          "destroy",
        ),
      ],
    });
  }
}
