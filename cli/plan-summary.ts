/**
 * The write set of a plan, for reviewers who should not have to read JSON.
 *
 *   summarizePlan(JSON.parse(`<engine> show -json PLANFILE`)) -> text
 *   node dist/cli/plan-summary.js STACK_DIR [--plan-json FILE]
 *
 * It reads what each resource is from the role it carries (constructs/resource-role.ts:
 * `cutter_role` in a terraform_data's `input`; a local_file is a managed file), never from
 * the shape of its triggers: RuntimeDirectories ("directories": triggers hold `owner`,
 * `group`, `mode` and a `directories` map, path => repair marker), PermissionCommand
 * ("file-permissions": a file's `path`, `owner`, `group`, `mode`), the checks that write
 * nothing and local_file. A terraform_data with no role, or one this release does not know,
 * stops the summary (PlanContractError) instead of being summarised as something else (the
 * removal of one an earlier release wrote without a role is listed for review); a resource of
 * any other type is listed as needing review, and the secrets/DB/services line says so. (A `name` trigger only says in words what a resource is, for the engine's own plan text.)
 *
 * It also says what is meant: an input changed since the last deploy (the state, which
 * the plan's `before` values come from, holds what the last deploy used) is listed as
 * `owner: root -> cutter`, not as drift of every path, and the engine's counts are
 * explained in words (what is new, re-run in place, rewritten, removed).
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { StackSpec } from "../constructs/host-files";
import { INPUT_TABLE } from "../constructs/input-table";
import { FILE_RESOURCE_TYPE, RESOURCE_ROLES, RETIRED_STEP_ADDRESSES, ROLE_KEY, ResourceRole, isResourceRole } from "../constructs/resource-role";
import { parseDriftMessage, renderDriftMessage } from "../constructs/tree-findings";
import { describeStack } from "./command-line";
import { engineFromEnvironment, failureHint, runEngineQuietly } from "./engine";
import { makeWorkDirectory, removeWorkDirectory } from "./work-directory";

/** The parts of `show -json` output read here (plan format 1.x). */
export interface PlanJson {
  readonly resource_changes?: readonly ResourceChange[];
  readonly checks?: readonly CheckResult[];
}

interface ResourceChange {
  readonly address: string;
  readonly mode: "managed" | "data";
  readonly type: string;
  readonly change: { readonly actions: readonly string[]; readonly before: any; readonly after: any; readonly after_unknown?: any };
  /** Why the engine plans the action, e.g. `delete_because_no_resource_config`. */
  readonly action_reason?: string;
}

interface CheckResult {
  readonly address: { readonly to_display: string };
  readonly status: string;
  readonly instances?: readonly { readonly problems?: readonly { readonly message: string }[] }[];
}

interface Settings {
  owner: string;
  group: string;
  mode: string;
}

/** One planned write, by path. */
export interface PlannedPath {
  readonly path: string;
  readonly settings?: Settings;
  /** Files only: sha256 of the content written, when the plan knows it. */
  readonly sha256?: string;
}

export interface WriteSet {
  readonly directoriesToCreate: PlannedPath[];
  readonly directoriesToModify: PlannedPath[];
  readonly directoriesToRemove: PlannedPath[];
  /** Dropped from the configuration by a replacement: the engine removes nothing then. */
  readonly directoriesLeftInPlace: PlannedPath[];
  readonly filesToWrite: PlannedPath[];
  readonly filesToModify: PlannedPath[];
  readonly filesToRemove: PlannedPath[];
  /** Safety checks the plan creates, replaces or removes: they write nothing in the tree. */
  readonly checks: string[];
  /** Changes that are not a runtime directory, permission command, check or local file. */
  readonly other: string[];
  /**
   * Steps of an earlier release this one does not configure (RETIRED_STEP_ADDRESSES: write
   * checks, owner/mode steps, the survey record), which the engine removes from its state:
   * not configured, so no step of theirs runs (a destroy-time step runs only while its
   * resource is configured) and nothing on disk changes.
   */
  readonly retired: string[];
  /** Failed check messages: drift observed at plan. */
  readonly drift: string[];
  /** The runtime root the plan manages (from its destroy guard), when the plan names one. */
  readonly root?: string;
  /** Paths written or removed outside that root (e.g. the old root's files when the state moves to a new root). */
  readonly outsideRoot: string[];
  readonly counts: { add: number; change: number; destroy: number };
  /** Inputs whose value differs from the last deploy's (as the state records it). */
  readonly inputChanges: InputChange[];
  /** The engine's counts in words: one entry per kind of change. */
  readonly explained: string[];
}

