import { File } from "./local-provider";
import { dependable, ITerraformDependable } from "./cdk";
import { Construct } from "constructs";
import { createHash } from "crypto";
import { CUTTER_LAYOUT } from "./layout";
import { FileWriteGuard } from "./file-write-guard";
import { OwnershipRecord, checkOwnershipRecord } from "./ownership-record";
import { PermissionCommand, PermissionProps, checkPermissions } from "./permission-command";
import { PathKind, Problems } from "./validation";

/** The steps a set of files written together share (one of each: issue 11's budget). */
export interface SharedFileSteps {
  /** Checks every file right before any of them is written. */
  readonly writeGuard: FileWriteGuard;
  /** Sets owner and mode of every file after writing; its owner, group and mode must be the file's. */
  readonly permissions: PermissionCommand;
}

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
  /**
   * The write guard and owner/mode step this file shares with the others written with it
   * (RuntimeTree: one of each for the config and the README).
   * @default - its own write guard and owner/mode step
   */
  readonly steps?: SharedFileSteps;
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
  /** Checks the path right before every write: first, changed content, or a re-write of a drifted file (maybe shared). */
  public readonly writeGuard: FileWriteGuard;
  /** Owner and mode after every write (maybe shared). */
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
    const shared = props.steps?.permissions;
    if (shared && shared.inSync !== `${owner}:${group} ${mode}`) {
      problems.add("steps.permissions", shared.inSync, `must set the file's own owner, group and mode (${owner}:${group} ${mode})`);
    }
    problems.throwIfAny(`ManagedFile ${this.node.path}`);

    this.path = props.path;
    this.content = props.content;
    this.contentSha256 = createHash("sha256").update(props.content, "utf8").digest("hex");
    this.writeGuard = props.steps?.writeGuard ?? new FileWriteGuard(this, "WriteGuard", { dependsOn: props.dependsOn, ownership: props.ownership });
    this.writeGuard.addFile(props.path, this.contentSha256);
    this.file = new File(this, "File", {
      filename: props.path,
      content: props.content,
      filePermission: mode,
      // Never used while the parent exists first; private if it ever is.
      directoryPermission: "0700",
      dependsOn: [...(props.dependsOn ?? []), this.writeGuard.resource],
    });
    this.permissions = props.steps?.permissions ?? new PermissionCommand(this, "Permissions", { owner, group, mode });
    this.permissions.addFile({ path: props.path, revision: this.contentSha256 });
    this.permissions.resource.dependsOn = [...(this.permissions.resource.dependsOn ?? []), dependable(this.file)];
  }

  /**
   * Re-runs the write guard whenever `expression` is not known at plan time (see
   * TreeObservation.rewriteExpression, unknown exactly when the provider is about to re-write the file).
   */
  public rewriteOnDrift(expression: string): void {
    this.writeGuard.rewriteOnDrift(this.path, expression);
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
