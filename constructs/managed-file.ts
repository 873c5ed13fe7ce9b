import { File } from "./local-provider";
import { DataResource, dependable, ITerraformDependable } from "./cdk";
import { Construct } from "constructs";
import { createHash } from "crypto";
import { CUTTER_LAYOUT } from "./layout";
import * as path from "path";
import { OwnershipRecord, checkOwnershipRecord, recordKey } from "./ownership-record";
import { PermissionCommand, PermissionProps, checkPermissions } from "./permission-command";
import { scriptProvisioner } from "./shell";
import { roleInput } from "./resource-role";
import { PathKind, Problems } from "./validation";

export interface ManagedFileProps extends PermissionProps {
  /** Absolute, normalised path of the file; its directory must already exist. */
  readonly path: string;
  /** The exact bytes to write (UTF-8). */
  readonly content: string;
  /** Octal mode, 0640 at most. @default - the layout's file mode, "0640" */
  readonly mode?: string;
  /** The directory resource(s) the file lives in. @default - nothing */
  readonly dependsOn?: ITerraformDependable[];
  /**
   * Where the stack records what it wrote or adopted (see OwnershipRecord).
   * @default - no record: only links and non-regular files are refused before writing
   */
  readonly ownership?: OwnershipRecord;
}



/**
 * A file the stack writes (`local_file`), then owns and chmods in place.
 *
 * It is written only after its directory exists (`dependsOn`), so the provider
 * never creates a parent directory with a default mode, and only right after its
 * write guard ran in the same apply (scripts/guard-write.sh): the guard is replaced
 * with every content change and, through `rewriteOnDrift`, whenever the plan saw the
 * file missing or changed (the cases in which the provider re-writes it).
 */
export class ManagedFile extends Construct {
  public readonly path: string;
  public readonly content: string;
  /** sha256 of `content`, hex: what the verifier compares the file with. */
  public readonly contentSha256: string;
  public readonly file: File;
  /** Checks the path right before every write: first, changed content, or a re-write of a drifted file. */
  public readonly writeGuard: DataResource;
  public readonly permissions: PermissionCommand;

  constructor(scope: Construct, id: string, props: ManagedFileProps) {
    super(scope, id);
    const owner = props.owner ?? CUTTER_LAYOUT.defaultOwner;
    const group = props.group ?? CUTTER_LAYOUT.defaultGroup;
    const mode = props.mode ?? CUTTER_LAYOUT.fileMode;
    const permissionProps = { path: props.path, kind: PathKind.FILE, owner, group, mode };
    const problems = new Problems();
    checkPermissions(permissionProps, problems);
    if (props.ownership) checkOwnershipRecord("ownership.directory", props.ownership, props.path, problems);
    problems.throwIfAny(`ManagedFile ${this.node.path}`);

    this.path = props.path;
    this.content = props.content;
    this.contentSha256 = createHash("sha256").update(props.content, "utf8").digest("hex");
    const recordDir = props.ownership?.directory ?? "";
    // No destroy-time step: a replaced guard must never undo anything (the record of
    // an adopted file in particular); the tree remover handles records on destroy.
    this.writeGuard = new DataResource(this, "WriteGuard", {
      triggersReplace: { name: `checks ${props.path} right before each write of it (writes nothing itself)`, path: props.path, revision: this.contentSha256 },
      input: roleInput("file-write-guard"),
      dependsOn: props.dependsOn,
      provisioners: [
        scriptProvisioner("guard-write", {
          CUTTER_PATH: props.path,
          CUTTER_PARENT: path.posix.dirname(props.path),
          CUTTER_NAME: path.posix.basename(props.path),
          CUTTER_SHA256: this.contentSha256,
          CUTTER_RECORD_KEY: recordKey(props.path),
          CUTTER_RECORD_DIR: recordDir,
          CUTTER_ADOPT: props.ownership?.adoptExisting ? "1" : "0",
        }),
      ],
    });
    this.file = new File(this, "File", {
      filename: props.path,
      content: props.content,
      filePermission: mode,
      // Never used while the parent exists first; private if it ever is.
      directoryPermission: "0700",
      dependsOn: [...(props.dependsOn ?? []), this.writeGuard],
    });
    this.permissions = new PermissionCommand(this, "Permissions", {
      path: props.path,
      owner,
      group,
      mode,
      revision: this.contentSha256,
      dependsOn: [this.file],
    });
  }

  /**
   * Re-runs the write guard whenever `expression` is not known at plan time: it
   * becomes the guard's `revision` trigger (see TreeObservation.rewriteExpression,
   * unknown exactly when the provider is about to re-write the file).
   */
  public rewriteOnDrift(expression: string): void {
    this.writeGuard.addOverride("triggers_replace.revision", expression);
  }

  /**
   * Makes the provider's own read of the file (its refresh, which opens the file)
   * wait for `reads`: the plan-time observation, which fails the plan first if
   * anything but a regular file is at the path, so nothing blocks on a FIFO.
   */
  public readAfter(reads: ITerraformDependable): void {
    this.file.dependsOn = [...(this.file.dependsOn ?? []), dependable(reads)];
  }
}