/** An input whose value differs from the one the last deploy used. */
export interface InputChange {
  /** The input, in words: "owner", "group", "runtime root", "env file", "backup key status", "directory mode", "file mode". */
  readonly input: string;
  readonly before: string;
  readonly after: string;
}

/** What each input is called where operators set it (from the one table of inputs). */
const namesOf = (row: { readonly env: string; readonly field: string }) => ({ variable: row.env, field: row.field });
const INPUT_NAMES: Record<string, { variable: string; field: string }> = {
  owner: namesOf(INPUT_TABLE.owner),
  group: namesOf(INPUT_TABLE.group),
  "runtime root": namesOf(INPUT_TABLE.rootPath),
  "env file": namesOf(INPUT_TABLE.envFilePath),
  "backup key status": namesOf(INPUT_TABLE.backupKeyStatus),
};

const has = (rc: ResourceChange, action: string) => rc.change.actions.includes(action);
const isNoop = (rc: ResourceChange) => rc.change.actions.every((a) => a === "no-op" || a === "read");

function triggersOf(rc: ResourceChange): Record<string, unknown> | undefined {
  const value = rc.change.after?.triggers_replace ?? rc.change.before?.triggers_replace;
  return value && typeof value === "object" ? value : undefined;
}

/**
 * A terraform_data of this plan whose role is missing or unknown: the summary refuses to say
 * what it writes rather than call it something else.
 */
export class PlanContractError extends Error {}

/**
 * What a managed resource is: the role it carries (`cutter_role` in a terraform_data's `input`:
 * after the plan, or before it for a removal), "file" for a local_file, undefined for a resource
 * of another type, and for the removal of a terraform_data an earlier release wrote without a
 * role (both listed for review). Any other terraform_data without a role this release knows
 * throws PlanContractError: every one this release configures carries one.
 */
export function roleOf(rc: ResourceChange): ResourceRole | undefined {
  if (rc.type === FILE_RESOURCE_TYPE) return "file";
  if (rc.type !== "terraform_data") return undefined;
  const side = rc.change.after ?? rc.change.before;
  const marker = isObject(side?.input) ? side.input[ROLE_KEY] : undefined;
  if (isResourceRole(marker) && marker !== "file") return marker;
  if (marker === undefined && !rc.change.after) return undefined;
  throw new PlanContractError(
    `${rc.address}: ${marker === undefined ? `carries no ${ROLE_KEY}` : `${ROLE_KEY} ${JSON.stringify(marker)} is not one this release knows`} (one of ${RESOURCE_ROLES.filter((r) => r !== "file").join(", ")}), ` +
      "so the summary cannot say what it writes; it never guesses from the shape of the triggers. Every terraform_data this release configures carries one (constructs/resource-role.ts).",
  );
}

const isPermissionCommand = (rc: ResourceChange) => roleOf(rc) === "file-permissions";

/** A step of an earlier release this one does not configure, removed from the state only (see WriteSet.retired). */
const isRetiredStep = (rc: ResourceChange) =>
  rc.type === "terraform_data" &&
  rc.action_reason === "delete_because_no_resource_config" &&
  has(rc, "delete") &&
  !has(rc, "create") &&
  RETIRED_STEP_ADDRESSES.has(rc.address);

/**
 * The files an owner/mode step sets: the keys of its `files` map (one step for every file
 * written together), or the single `path` of a step an earlier release configured.
 */
function filePathsOf(t: unknown, unknown?: unknown): string[] {
  if (!isObject(t)) return [];
  const unknownFiles = isObject(unknown) && isObject(unknown.files) ? Object.keys(unknown.files) : [];
  if (isObject(t.files)) return [...new Set([...Object.keys(t.files), ...unknownFiles])];
  return typeof t.path === "string" ? [t.path] : [];
}

const settingsIn = (t: Record<string, unknown>): Settings => ({ owner: String(t.owner), group: String(t.group), mode: String(t.mode) });

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A chunk of runtime directories (constructs/runtime-directories.ts): triggers hold a `directories` map. */
const isDirectories = (rc: ResourceChange) => roleOf(rc) === "directories";

/**
 * Settings and paths of one side (before/after) of a directories chunk. A path whose entry is
 * unknown until apply (a repair) is left out of `after` and listed in `after_unknown` instead.
 */
