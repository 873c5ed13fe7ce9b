import { TerraformStack } from "./cdk";
import { Construct } from "constructs";
import * as path from "path";
import { TreeObservation } from "./tree-observation";
import { driftMessage } from "./tree-findings";

export interface DriftChecksProps {
  readonly observation: TreeObservation;
  /** The runtime root: check names are the paths relative to it ("root" for itself). */
  readonly rootPath: string;
}

/** Names already used per stack: a second tree in one stack must not merge into these. */
const usedNames = new WeakMap<TerraformStack, Set<string>>();

/**
 * Shows drift in the plan: one Terraform `check` block per managed path whose
 * assertion fails with the observed difference, e.g.
 * `drift observed at plan: /var/lib/cutter/runs: mode 0777, expected 0750; ...`.
 * A path that is missing because the stack never created it (no ownership record: a
 * first deploy, or the plan after a complete destroy) is not drift and warns nothing.
 *
 * Checks report warnings and never block plan or deploy (Terraform >= 1.5,
 * OpenTofu >= 1.6). cdktf 0.21 has no check construct, so the blocks are written
 * with a stack override (`check.<name>` in the JSON syntax). The observation is
 * not re-read at apply, so a deploy repeats what the plan saw: the text says "at plan".
 */
export class DriftChecks extends Construct {
  /** Check block name per observed path, e.g. "drift_runs". */
  public readonly checkNames: ReadonlyMap<string, string>;

  constructor(scope: Construct, id: string, props: DriftChecksProps) {
    super(scope, id);
    const stack = TerraformStack.of(this);
    const used = usedNames.get(stack) ?? new Set<string>();
    usedNames.set(stack, used);
    const names = new Map<string, string>();
    // With the root itself missing (a first deploy, or the whole tree removed), its one
    // warning says it all: the paths below it are not reported one by one.
    const rootMissing = `startswith(${props.observation.driftReference(props.rootPath)}, "missing")`;
    for (const p of props.observation.paths) {
      const relative = path.posix.relative(props.rootPath, p.path) || "root";
      const name = `drift_${relative.replace(/[^A-Za-z0-9_]/g, "_")}`;
      if (used.has(name)) throw new Error(`DriftChecks ${this.node.path}: check "${name}" already exists in this stack (one runtime tree per stack)`);
      used.add(name);
      names.set(p.path, name);
      const drift = props.observation.driftReference(p.path);
      const inSync = props.observation.inSyncCondition(p.path);
      const condition = p.path === props.rootPath ? inSync : `${inSync} || ${rootMissing}`;
      stack.addOverride(`check.${name}`, {
        assert: [{ condition: `\${${condition}}`, error_message: driftMessage(p.path, `\${${drift}}`) }],
      });
    }
    this.checkNames = names;
  }
}
