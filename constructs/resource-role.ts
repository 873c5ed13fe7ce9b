/**
 * What each resource of the stack is, carried by the resource itself: every `terraform_data`
 * holds `cutter_role` in its `input` (a change to `input` is an update in place: adding the
 * marker to a deployed stack replaces nothing and runs no script). Readers of a plan
 * (cli/plan-summary.ts) and of the state read the role, never the shape of the triggers, and
 * refuse a `terraform_data` whose role is missing or unknown. The files are `local_file`
 * resources, whose role is their type (the provider's schema has no free-form field).
 */
/** The key of the role in a `terraform_data`'s `input`. */
export const ROLE_KEY = "cutter_role";

/** Every role, in the order a summary lists them. */
export const RESOURCE_ROLES = ["directories", "file", "file-write-guard", "file-permissions", "destroy-guard", "tree-remover", "survey"] as const;

export type ResourceRole = (typeof RESOURCE_ROLES)[number];

/**
 * Roles no resource of this release has, still read in plans of stacks an earlier release
 * deployed (their removal): the survey's steps are the destroy guard's since issue 11.
 */
export const RETIRED_ROLES: readonly ResourceRole[] = ["survey"];

/** The resource type whose role is its type: a managed file. */
export const FILE_RESOURCE_TYPE = "local_file";

/** The `input` entry marking a `terraform_data` with `role` (spread into an existing `input`). */
export function roleInput(role: Exclude<ResourceRole, "file">): { readonly [ROLE_KEY]: ResourceRole } {
  return { [ROLE_KEY]: role };
}

export function isResourceRole(value: unknown): value is ResourceRole {
  return typeof value === "string" && (RESOURCE_ROLES as readonly string[]).includes(value);
}

/**
 * Addresses of the steps earlier releases configured that this one does not (RuntimeTree:
 * one write guard and one owner/mode step for both files, the survey carried by the destroy
 * guard): the short ids main gave them, and the construct ids of the releases before. An
 * upgrade removes them from the state, running nothing; cli/plan-summary.ts names them so.
 */
export const RETIRED_STEP_ADDRESSES: ReadonlySet<string> = new Set([
  "terraform_data.config_guard",
  "terraform_data.config_mode",
  "terraform_data.readme_guard",
  "terraform_data.readme_mode",
  "terraform_data.survey",
  "terraform_data.RuntimeTree_OrchestratorConfig_WriteGuard_76B9DB4D",
  "terraform_data.RuntimeTree_OrchestratorConfig_Permissions_Apply_382C82B7",
  "terraform_data.RuntimeTree_RuntimeReadme_WriteGuard_D00277AA",
  "terraform_data.RuntimeTree_RuntimeReadme_Permissions_Apply_49F20797",
  "terraform_data.RuntimeTree_Survey_Record_3AE0CDBC",
]);