function directoriesSide(triggers: unknown, unknown?: unknown): { settings: Settings; paths: string[] } | undefined {
  if (!isObject(triggers) || !isObject(triggers.directories)) return undefined;
  const unknownPaths = isObject(unknown) && isObject(unknown.directories) ? Object.keys(unknown.directories) : [];
  return {
    settings: { owner: String(triggers.owner), group: String(triggers.group), mode: String(triggers.mode) },
    paths: [...new Set([...Object.keys(triggers.directories), ...unknownPaths])],
  };
}

/** The roles of the safety checks that write nothing in the tree. */
const CHECK_ROLES: ReadonlySet<ResourceRole | undefined> = new Set<ResourceRole>(["file-write-guard", "destroy-guard", "tree-remover", "survey"]);

/**
 * A safety check that writes nothing in the tree: a file's write guard, the destroy guard,
 * the tree remover or the survey record (constructs/managed-file.ts, destroy-guard.ts,
 * tree-remover.ts, tree-survey.ts).
 */
const isCheck = (rc: ResourceChange) => CHECK_ROLES.has(roleOf(rc));

/** The path a drift message says is missing (constructs/tree-findings.ts), if it says so. */
function missingPath(message: string): string | undefined {
  const drift = parseDriftMessage(message);
  return drift?.findings.some((f) => f.kind === "missing") ? drift.path : undefined;
}

function failedCheckMessages(plan: PlanJson): string[] {
  const messages: string[] = [];
  for (const check of plan.checks ?? []) {
    if (check.status !== "fail") continue;
    for (const instance of check.instances ?? []) for (const problem of instance.problems ?? []) messages.push(problem.message);
  }
  return messages;
}

