/**
 * The single typed description of the cutter runtime tree.
 *
 * Constructs, the orchestrator config, the README and the verifier all read this
 * module; nothing else names the seven directories.
 */
import * as path from "path";

/** One managed subdirectory of the runtime root. */
export interface RuntimeSubdirectory {
  /** Directory name below the root, e.g. `runs`. */
  readonly name: string;
  /** What the orchestrator keeps there (shown in README, config and reports). */
  readonly purpose: string;
  /** The gate item it serves, as the signed gate report cites it (e.g. "F4"). @default - none */
  readonly gateReference?: string;
}

/** The layout of one runtime tree, independent of where its root is. */
export interface RuntimeLayout {
  /** Where the tree lives unless an operator says otherwise. */
  readonly defaultRoot: string;
  readonly defaultOwner: string;
  readonly defaultGroup: string;
  /** Mode of the root and every subdirectory (octal string). */
  readonly directoryMode: string;
  /** Mode of the config file and the README (octal string). */
  readonly fileMode: string;
  readonly configFileName: string;
  readonly readmeFileName: string;
  /** Name of the subdirectory that is the orchestrator's run sidecar root. */
  readonly sidecarDirectory: string;
  /** Name of the subdirectory that receives encrypted backups. */
  readonly backupDirectory: string;
  readonly subdirectories: readonly RuntimeSubdirectory[];
}

export const CUTTER_LAYOUT: RuntimeLayout = {
  defaultRoot: "/var/lib/cutter",
  defaultOwner: "root",
  defaultGroup: "root",
  directoryMode: "0750",
  fileMode: "0640",
  configFileName: "orchestrator.config.json",
  readmeFileName: "README.md",
  sidecarDirectory: "runs",
  backupDirectory: "backups",
  subdirectories: [
    { name: "runs", purpose: "orchestrator run sidecar root (StateStore/DryRunReporter): <runs>/<run_id>/{state.json, state.lock, kb/}" },
    { name: "approvals", purpose: "SG_1/SG_2 approval packages and consumed-approval records" },
    { name: "artifacts", purpose: "cutplan artifacts, pinned snapshots, write-set previews" },
    { name: "backups", purpose: "pre-write backup output (encrypted pg_dump)", gateReference: "F4" },
    { name: "rollback", purpose: "per-cut revert/compensation and before-run snapshots", gateReference: "GAP6" },
    { name: "reports", purpose: "staged KB report bundles" },
    { name: "locks", purpose: "global orchestrator single-run mutex" },
  ],
};

/** A managed path with what it is, resolved against a concrete root. */
export interface ResolvedDirectory extends RuntimeSubdirectory {
  readonly path: string;
}

/** The layout placed at a concrete root: every managed path, absolute. */
export interface ResolvedLayout {
  readonly layout: RuntimeLayout;
  readonly root: string;
  readonly directories: readonly ResolvedDirectory[];
  readonly configPath: string;
  readonly readmePath: string;
  readonly sidecarRoot: string;
  readonly backupPath: string;
}

/** Places a layout at `root` (already validated: absolute and normalised). */
export function resolveLayout(root: string, layout: RuntimeLayout = CUTTER_LAYOUT): ResolvedLayout {
  const at = (name: string) => path.posix.join(root, name);
  return {
    layout,
    root,
    directories: layout.subdirectories.map((d) => ({ ...d, path: at(d.name) })),
    configPath: at(layout.configFileName),
    readmePath: at(layout.readmeFileName),
    sidecarRoot: at(layout.sidecarDirectory),
    backupPath: at(layout.backupDirectory),
  };
}
