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
import * as pins from "../engine-pins.json";

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
  return {
    terraform: {
      required_providers: { local: { source: "hashicorp/local", version: pins.providers.local.version } },
      backend: { local: { path: tree.statePath } },
    },
    provider: { local: [{}] },
    resource: { terraform_data: data, local_file: files },
  };
}

/** Writes `main.tf.json` for `tree` into `dir` (created). */
export function writeHandwritten(dir: string, tree: HandwrittenTree): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "main.tf.json"), JSON.stringify(handwrittenConfig(tree), null, 2) + "\n");
}