/** Sorts a plan's changes into the write set. Pure. */
export function writeSetOf(plan: PlanJson): WriteSet {
  const changes = (plan.resource_changes ?? []).filter((rc) => rc.mode === "managed");
  const permissions = new Map<string, { settings: Settings; planned: boolean }>();
  // Owner and mode a path had before the plan, by path: what a removed file was.
  const settingsBefore = new Map<string, Settings>();
  for (const rc of changes.filter(isPermissionCommand)) {
    const t = triggersOf(rc)!;
    const b = rc.change.before?.triggers_replace;
    const a = rc.change.after?.triggers_replace;
    const unknown = rc.change.after_unknown?.triggers_replace;
    // Owner and mode are applied only by a create (or replace): an update in place (its role marker added) runs no script.
    const runs = has(rc, "create");
    const settings = { owner: String(t.owner), group: String(t.group), mode: String(t.mode) };
    for (const p of filePathsOf(t, unknown)) {
      // One step sets several files: a file counts as changed only if its own entry (or the settings) changed.
      const own = (side: unknown, key: string) => (isObject(side) && isObject(side[key]) ? side[key][p] : undefined);
      const drifted = unknown === true || (isObject(unknown) && (unknown.files === true || own(unknown, "files") === true));
      const changed =
        !isObject(b) || !filePathsOf(b).includes(p) || show(settingsIn(b)) !== show(settings) || own(b, "revisions") !== own(a, "revisions") || drifted;
      permissions.set(p, { settings, planned: runs && changed });
    }
    if (isObject(b)) for (const p of filePathsOf(b)) settingsBefore.set(p, settingsIn(b));
  }
  const guard = changes.find((rc) => roleOf(rc) === "destroy-guard" && typeof rc.change.after?.triggers_replace?.root === "string");
  const root: string | undefined = guard?.change.after.triggers_replace.root;
  const set: WriteSet = {
    directoriesToCreate: [],
    directoriesToModify: [],
    directoriesToRemove: [],
    directoriesLeftInPlace: [],
    filesToWrite: [],
    filesToModify: [],
    filesToRemove: [],
    checks: [],
    other: [],
    retired: [],
    drift: [],
    root,
    outsideRoot: [],
    counts: countPlan(plan),
    inputChanges: inputChangesOf(changes),
    explained: explainChanges(changes),
  };
  const written = new Set<string>();
  const directoryChanges: ResourceChange[] = [];
  for (const rc of changes) {
    if (isNoop(rc)) continue;
    if (isRetiredStep(rc)) {
      set.retired.push(rc.address);
      continue;
    }
    if (isPermissionCommand(rc)) continue;
    if (isCheck(rc)) {
      set.checks.push(`${rc.address} (${rc.change.actions.join("/")})`);
    } else if (isDirectories(rc)) {
      directoryChanges.push(rc);
    } else if (rc.type === "local_file") {
      // Both sides: a replacement deletes the file at its old name (before) and writes the new one (after).
      const oldPath = typeof rc.change.before?.filename === "string" ? rc.change.before.filename : undefined;
      const newPath = typeof rc.change.after?.filename === "string" ? rc.change.after.filename : undefined;
      if (has(rc, "create") && newPath) {
        const content = rc.change.after?.content;
        const sha256 = typeof content === "string" ? createHash("sha256").update(content, "utf8").digest("hex") : undefined;
        const settings = permissions.get(newPath)?.settings ?? { owner: "?", group: "?", mode: String(rc.change.after.file_permission) };
        set.filesToWrite.push({ path: newPath, settings, sha256 });
        written.add(newPath);
      }
      if (has(rc, "delete") && oldPath && !(has(rc, "create") && oldPath === newPath)) {
        const settings = settingsBefore.get(oldPath) ??
          permissions.get(oldPath)?.settings ?? { owner: "?", group: "?", mode: String(rc.change.before.file_permission) };
        set.filesToRemove.push({ path: oldPath, settings });
        written.add(oldPath);
      }
      if (!has(rc, "create") && !has(rc, "delete")) {
        const p = String(newPath ?? oldPath);
        set.filesToModify.push({ path: p, settings: permissions.get(p)?.settings });
        written.add(p);
      }
    } else {
      const unmarked = rc.type === "terraform_data" ? `; no ${ROLE_KEY}: written by an earlier release` : "";
      set.other.push(`${rc.address} (${rc.change.actions.join("/")}${unmarked})`);
    }
  }
  const missing = new Set<string>();
  for (const message of failedCheckMessages(plan)) {
    const p = missingPath(message);
    if (p !== undefined) missing.add(p);
  }
  // Directories: a new chunk creates its paths, a destroyed one removes them. A replaced chunk
  // (create-before-destroy: the engine runs no removal for the replaced object) creates its new
  // paths and those observed missing, re-applies owner/mode to the paths whose settings changed
  // or that drifted (entry unknown until apply), and leaves paths it no longer lists in place.
  const newDirectories = new Set<string>();
  for (const rc of directoryChanges) {
    const before = has(rc, "delete") ? directoriesSide(rc.change.before?.triggers_replace) : undefined;
    const unknown = rc.change.after_unknown?.triggers_replace?.directories;
    const after = has(rc, "create") ? directoriesSide(rc.change.after?.triggers_replace, rc.change.after_unknown?.triggers_replace) : undefined;
    if (after && !before) for (const p of after.paths) newDirectories.add(p);
    for (const p of after?.paths ?? []) {
      const entry = { path: p, settings: after!.settings };
      if (!before || !before.paths.includes(p) || missing.has(p)) set.directoriesToCreate.push(entry);
      else if (show(before.settings) !== show(after!.settings) || unknown === true || (isObject(unknown) && unknown[p] === true))
        set.directoriesToModify.push(entry);
      written.add(p);
    }
    for (const p of before?.paths ?? []) {
      if (after?.paths.includes(p)) continue;
      (after ? set.directoriesLeftInPlace : set.directoriesToRemove).push({ path: p, settings: before!.settings });
    }
  }
  // A file's permission command re-run without the file being (re)written: owner/mode applied in place.
  for (const [p, perm] of permissions) {
    if (!perm.planned || written.has(p)) continue;
    set.filesToModify.push({ path: p, settings: perm.settings });
  }
  // "missing" is no news for a path whose directory (or parent directory) is new in this plan,
  // as on a first deploy; a drifted path keeps its resources, so its text is listed. What an
  // input change explains (the old owner or mode, as the last deploy set it) is not drift.
  const settingsOf = settingsByPath(changes);
  for (const message of failedCheckMessages(plan)) {
    const p = missingPath(message);
    if (p !== undefined && (newDirectories.has(p) || newDirectories.has(path.posix.dirname(p)))) continue;
    const unexplained = withoutInputChanges(message, settingsOf);
    if (unexplained !== undefined) set.drift.push(unexplained);
  }
  for (const list of [
    set.directoriesToCreate,
    set.directoriesToModify,
    set.directoriesToRemove,
    set.directoriesLeftInPlace,
    set.filesToWrite,
    set.filesToModify,
    set.filesToRemove,
  ]) {
    list.sort((a, b) => a.path.localeCompare(b.path));
  }
  if (root !== undefined) {
    const inside = (p: string) => p === root || p.startsWith(root + "/");
    const touched = [set.directoriesToCreate, set.directoriesToModify, set.directoriesToRemove, set.filesToWrite, set.filesToModify, set.filesToRemove].flat();
    set.outsideRoot.push(...[...new Set(touched.map((p) => p.path).filter((p) => !inside(p)))].sort());
  }
  return set;
}

