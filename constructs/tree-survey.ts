import { DataResource, ITerraformDependable, TerraformStack } from "./cdk";
import { Construct } from "constructs";
import * as path from "path";
import { OwnershipRecord, SURVEY_FILE_NAME, checkOwnershipRecord } from "./ownership-record";
import { scriptProvisioner } from "./shell";
import { roleInput } from "./resource-role";
import { TreeObservation } from "./tree-observation";
import { Problems, absolutePathRule } from "./validation";

/** Longest observation handed to the survey script (one environment string; Linux allows 128 KiB). */
export const MAX_SURVEY_OBSERVATION = 100_000;

export interface TreeSurveyProps {
  /** The runtime root. */
  readonly rootPath: string;
  /** The plan-time read of every managed path: what the survey records. */
  readonly observation: TreeObservation;
  /** Where the records are; the survey is kept with them. */
  readonly ownership: OwnershipRecord;
  /**
   * Every resource that creates, adopts or refuses a managed path: the survey is
   * recorded after them, so a deploy that refused a path records nothing, and
   * removed before them on destroy.
   */
  readonly dependsOn: ITerraformDependable[];
}

/**
 * The survey for the gate report: the state of every managed path before the first
 * deploy (root absent, or existed with its owner and mode), recorded once by that
 * deploy and kept with the ownership records.
 *
 * One `terraform_data` with nothing that changes between plans, so it is created once
 * and a no-op plan stays at 0 changes. Its create-time command writes what the plan-time
 * observation saw (the observation is read before anything is applied, so on the first
 * deploy it is the state before it); a survey already on disk is kept. Its destroy-time
 * command removes the file. Put it in the destroy guard's `dependsOn`: then a refused
 * destroy keeps it, and a complete destroy removes it after the guard passed.
 */
export class TreeSurvey extends Construct {
  /** Absolute path of the survey file. */
  public readonly file: string;
  public readonly resource: DataResource;

  constructor(scope: Construct, id: string, props: TreeSurveyProps) {
    super(scope, id);
    const problems = new Problems();
    const rootProblem = absolutePathRule(props.rootPath);
    if (rootProblem) problems.add("rootPath", props.rootPath, rootProblem);
    else checkOwnershipRecord("ownership.directory", props.ownership, props.rootPath, problems);
    problems.throwIfAny(`TreeSurvey ${this.node.path}`);

    this.file = path.posix.join(props.ownership.directory, SURVEY_FILE_NAME);
    const stack = TerraformStack.of(this);
    const stdout = `data.local_command.${stack.getLogicalId(props.observation.command)}.stdout`;
    // stdout is null when the command prints nothing (every path missing: a first deploy).
    const observed = `(${stdout} == null ? "" : ${stdout})`;
    this.resource = new DataResource(this, "Record", {
      // Constant for a tree: created once, never updated by a deploy (a new root is a new tree and
      // gets its own survey). Keyed like the destroy guard, so a plan summary lists it with the
      // checks that write nothing in the tree (cli/plan-summary.ts).
      triggersReplace: { root: props.rootPath },
      input: { ...roleInput("survey"), record_dir: props.ownership.directory, name: SURVEY_FILE_NAME },
      dependsOn: props.dependsOn,
      provisioners: [
        scriptProvisioner("survey", {
          CUTTER_SURVEY_ACTION: "record",
          CUTTER_RECORD_DIR: props.ownership.directory,
          CUTTER_SURVEY_NAME: SURVEY_FILE_NAME,
          CUTTER_ROOT: props.rootPath,
          CUTTER_OBSERVED: `\${length(${observed}) > ${MAX_SURVEY_OBSERVATION} ? substr(${observed}, 0, ${MAX_SURVEY_OBSERVATION}) : ${observed}}`,
          CUTTER_OBSERVED_TRUNCATED: `\${length(${observed}) > ${MAX_SURVEY_OBSERVATION} ? "1" : "0"}`,
        }),
        scriptProvisioner("survey", { CUTTER_SURVEY_ACTION: "forget", CUTTER_RECORD_DIR: "${self.input.record_dir}", CUTTER_SURVEY_NAME: "${self.input.name}" }, "destroy"),
      ],
    });
  }
}
