import { DataLocalCommand } from "@cdktf/provider-local/lib/data-local-command";
import { Construct } from "constructs";
import { SHELL_FUNCTIONS, shellCommand } from "./shell";
import { Problems, absolutePathRule } from "./validation";

export interface LinkCheckProps {
  /** Every managed path, root first. */
  readonly paths: readonly string[];
}

/**
 * Fails if any managed path is a symbolic link (or a path component of one
 * resolves elsewhere). Values arrive as arguments ("$@"), never in the script.
 */
const CHECK_NO_LINKS = `set -eu
${SHELL_FUNCTIONS}found=""
for p in "$@"; do
  if [ -L "$p" ]; then found="$found $p"; continue; fi
  parent=$(dirname -- "$p")
  if [ -d "$parent" ]; then
    real=$(cd -P -- "$parent" && pwd -P)
    if [ "$real" != "$parent" ]; then found="$found $p"; fi
  fi
done
if [ -n "$found" ]; then
  fail "refusing to plan: these managed paths are (or go through) symbolic links:$found. Nothing was changed. Replace each link with the real directory or file (or remove it) and run again."
fi
echo ok
`;

/**
 * A plan-time check (`local_command` data source, read on every plan, deploy
 * and destroy) that no managed path is a symbolic link. It stops the run before
 * any resource is written or removed: this is what keeps the provider from
 * re-writing a config file through a link swapped in after the first deploy.
 */
export class LinkCheck extends Construct {
  public readonly check: DataLocalCommand;

  constructor(scope: Construct, id: string, props: LinkCheckProps) {
    super(scope, id);
    const problems = new Problems();
    for (const p of props.paths) {
      const problem = absolutePathRule(p);
      if (problem) problems.add("path", p, problem);
    }
    problems.throwIfAny(`LinkCheck ${this.node.path}`);
    this.check = new DataLocalCommand(this, "Check", shellCommand(CHECK_NO_LINKS, "cutter-link-check", props.paths));
  }
}