const show = (s?: Settings) => (s ? `${s.owner}:${s.group} ${s.mode}` : "owner/mode unchanged");

/** What a managed path was at the last deploy and is to be after the plan: owner, group, mode, and a file's content hash. */
interface PathSides {
  before?: Settings;
  after?: Settings;
  beforeSha256?: string;
  afterSha256?: string;
}

/** Owner, group and mode (and a file's content hash) of each managed path before (the last deploy's) and after the plan. */
function settingsByPath(changes: readonly ResourceChange[]): Map<string, PathSides> {
  const byPath = new Map<string, PathSides>();
  const sha = (content: unknown) => (typeof content === "string" ? createHash("sha256").update(content, "utf8").digest("hex") : undefined);
  for (const rc of changes) {
    if (rc.type !== "local_file") continue;
    const p = rc.change.after?.filename ?? rc.change.before?.filename;
    if (typeof p === "string") byPath.set(p, { beforeSha256: sha(rc.change.before?.content), afterSha256: sha(rc.change.after?.content) });
  }
  const side = (t: unknown): Settings | undefined =>
    isObject(t) && typeof t.owner === "string" && typeof t.group === "string" && typeof t.mode === "string"
      ? { owner: t.owner, group: t.group, mode: t.mode }
      : undefined;
  for (const rc of changes) {
    const b = rc.change.before?.triggers_replace;
    const a = rc.change.after?.triggers_replace;
    const paths = new Set<string>();
    const role = roleOf(rc);
    for (const t of [b, a]) {
      if (!isObject(t)) continue;
      if (role === "directories" && isObject(t.directories)) for (const p of Object.keys(t.directories)) paths.add(p);
      if (role === "file-permissions") for (const p of filePathsOf(t)) paths.add(p);
    }
    for (const p of paths) byPath.set(p, { ...byPath.get(p), before: side(b) ?? byPath.get(p)?.before, after: side(a) ?? byPath.get(p)?.after });
  }
  return byPath;
}

/**
 * A drift message without the differences an input change explains (the path is as the
 * last deploy left it, and the inputs now ask for something else); undefined when
 * nothing is left.
 */
function withoutInputChanges(message: string, settingsOf: Map<string, PathSides>): string | undefined {
  const drift = parseDriftMessage(message);
  if (!drift) return message;
  const sides = settingsOf.get(drift.path);
  if (!sides) return message;
  const { before, after } = sides;
  const left = drift.findings.filter((f) => {
    if (f.kind === "owner" && before && after && f.found === `${before.owner}:${before.group}` && f.expected === `${after.owner}:${after.group}`) return false;
    if (f.kind === "mode" && before && after && f.found === before.mode && f.expected === after.mode) return false;
    // The content the last deploy wrote, and the content the code and inputs give now.
    if (f.kind === "content" && f.found === sides.beforeSha256 && f.expected === sides.afterSha256) return false;
    return true;
  });
  return left.length === 0 ? undefined : renderDriftMessage(drift.path, left);
}

/** Inputs whose value differs from the last deploy's: the plan's `before` values are what the state recorded. */
export function inputChangesOf(changes: readonly ResourceChange[]): InputChange[] {
  const found = new Map<string, InputChange>();
  const note = (input: string, before: unknown, after: unknown) => {
    if (typeof before !== "string" || typeof after !== "string" || before === after || found.has(input)) return;
    found.set(input, { input, before, after });
  };
  for (const rc of changes) {
    const b = rc.change.before?.triggers_replace;
    const a = rc.change.after?.triggers_replace;
    const role = roleOf(rc);
    if (rc.type === "terraform_data" && isObject(b) && isObject(a)) {
      note("owner", b.owner, a.owner);
      note("group", b.group, a.group);
      if (role === "directories") note("directory mode", b.mode, a.mode);
      if (role === "file-permissions") note("file mode", b.mode, a.mode);
      if (role === "destroy-guard") note("runtime root", b.root, a.root);
    }
    if (rc.type === "local_file" && typeof rc.change.before?.content === "string" && typeof rc.change.after?.content === "string") {
      let before: any;
      let after: any;
      try {
        before = JSON.parse(rc.change.before.content);
        after = JSON.parse(rc.change.after.content);
      } catch {
        continue;
      }
      note("runtime root", before?.runtime_root, after?.runtime_root);
      note("env file", before?.credentials?.env_file, after?.credentials?.env_file);
      note("backup key status", before?.backup?.provisioning, after?.backup?.provisioning);
    }
  }
  return [...found.values()];
}

