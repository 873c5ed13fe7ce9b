import { DataResource } from "./cdk";
import { Construct } from "constructs";
import * as path from "path";
import { OwnershipRecord, checkOwnershipRecord, recordEntries } from "./ownership-record";
import { scriptProvisioner } from "./shell";
import { isInside } from "./path-inside";
import { roleInput } from "./resource-role";
import { Problems, absolutePathRule } from "./validation";

export interface TreeRemoverProps {
  /** The runtime root. */
  readonly rootPath: string;
  /** Every managed directory, the root first and each parent before its children. */
  readonly directories: readonly string[];
  /** Every managed file. */
  readonly files: readonly string[];
  /** Where the stack records what it created or adopted: what this removes, and what it leaves. */
  readonly ownership: OwnershipRecord;
}

/**
 * Removes the tree on destroy, from the ownership records: a `terraform_data` that
 * every other resource of the tree depends on (the root's directories resource
 * depends on it), so destroy runs its destroy-time step last, once the files are
 * deleted and every other resource is gone.
 *
 * Why a resource of its own: a destroy-time step runs only for an object that is in
 * state, not tainted and not deposed. The resources that create and repair paths are
 * replaced, can fail half-way (tainted) or be killed before they reach state; a step
 * of theirs would then never run, and the stack's own empty directories would stop
 * every later destroy. This one has no create-time step (nothing can fail or taint
 * it), is replaced only when the root moves (create-before-destroy, so the old object
 * is deposed and removes nothing), and acts on what the records say, whichever
 * resource made a path. Its input changes in place with the layout.
 */
export class TreeRemover extends Construct {
  public readonly resource: DataResource;

  constructor(scope: Construct, id: string, props: TreeRemoverProps) {
    super(scope, id);
    const problems = new Problems();
    const all = [props.rootPath, ...props.directories, ...props.files];
    for (const p of all) {
      const problem = absolutePathRule(p);
      if (problem) problems.add("path", p, problem);
      else if (!isInside(p, props.rootPath)) problems.add("path", p, `must be below the root ${props.rootPath}`);
    }
    if (props.directories[0] !== props.rootPath) problems.add("directories[0]", props.directories[0], `must be the root ${props.rootPath}`);
    props.directories.forEach((d, i) => {
      if (i > 0 && !props.directories.slice(0, i).includes(path.posix.dirname(d))) problems.add(`directories[${i}]`, d, "must come after its parent");
    });
    checkOwnershipRecord("ownership.directory", props.ownership, props.rootPath, problems);
    problems.throwIfAny(`TreeRemover ${this.node.path}`);

    this.resource = new DataResource(this, "Remove", {
      triggersReplace: { root: props.rootPath },
      input: {
        ...roleInput("tree-remover"),
        // Deepest first, so the script removes each child before its parent without sorting.
        directories: recordEntries([...props.directories].reverse()),
        files: recordEntries(props.files),
        record_dir: props.ownership.directory,
      },
      lifecycle: { createBeforeDestroy: true },
      provisioners: [
        scriptProvisioner(
          "remove-tree",
          {
            CUTTER_DIRECTORIES: "${self.input.directories}",
            CUTTER_FILES: "${self.input.files}",
            CUTTER_RECORD_DIR: "${self.input.record_dir}",
          },
          "destroy",
        ),
      ],
    });
  }
}
