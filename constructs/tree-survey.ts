import { LocalExecProvisioner, TerraformStack } from "./cdk";
import { Construct } from "constructs";
import * as path from "path";
import { OwnershipRecord, SURVEY_FILE_NAME, checkOwnershipRecord } from "./ownership-record";
import { scriptProvisioner } from "./shell";
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
}

/**
 * The survey for the gate report: the state of every managed path before the first
 * deploy (root absent, or existed with its owner and mode), recorded once by that
 * deploy and kept with the ownership records.
 *
 * It has no resource of its own (issue 11: every resource costs the raw `cdktf deploy`
 * two lines): the destroy guard carries its two steps (DestroyGuardProps.survey). The
 * guard is created after everything that creates, adopts or refuses a managed path, so
 * `record` runs after them (a deploy that refused a path records nothing), and is never
 * replaced by an ordinary deploy, so the survey is written once. `record` writes what the
 * plan-time observation saw (read before anything is applied, so on the first deploy it is
 * the state before it); a survey already on disk is kept. `forget` removes it on destroy,
 * after the guard's check passed: a refused destroy keeps it.
 */
export class TreeSurvey extends Construct {
  /** Absolute path of the survey file. */
  public readonly file: string;
  /** Create-time step: writes the survey once. */
  public readonly record: LocalExecProvisioner;
  /** Destroy-time step: removes the survey (its record directory from the resource's own `input.record_dir`). */
  public readonly forget: LocalExecProvisioner;

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
    this.record = scriptProvisioner("survey", {
      CUTTER_SURVEY_ACTION: "record",
      CUTTER_RECORD_DIR: props.ownership.directory,
      CUTTER_SURVEY_NAME: SURVEY_FILE_NAME,
      CUTTER_ROOT: props.rootPath,
      CUTTER_OBSERVED: `\${length(${observed}) > ${MAX_SURVEY_OBSERVATION} ? substr(${observed}, 0, ${MAX_SURVEY_OBSERVATION}) : ${observed}}`,
      CUTTER_OBSERVED_TRUNCATED: `\${length(${observed}) > ${MAX_SURVEY_OBSERVATION} ? "1" : "0"}`,
    });
    // From the state (a destroy-time step may read only `self`): "" in a guard without a record directory.
    this.forget = scriptProvisioner(
      "survey",
      { CUTTER_SURVEY_ACTION: "forget", CUTTER_RECORD_DIR: '${lookup(self.input, "record_dir", "")}', CUTTER_SURVEY_NAME: SURVEY_FILE_NAME },
      "destroy",
    );
  }
}