/** Each role in words (singular, plural); the explanation lists them in the order of RESOURCE_ROLES. */
const ROLE_WORDS: Record<ResourceRole, readonly [string, string]> = {
  directories: ["directory resource", "directory resources"],
  file: ["file", "files"],
  "file-write-guard": ["file write check", "file write checks"],
  "file-permissions": ["file owner/mode step", "file owner/mode steps"],
  "destroy-guard": ["destroy guard", "destroy guards"],
  "tree-remover": ["tree remover", "tree removers"],
  survey: ["survey record", "survey records"],
};

/** The engine's counts in words: per kind of change, how many of which resources, and what that does on disk. */
export function explainChanges(changes: readonly ResourceChange[]): string[] {
  const kinds: Array<[string, (rc: ResourceChange) => boolean]> = [
    ["new", (rc) => has(rc, "create") && !has(rc, "delete")],
    ["rewritten (the file is written again)", (rc) => has(rc, "create") && has(rc, "delete") && rc.type === "local_file"],
    ["replaced, re-run in place (nothing on disk is removed or re-created)", (rc) => has(rc, "create") && has(rc, "delete") && rc.type !== "local_file"],
    ["changed in place", (rc) => has(rc, "update")],
    ["removed", (rc) => has(rc, "delete") && !has(rc, "create")],
  ];
  const lines: string[] = [];
  for (const [what, matches] of kinds) {
    const picked = changes.filter((rc) => !isNoop(rc) && matches(rc));
    if (picked.length === 0) continue;
    // A resource of another type is named by its address, after the stack's own.
    const counted = new Map<ResourceRole | string, number>();
    for (const rc of picked) {
      const key = roleOf(rc) ?? rc.address;
      counted.set(key, (counted.get(key) ?? 0) + 1);
    }
    const order = (r: string) => (isResourceRole(r) ? RESOURCE_ROLES.indexOf(r) : RESOURCE_ROLES.length);
    const parts = [...counted.entries()]
      .sort(([a], [b]) => order(a) - order(b))
      .map(([role, n]) => (!isResourceRole(role) ? role : n === 1 ? `1 ${ROLE_WORDS[role][0]}` : `${n} ${ROLE_WORDS[role][1]}`));
    lines.push(`${picked.length} ${what}: ${parts.join(", ")}`);
  }
  return lines;
}

/** How a summary is worded: before the apply (a plan) or after it (what a deploy did). */
export interface SummaryOptions {
  /** After the apply: past tense. @default false */
  readonly done?: boolean;
  /** The first line. @default "Plan summary (write set):" */
  readonly heading?: string;
  /** Where the inputs are set, to name them (a host file's fields, or environment variables). @default - both names */
  readonly inputsFrom?: "host file" | "environment";
}

