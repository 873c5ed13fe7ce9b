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

/** The resource type whose role is its type: a managed file. */
export const FILE_RESOURCE_TYPE = "local_file";

/** The `input` entry marking a `terraform_data` with `role` (spread into an existing `input`). */
export function roleInput(role: Exclude<ResourceRole, "file">): { readonly [ROLE_KEY]: ResourceRole } {
  return { [ROLE_KEY]: role };
}

export function isResourceRole(value: unknown): value is ResourceRole {
  return typeof value === "string" && (RESOURCE_ROLES as readonly string[]).includes(value);
}
