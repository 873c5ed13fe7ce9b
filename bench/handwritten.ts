/**
 * Baseline 2: the same tree as a person would hand-write it in Terraform JSON,
 * with the same providers (built-in `terraform_data` + local-exec, and
 * `hashicorp/local` `local_file`), run by the same engine with no cdktf at all.
 *
 * One `terraform_data` per directory (`install -d -o -g -m` sets owner and mode
 * in one command; destroy runs `rmdir`, which refuses a non-empty directory),
 * and per file a `local_file` plus one `terraform_data` for chown/chmod. Values
 * reach the shell only through `environment`, as in the stack.
 */
import * as fs from "fs";
import * as path from "path";
import * as pins from "../pins/engine-pins.json";

export interface HandwrittenTree {
  readonly root: string;
  readonly statePath: string;
  readonly owner: string;
  readonly group: string;
  readonly directoryMode: string;
  readonly fileMode: string;
  readonly directories: readonly string[];
  /** Absolute path -> exact content. */
  readonly files: Readonly<Record<string, string>>;
}

const CREATE = 'install -d -o "$OWNER" -g "$GROUP" -m "$MODE" -- "$P"';
const REMOVE = 'rmdir -- "$P"';
const OWN = 'chown -- "$OWNER:$GROUP" "$P" && chmod -- "$MODE" "$P"';

function directory(p: string, tree: HandwrittenTree, dependsOn: string[]) {
  return {
    input: { path: p },
    triggers_replace: { path: p },
    depends_on: dependsOn.length ? dependsOn : undefined,
    provisioner: [
      { "local-exec": { command: CREATE, environment: { P: p, OWNER: tree.owner, GROUP: tree.group, MODE: tree.directoryMode } } },
      { "local-exec": { when: "destroy", command: REMOVE, environment: { P: "${self.input.path}" } } },
    ],
  };
}

/** The Terraform JSON document for `tree`. */
export function handwrittenConfig(tree: HandwrittenTree): object {
  const data: Record<string, object> = { root: directory(tree.root, tree, []) };
  tree.directories.forEach((name, i) => {
    data[`dir_${i}`] = directory(path.posix.join(tree.root, name), tree, ["terraform_data.root"]);
  });
  const files: Record<string, object> = {};
  Object.entries(tree.files).forEach(([p, content], i) => {
    files[`file_${i}`] = { filename: p, content, file_permission: tree.fileMode, directory_permission: "0700", depends_on: ["terraform_data.root"] };
    data[`file_${i}_owner`] = {
      triggers_replace: { path: p, content: "${local_file.file_" + i + ".content_sha256}" },
      provisioner: [{ "local-exec": { command: OWN, environment: { P: p, OWNER: tree.owner, GROUP: tree.group, MODE: tree.fileMode } } }],
    };
  });
  return withSettings(tree, data, files);
}

/** The file around the resources: the local provider at the pinned version, the local backend. */
function withSettings(tree: HandwrittenTree, terraformData: object, localFiles: object): object {
  return {
    terraform: {
      required_providers: { local: { source: "hashicorp/local", version: pins.providers.local.version } },
      backend: { local: { path: tree.statePath } },
    },
    provider: { local: [{}] },
    resource: { terraform_data: terraformData, local_file: localFiles },
  };
}

/**
 * Baseline 3, the minimal hand-written file (issue 13's baseline for the operator
 * commands): one `terraform_data` per directory with a quiet create and destroy
 * `local-exec`, one `local_file` per file with `file_permission`; nothing else (no
 * owner/mode command per file, no records, no checks).
 */
export function minimalHandwrittenConfig(tree: HandwrittenTree): object {
  const quietly = (provisioner: { "local-exec": Record<string, unknown> }) => ({ "local-exec": { ...provisioner["local-exec"], quiet: true } });
  const data: Record<string, object> = {};
  const add = (name: string, p: string, dependsOn: string[]) => {
    const d = directory(p, tree, dependsOn);
    data[name] = { ...d, provisioner: d.provisioner.map(quietly) };
  };
  add("root", tree.root, []);
  tree.directories.forEach((name, i) => add(`dir_${i}`, path.posix.join(tree.root, name), ["terraform_data.root"]));
  const files: Record<string, object> = {};
  Object.entries(tree.files).forEach(([p, content], i) => {
    files[`file_${i}`] = { filename: p, content, file_permission: tree.fileMode, depends_on: ["terraform_data.root"] };
  });
  return withSettings(tree, data, files);
}

/** Writes `main.tf.json` for `tree` into `dir` (created): the issue 6 baseline, or the minimal one. */
export function writeHandwritten(dir: string, tree: HandwrittenTree, variant: "full" | "minimal" = "full"): void {
  fs.mkdirSync(dir, { recursive: true });
  const config = variant === "minimal" ? minimalHandwrittenConfig(tree) : handwrittenConfig(tree);
  fs.writeFileSync(path.join(dir, "main.tf.json"), JSON.stringify(config, null, 2) + "\n");
}