/** A short human summary of a plan's write set. Pure. */
export function summarizePlan(plan: PlanJson, options: SummaryOptions = {}): string {
  const w = writeSetOf(plan);
  const done = options.done === true;
  const lines: string[] = [options.heading ?? "Plan summary (write set):"];
  if (w.inputChanges.length > 0) {
    lines.push(`  inputs changed since the last deploy (as the state records it) (${w.inputChanges.length}):`);
    for (const c of w.inputChanges) {
      const names = INPUT_NAMES[c.input];
      const where = names
        ? ` (${options.inputsFrom === "host file" ? `host file field ${names.field}` : options.inputsFrom === "environment" ? names.variable : `${names.variable} or host file field ${names.field}`})`
        : "";
      lines.push(`    * ${c.input}: ${c.before} -> ${c.after}${where}`);
    }
  }
  const outside = (p: PlannedPath) => (w.outsideRoot.includes(p.path) ? `  (outside the runtime root ${w.root})` : "");
  const section = (title: string, sign: string, items: PlannedPath[], extra: (p: PlannedPath) => string = () => "") => {
    if (items.length === 0) return;
    lines.push(`  ${title} (${items.length}):`);
    const width = Math.max(...items.map((i) => i.path.length));
    for (const i of items) lines.push(`    ${sign} ${i.path.padEnd(width)}  ${show(i.settings)}${extra(i)}${outside(i)}`);
  };
  const hash = (p: PlannedPath) => (p.sha256 ? `  sha256 ${p.sha256}` : "  sha256 (known after apply)");
  section(done ? "directories created" : "directories to create", "+", w.directoriesToCreate);
  section(
    done
      ? "directories modified in place (owner/mode re-applied; nothing re-created, no data touched)"
      : "directories to modify in place (owner/mode re-applied; nothing re-created, no data touched)",
    "~",
    w.directoriesToModify,
  );
  section(done ? "directories removed" : "directories to remove (only while empty; a directory holding data stops destroy)", "-", w.directoriesToRemove);
  section("directories no longer managed, left in place with their content", "=", w.directoriesLeftInPlace);
  section(done ? "files written" : "files to write", "+", w.filesToWrite, hash);
  section(done ? "files modified in place (owner/mode re-applied)" : "files to modify in place (owner/mode re-applied)", "~", w.filesToModify);
  section(done ? "files removed" : "files to remove", "-", w.filesToRemove);
  const nothing = [
    w.directoriesToCreate,
    w.directoriesToModify,
    w.directoriesToRemove,
    w.directoriesLeftInPlace,
    w.filesToWrite,
    w.filesToModify,
    w.filesToRemove,
  ].every((l) => l.length === 0);
  if (nothing && w.other.length === 0) lines.push("  no writes: the tree matches the configuration");
  if (w.retired.length > 0) {
    const why = "no longer configured, so none of them runs and nothing on disk changes";
    lines.push(`  steps of an earlier release ${done ? "forgotten" : "to forget"} (${w.retired.length}; ${why}):`);
    for (const r of w.retired) lines.push(`    x ${r}`);
  }
  if (w.checks.length > 0 && !done)
    lines.push(`  safety checks (write nothing; a destroy guard checks the tree before destroy removes anything): ${w.checks.length}`);
  if (w.drift.length > 0) {
    lines.push(`  drift observed at plan (${w.drift.length})${done ? ", repaired" : ""}:`);
    for (const d of w.drift) lines.push(`    ! ${d}`);
  }
  if (w.other.length === 0 && w.outsideRoot.length === 0) {
    lines.push("  secrets/DB/services touched: none (only the runtime tree's directories and files; no other resource type is planned)");
  } else {
    const count = w.other.length + w.outsideRoot.length;
    lines.push(
      `  secrets/DB/services touched: REVIEW: ${count} change(s) outside the runtime tree's directories and files${w.root ? ` (root ${w.root})` : ""}:`,
    );
    for (const o of w.other) lines.push(`    ? ${o}`);
    for (const p of w.outsideRoot) lines.push(`    ? ${p} (written or removed outside the runtime root)`);
  }
  const counts = done
    ? `engine: ${w.counts.add} added, ${w.counts.change} changed, ${w.counts.destroy} destroyed`
    : `engine plan: ${w.counts.add} to add, ${w.counts.change} to change, ${w.counts.destroy} to destroy`;
  lines.push(`  ${counts}${w.explained.length > 0 ? ":" : ""}`);
  for (const e of w.explained) lines.push(`    ${e}`);
  return lines.join("\n") + "\n";
}

export interface PlanCounts {
  add: number;
  change: number;
  destroy: number;
}

/** Counts of a plan from `<engine> show -json PLANFILE` (a replace counts as add + destroy, as the engine does; data reads count nothing). */
export function countPlan(showJson: any): PlanCounts {
  const counts = { add: 0, change: 0, destroy: 0 };
  for (const change of showJson.resource_changes ?? []) {
    const actions: string[] = change.change?.actions ?? [];
    if (actions.includes("create")) counts.add++;
    if (actions.includes("update")) counts.change++;
    if (actions.includes("delete")) counts.destroy++;
  }
  return counts;
}

/**
 * The single place a plan is summarised for people (stdout and --summary, and at the end of
 * a deploy, `done`): the engine's counts, the write set for reviewers (cli/plan-summary.ts)
 * and (for a plan) the changed addresses.
 */
export function renderPlanSummary(spec: StackSpec, showJson: any, options: { done?: boolean } = {}): string {
  const counts = countPlan(showJson);
  const inputsFrom = spec.hostName ? "host file" : "environment";
  if (options.done) {
    const heading = `Deployed ${describeStack(spec)}: ${counts.add} added, ${counts.change} changed, ${counts.destroy} destroyed. What it did (write set):`;
    return summarizePlan(showJson, { done: true, heading, inputsFrom });
  }
  const lines = [`Plan for ${describeStack(spec)}: ${counts.add} to add, ${counts.change} to change, ${counts.destroy} to destroy.`];
  lines.push(summarizePlan(showJson, { inputsFrom }).trimEnd());
  lines.push("Engine addresses:");
  for (const change of showJson.resource_changes ?? []) {
    const actions: string[] = change.change?.actions ?? [];
    // A resource that only moves to a new address (moved blocks: runtime-tree.ts's short ids) is named with both.
    if (actions.length === 1 && actions[0] === "no-op" && typeof change.previous_address === "string")
      lines.push(`  ${"moved".padEnd(14)} ${change.previous_address} -> ${change.address}`);
    if (actions.length === 1 && (actions[0] === "no-op" || actions[0] === "read")) continue;
    lines.push(`  ${actions.join("+").padEnd(14)} ${change.address}`);
  }
  return lines.join("\n") + "\n";
}

/**
 * Plans the synthesized stack in `stackDir` into a temporary plan file and returns `show -json` of it,
 * with the operator commands' engine runner (cli/engine.ts): the engine of the offline environment,
 * init when the directory has none, every failure one error naming the step.
 */
export function planJsonOf(stackDir: string, env: NodeJS.ProcessEnv = process.env): PlanJson {
  if (!fs.existsSync(path.join(stackDir, "cdk.tf.json"))) throw new Error(`${stackDir} holds no cdk.tf.json: synthesize first (cdktf synth)`);
  const engine = engineFromEnvironment(env);
  const step = (args: string[]) => {
    const run = runEngineQuietly(engine, args, stackDir, env);
    if (run.code !== 0)
      throw new Error(
        `${engine.kind} ${args[0]} failed (exit ${run.code}) in ${stackDir}:\n${run.output.trimEnd()}\n${failureHint(run.output, stackDir).trim()}`.trimEnd(),
      );
    return run;
  };
  if (!fs.existsSync(path.join(stackDir, ".terraform"))) step(["init", "-input=false", "-no-color"]);
  const tmp = makeWorkDirectory("summary");
  try {
    const planFile = path.join(tmp, "plan");
    step(["plan", "-input=false", "-no-color", `-out=${planFile}`]);
    return JSON.parse(step(["show", "-json", "-no-color", planFile]).stdout);
  } finally {
    removeWorkDirectory(tmp);
  }
}

export function main(argv: readonly string[], env: NodeJS.ProcessEnv): number {
  const jsonAt = argv.indexOf("--plan-json");
  try {
    if (jsonAt >= 0) {
      const file = argv[jsonAt + 1];
      if (!file) throw new Error("--plan-json needs a file (output of `<engine> show -json PLANFILE`), or - for stdin");
      let plan: unknown;
      try {
        plan = JSON.parse(fs.readFileSync(file === "-" ? 0 : file, "utf8"));
      } catch (error) {
        throw new Error(
          `--plan-json ${file}: ${(error as NodeJS.ErrnoException).code ? `cannot be read (${(error as NodeJS.ErrnoException).code})` : "is not valid JSON"}; give the output of \`<engine> show -json PLANFILE\``,
        );
      }
      // Anything else would summarize as "no writes": a wrong file must never read as an empty plan.
      const p = plan as Record<string, unknown> | null;
      if (
        typeof p !== "object" ||
        p === null ||
        Array.isArray(p) ||
        typeof p.format_version !== "string" ||
        typeof p.terraform_version !== "string" ||
        typeof p.configuration !== "object"
      ) {
        throw new Error(`--plan-json ${file} is not a plan (no format_version, terraform_version and configuration of \`<engine> show -json PLANFILE\`)`);
      }
      process.stdout.write(summarizePlan(plan as PlanJson));
      return 0;
    }
    const stackDir = argv[0];
    if (!stackDir) throw new Error("usage: plan-summary STACK_DIR (e.g. cdktf.out/stacks/cutter-runtime) | --plan-json FILE");
    process.stdout.write(summarizePlan(planJsonOf(path.resolve(stackDir), env)));
    return 0;
  } catch (error) {
    process.stderr.write(`cutter-runtime plan-summary: ${(error as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2), process.env);
}
