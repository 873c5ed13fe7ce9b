/**
 * The example pipelines (examples/github-actions/*.yml) are ones a security reviewer can sign
 * (issue 16 items 10-13, issue 11 item 6). Each workflow is parsed (YAML, anchors resolved) and
 * held to rules that name what they protect against:
 *  - no pull request code on a host: which jobs run is computed by evaluating each job's `if`
 *    (and its needs) for a pull request, a push to another branch and a manual run on another
 *    branch; none of those may reach a self-hosted runner, an environment or a secret;
 *  - secrets only in the environment of the one step that uses them, in a job behind an
 *    environment; planning jobs get read-only credentials only;
 *  - the plan archive is downloaded outside the workspace, from this run only, and checked
 *    against the sha256 the plan job published before anything reads it; deploy applies it
 *    with that digest;
 *  - planning and applying never share a concurrency group; applying jobs of one host share one
 *    queue that never cancels (`queue: max`);
 *  - actions pinned by a full commit SHA with the tag in a comment; checkout without persisted
 *    credentials and without a ref of someone else's choosing; `npm ci --ignore-scripts` on hosts;
 *    no `${{ }}` inside a run script; read-only token permissions.
 * Every rule is also shown to catch the risk it is for: each mutation below re-introduces one
 * risk into a copy of the workflow and must produce that rule's problem.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import { parse } from "yaml";
import { hostStackName, readHostFiles } from "../constructs";
import { parseCommandLine } from "../cli/command-line";
import { parseArgs as parseVerifyArgs } from "../cli/verify";
import { REPO } from "./support/harness";

const DIR = path.join(REPO, "examples", "github-actions");
const WORKFLOWS = fs
  .readdirSync(DIR)
  .filter((f) => f.endsWith(".yml"))
  .sort();
const HOSTS = readHostFiles(path.join(REPO, "examples", "hosts"), REPO);
const PACKAGE_SCRIPTS: Record<string, string> = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")).scripts;

// ------------------------------------------------------------------ the workflow model
/* eslint-disable @typescript-eslint/no-explicit-any */
type Workflow = any;
type Job = any;
type Step = any;

const GITHUB_HOSTED = /^(ubuntu|windows|macos)-/;
const labels = (job: Job): string[] => (Array.isArray(job["runs-on"]) ? job["runs-on"] : [job["runs-on"]]).map(String);
const onHost = (job: Job): boolean => labels(job).some((l) => !GITHUB_HOSTED.test(l));
const hostOf = (job: Job): string | undefined =>
  labels(job)
    .map((l) => /^cutter-([a-z0-9-]+)$/.exec(l)?.[1])
    .find((h) => h !== undefined);
const environmentOf = (job: Job): string | undefined => (typeof job.environment === "object" && job.environment ? job.environment.name : job.environment);
const steps = (job: Job): Step[] => job.steps ?? [];
const uses = (step: Step): string => (typeof step.uses === "string" ? step.uses : "");
const isAction = (step: Step, name: string): boolean => uses(step).split("@")[0] === name;
const runText = (step: Step | undefined): string => (typeof step?.run === "string" ? step.run : "");
const APPLY = /\bnpm run (deploy|destroy)\b|\bcdktf (deploy|destroy)\b/;
const PLAN = /\bnpm run plan\b|\bcdktf (diff|plan)\b/;
const applies = (job: Job): boolean => steps(job).some((s: Step) => APPLY.test(runText(s)));
const plans = (job: Job): boolean => steps(job).some((s: Step) => PLAN.test(runText(s)));
const triggers = (wf: Workflow): string[] => (typeof wf.on === "string" ? [wf.on] : Array.isArray(wf.on) ? wf.on : Object.keys(wf.on ?? {}));

/** Every string in a value, with where it is. */
function strings(value: unknown, at: string, out: Array<[string, string]> = []): Array<[string, string]> {
  if (typeof value === "string") out.push([at, value]);
  else if (Array.isArray(value)) value.forEach((v, i) => strings(v, `${at}[${i}]`, out));
  else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) strings(v, `${at}.${k}`, out);
  return out;
}
const secretNames = (text: string): string[] => [...text.matchAll(/\bsecrets\.([A-Za-z0-9_]+)/g)].map((m) => m[1]);

// ------------------------------------------------------------------ GitHub expressions (the subset workflows use)
type Value = string | number | boolean | null | Record<string, unknown>;
interface EventContext {
  github: { event_name: string; ref: string };
  inputs: Record<string, string>;
}

function evaluate(expression: string, context: Record<string, unknown>, status: { success: boolean }): Value {
  const source = expression.trim().replace(/^\$\{\{([\s\S]*)\}\}$/, "$1");
  const tokens = [...source.matchAll(/\s*('(?:[^']|'')*'|==|!=|<=|>=|&&|\|\||[!()<>,]|[A-Za-z_][A-Za-z0-9_.-]*|\d+(?:\.\d+)?)/gy)].map((m) => m[1]);
  if (tokens.join("").replace(/\s/g, "") !== source.replace(/\s/g, "")) throw new Error(`cannot read the expression ${JSON.stringify(expression)}`);
  let i = 0;
  const peek = () => tokens[i];
  const take = (want?: string) => {
    const t = tokens[i++];
    if (want !== undefined && t !== want) throw new Error(`expected ${want} in ${JSON.stringify(expression)}, got ${t}`);
    return t;
  };
  const truthy = (v: Value) => !(v === false || v === null || v === 0 || v === "" || v === undefined);
  const equal = (a: Value, b: Value) => (typeof a === "string" && typeof b === "string" ? a.toLowerCase() === b.toLowerCase() : a === b);
  const functions: Record<string, (...args: Value[]) => Value> = {
    success: () => status.success,
    always: () => true,
    failure: () => false,
    cancelled: () => false,
    contains: (a, b) => String(a).toLowerCase().includes(String(b).toLowerCase()),
    startsWith: (a, b) => String(a).toLowerCase().startsWith(String(b).toLowerCase()),
    endsWith: (a, b) => String(a).toLowerCase().endsWith(String(b).toLowerCase()),
  };
  const primary = (): Value => {
    const t = take();
    if (t === "(") {
      const v = or();
      take(")");
      return v;
    }
    if (t === "!") return !truthy(primary());
    if (t.startsWith("'")) return t.slice(1, -1).replace(/''/g, "'");
    if (/^\d/.test(t)) return Number(t);
    if (t === "true" || t === "false") return t === "true";
    if (t === "null") return null;
    if (peek() === "(") {
      take("(");
      const args: Value[] = [];
      while (peek() !== ")") {
        args.push(or());
        if (peek() === ",") take(",");
      }
      take(")");
      const fn = functions[t];
      if (!fn) throw new Error(`unknown function ${t} in ${JSON.stringify(expression)}`);
      return fn(...args);
    }
    let v: unknown = context;
    for (const part of t.split(".")) v = v && typeof v === "object" ? (v as Record<string, unknown>)[part] : undefined;
    return (v ?? null) as Value;
  };
  const comparison = (): Value => {
    let v = primary();
    while (peek() === "==" || peek() === "!=") {
      const op = take();
      const w = primary();
      v = op === "==" ? equal(v, w) : !equal(v, w);
    }
    return v;
  };
  const and = (): Value => {
    let v = comparison();
    while (peek() === "&&") {
      take();
      const w = comparison();
      v = truthy(v) ? w : v;
    }
    return v;
  };
  const or = (): Value => {
    let v = and();
    while (peek() === "||") {
      take();
      const w = and();
      v = truthy(v) ? v : w;
    }
    return v;
  };
  const result = or();
  if (i !== tokens.length) throw new Error(`unexpected ${tokens[i]} in ${JSON.stringify(expression)}`);
  return result;
}

/** The jobs that run for an event: each job's `if` (implicitly `success() &&`) over its needs. */
function runningJobs(wf: Workflow, event: EventContext): string[] {
  const jobs: Record<string, Job> = wf.jobs ?? {};
  const ran = new Map<string, boolean>();
  const runs = (id: string, seen: string[] = []): boolean => {
    if (ran.has(id)) return ran.get(id)!;
    if (seen.includes(id)) throw new Error(`needs cycle through ${id}`);
    const job = jobs[id];
    const needs: string[] = job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs];
    const needsRan = needs.every((n) => runs(n, [...seen, id]));
    const condition = job.if === undefined ? "success()" : String(job.if);
    const statusFunction = /\b(success|always|failure|cancelled)\(\)/.test(condition);
    const value = evaluate(condition, event as unknown as Record<string, unknown>, { success: needsRan });
    const result = (statusFunction || needsRan) && !(value === false || value === null || value === 0 || value === "");
    ran.set(id, result);
    return result;
  };
  return Object.keys(jobs).filter((id) => runs(id));
}

function dispatchInputs(wf: Workflow): Array<Record<string, string>> {
  const inputs = wf.on?.workflow_dispatch?.inputs ?? {};
  const combos: Array<Record<string, string>> = [{}];
  for (const [name, spec] of Object.entries<any>(inputs)) {
    const options: string[] = spec.type === "choice" ? spec.options : [String(spec.default ?? "")];
    const next: Array<Record<string, string>> = [];
    for (const combo of combos) for (const o of options) next.push({ ...combo, [name]: o });
    combos.splice(0, combos.length, ...next);
  }
  return combos;
}

/** Events whose code or ref nobody reviewed onto main: none of their jobs may touch a host. */
function untrustedEvents(wf: Workflow): EventContext[] {
  return [
    { github: { event_name: "pull_request", ref: "refs/pull/7/merge" }, inputs: {} },
    { github: { event_name: "push", ref: "refs/heads/feature" }, inputs: {} },
    ...dispatchInputs(wf).map((inputs) => ({ github: { event_name: "workflow_dispatch", ref: "refs/heads/feature" }, inputs })),
  ];
}

// ------------------------------------------------------------------ the rules
/** Every problem of a workflow (its parsed form and its text), one line each. */
function problems(wf: Workflow, text: string): string[] {
  const found: string[] = [];
  const jobs: Record<string, Job> = wf.jobs ?? {};
  const problem = (line: string) => found.push(line);

  // Triggers that run with the base repository's secrets on someone else's code.
  for (const t of triggers(wf)) {
    if (["pull_request_target", "workflow_run", "issue_comment", "pull_request_review", "pull_request_review_comment"].includes(t)) {
      problem(`trigger ${t} runs privileged workflows on code nobody reviewed`);
    }
  }

  // Token permissions: read-only, declared once at the top.
  const top = wf.permissions;
  if (!top || typeof top !== "object" || Object.entries(top).some(([k, v]) => !(k === "contents" && v === "read"))) {
    problem(`workflow permissions must be exactly { contents: read }, got ${JSON.stringify(top)}`);
  }
  for (const [id, job] of Object.entries(jobs)) if (job.permissions !== undefined) problem(`${id}: job-level permissions ${JSON.stringify(job.permissions)}`);

  // Actions pinned by commit, the tag in a comment (checked on the text: the comment is not data).
  for (const [n, line] of text.split("\n").entries()) {
    const m = /^\s*(?:-\s+)?uses:\s*(\S+)\s*(?:#\s*(\S+))?/.exec(line);
    if (!m) continue;
    if (!/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(m[1])) problem(`line ${n + 1}: ${m[1]} is not pinned by a full commit SHA`);
    if (!m[2] || !/^v\d+(\.\d+)*$/.test(m[2])) problem(`line ${n + 1}: ${m[1]} has no tag comment (# vX.Y.Z)`);
  }
  if (/\bsecrets:\s*inherit\b/.test(text)) problem("secrets: inherit hands every secret on");

  // No pull request code (nor any unreviewed ref) on a host, near an environment or a secret.
  for (const event of untrustedEvents(wf)) {
    for (const id of runningJobs(wf, event)) {
      const job = jobs[id];
      const what = `${id} runs for ${event.github.event_name} on ${event.github.ref}`;
      if (onHost(job)) problem(`${what} on a self-hosted runner (${labels(job).join(", ")})`);
      if (environmentOf(job)) problem(`${what} in environment ${environmentOf(job)}`);
      const secrets = strings(job, id).flatMap(([, s]) => secretNames(s));
      if (secrets.length) problem(`${what} with secrets ${secrets.join(", ")}`);
    }
  }
  const trustedPush: EventContext = { github: { event_name: "push", ref: "refs/heads/main" }, inputs: {} };
  const onPush = runningJobs(wf, trustedPush);
  for (const host of HOSTS.map((h) => h.hostName!)) {
    const hostJobs = onPush.filter((id) => hostOf(jobs[id]) === host);
    if (!hostJobs.some((id) => plans(jobs[id]))) problem(`no job plans ${host} on a push to main`);
    if (!hostJobs.some((id) => applies(jobs[id]))) problem(`no job deploys ${host} on a push to main`);
  }

  for (const [id, job] of Object.entries(jobs)) {
    const env = environmentOf(job);
    const host = hostOf(job);
    if (applies(job) && plans(job)) problem(`${id} both plans and applies: the approval would not come between them`);

    // Secrets: only in a run step's own env, in a job behind an environment; planning gets read-only ones.
    for (const [at, s] of strings(job, id)) {
      for (const name of secretNames(s)) {
        if (!/^[^.]+\.steps\[\d+\]\.env\.[A-Za-z_][A-Za-z0-9_]*$/.test(at)) problem(`${at}: secret ${name} outside a step's env`);
        if (!env) problem(`${at}: secret ${name} in a job without an environment`);
        if (env && !applies(job) && !/_READONLY$/.test(name)) problem(`${at}: ${id} does not apply, yet gets the read-write secret ${name}`);
      }
    }
    if (onHost(job) && !env) problem(`${id} runs on a host without an environment (deployment branch rule, secrets)`);
    if (applies(job) && (!env || !host || env !== host))
      problem(`${id} applies outside the protected environment of its host (environment ${env}, host ${host})`);
    if (plans(job) && onHost(job) && env !== `${host}-plan`) problem(`${id} plans outside ${host}-plan (the read-only environment), in ${env}`);

    // Steps.
    const all = steps(job);
    for (const [n, step] of all.entries()) {
      const where = `${id}.steps[${n}]`;
      if (runText(step).includes("${{")) problem(`${where}: an expression inside a run script (pass values through env)`);
      if (isAction(step, "actions/checkout")) {
        if (step.with?.["persist-credentials"] !== false) problem(`${where}: actions/checkout without persist-credentials: false`);
        for (const key of ["ref", "repository"]) if (step.with?.[key] !== undefined) problem(`${where}: actions/checkout with ${key}: ${step.with[key]}`);
      }
      if (onHost(job) && /\bnpm (ci|install|i)\b/.test(runText(step)) && !/--ignore-scripts\b/.test(runText(step))) {
        problem(`${where}: npm on a host runs dependency install scripts (add --ignore-scripts)`);
      }
      if (isAction(step, "actions/download-artifact")) {
        const target = String(step.with?.path ?? "");
        if (!target.startsWith("${{ runner.temp }}")) problem(`${where}: artifact downloaded into the workspace (path: ${target || "default"})`);
        for (const key of ["run-id", "github-token", "repository", "pattern"])
          if (step.with?.[key] !== undefined) problem(`${where}: download-artifact ${key}: artifacts come from this run only`);
        if (step.with?.["digest-mismatch"] !== "error") problem(`${where}: download-artifact digest-mismatch must be error`);
      }
    }
    if (job.env && strings(job.env, "env").some(([, s]) => secretNames(s).length)) problem(`${id}: secrets in job env`);

    // The saved plan: published digest -> checked copy outside the workspace -> deploy with it.
    for (const [n, step] of all.entries()) {
      const m = /\bnpm run deploy -- (\S+) .*--plan "\$RUNNER_TEMP\/([^"]+)"/.exec(runText(step));
      if (!m && /\bnpm run deploy\b.*--plan\b/.test(runText(step))) problem(`${id}.steps[${n}]: --plan is not a file under $RUNNER_TEMP`);
      if (!m) continue;
      const [, , planFile] = m;
      const download = all.findIndex((s: Step) => isAction(s, "actions/download-artifact"));
      const check = all.findIndex((s: Step) => /sha256sum --check --strict\b/.test(runText(s)) && runText(s).includes(`$RUNNER_TEMP/${planFile}`));
      const firstNpm = all.findIndex((s: Step) => /\bnpm\b/.test(runText(s)));
      if (download < 0 || download > n) problem(`${id}: deploys ${planFile} without downloading it first`);
      if (check < 0 || check < download || check > firstNpm) problem(`${id}: ${planFile} is not checked against the plan job's sha256 before any npm step`);
      const digest = (s: Step | undefined) => /^\$\{\{ needs\.([\w-]+)\.outputs\.plan-sha256 \}\}$/.exec(String(s?.env?.PLAN_SHA256 ?? ""))?.[1];
      const from = digest(all[check]);
      if (!from || digest(step) !== from) problem(`${id}: the digest checked and the digest deployed do not both come from a plan job's plan-sha256 output`);
      if (!/--sha256 "\$PLAN_SHA256"/.test(runText(step))) problem(`${id}: deploy --plan without --sha256 "$PLAN_SHA256"`);
      const needs: string[] = [job.needs ?? []].flat();
      const planJob = from ? jobs[from] : undefined;
      if (from && !needs.includes(from)) problem(`${id}: takes the digest of ${from} without needing it`);
      if (planJob) {
        const outStep = /^\$\{\{ steps\.([\w-]+)\.outputs\.sha256 \}\}$/.exec(String(planJob.outputs?.["plan-sha256"] ?? ""))?.[1];
        const producer = steps(planJob).find((s: Step) => s.id === outStep);
        const out = /--out "\$RUNNER_TEMP\/([^"]+)"/.exec(runText(producer))?.[1];
        if (!producer || !/sha256=\$sha256" >> "\$GITHUB_OUTPUT"/.test(runText(producer)))
          problem(`${from}: plan-sha256 is not the sha256 its plan step computed`);
        if (out === undefined || path.basename(out) !== path.basename(planFile)) problem(`${from}: saves ${out}, but ${id} deploys ${planFile}`);
        if (hostOf(planJob) !== host) problem(`${id}: deploys a plan made on another host (${hostOf(planJob)})`);
      }
    }
  }

  // Queues: planning never shares a group with applying; one never-cancelling queue per host for applying.
  const group = (job: Job): string | undefined => (typeof job.concurrency === "string" ? job.concurrency : job.concurrency?.group);
  const applyGroups = new Map<string, string>();
  for (const [id, job] of Object.entries(jobs)) {
    if (!applies(job)) continue;
    const g = group(job);
    if (!g) problem(`${id} applies without a concurrency group`);
    else if (g.includes("${{")) problem(`${id}: concurrency group ${g} is not fixed per host`);
    if (typeof job.concurrency !== "object" || job.concurrency["cancel-in-progress"] !== false)
      problem(`${id}: an applying job must have cancel-in-progress: false`);
    if (typeof job.concurrency !== "object" || job.concurrency.queue !== "max")
      problem(`${id}: an applying job must queue (queue: max), or a newer run cancels a waiting one`);
    const host = hostOf(job) ?? "?";
    if (g && applyGroups.has(host) && applyGroups.get(host) !== g) problem(`${id}: applies to ${host} in group ${g}, another job in ${applyGroups.get(host)}`);
    if (g) applyGroups.set(host, g);
  }
  const applying = new Set(applyGroups.values());
  for (const [id, job] of Object.entries(jobs)) {
    if (applies(job)) continue;
    const g = group(job);
    if (g && applying.has(g)) problem(`${id} shares the concurrency group ${g} with applying jobs: it could cancel a waiting deploy`);
  }
  return found;
}

/** The operator commands in the workflow's run steps, with their job. */
function commands(wf: Workflow): Array<{ job: string; host?: string; line: string }> {
  const out: Array<{ job: string; host?: string; line: string }> = [];
  for (const [id, job] of Object.entries<Job>(wf.jobs)) {
    for (const step of steps(job)) {
      for (const line of runText(step).split("\n")) {
        if (/\bnpm run\b|\bcdktf\b/.test(line)) out.push({ job: id, host: hostOf(job), line: line.trim() });
      }
    }
  }
  return out;
}
const words = (line: string): string[] =>
  line
    .replace(/"\$RUNNER_TEMP([^"]*)"/g, "/runner/temp$1")
    .replace(/"\$PLAN_SHA256"/g, "0".repeat(64))
    .split(/\s+/)
    .filter(Boolean);

/** Does the CLI know deploy --sha256 yet (i16-plans adds it)? Until then the digest is checked by the workflow's own step. */
function cliKnowsSha256(): boolean {
  try {
    parseCommandLine(["deploy", "--plan", "p.tgz", "--sha256", "0".repeat(64)]);
    return true;
  } catch (error) {
    if (/--sha256/.test(String(error))) return false;
    throw error;
  }
}

// ------------------------------------------------------------------ the tests
for (const file of WORKFLOWS) {
  const text = fs.readFileSync(path.join(DIR, file), "utf8");
  const load = (): Workflow => parse(text);

  describe(`examples/github-actions/${file}`, () => {
    test("breaks none of the pipeline rules", () => {
      assert.deepEqual(problems(load(), text), []);
    });

    test("a pull request runs only the review job, on a GitHub-hosted runner, with no environment or secret", () => {
      const wf = load();
      const ran = runningJobs(wf, untrustedEvents(wf)[0]);
      assert.deepEqual(ran, ["review"]);
      const review = wf.jobs.review;
      assert.match(labels(review)[0], GITHUB_HOSTED);
      assert.ok(
        steps(review).some((s: Step) => /\bnpm ci\b/.test(runText(s))),
        "the review job installs and runs the pull request's code there",
      );
      for (const step of steps(review)) {
        const m = /dist\/__tests__\/\S+/g;
        for (const test of runText(step).match(m) ?? []) {
          assert.ok(fs.existsSync(path.join(REPO, test.replace(/^dist\//, "").replace(/\.js$/, ".ts"))), `${test} is a test of this repository`);
        }
      }
    });

    test("a push to main plans and deploys every host, staging before production; a manual run on main rolls back only the host asked", () => {
      const wf = load();
      const push = runningJobs(wf, { github: { event_name: "push", ref: "refs/heads/main" }, inputs: {} });
      for (const spec of HOSTS) {
        assert.ok(
          push.some((id) => hostOf(wf.jobs[id]) === spec.hostName && plans(wf.jobs[id])),
          `${spec.hostName} planned`,
        );
        assert.ok(
          push.some((id) => hostOf(wf.jobs[id]) === spec.hostName && applies(wf.jobs[id])),
          `${spec.hostName} deployed`,
        );
      }
      const deployProduction = push.find((id) => hostOf(wf.jobs[id]) === "production" && applies(wf.jobs[id]))!;
      const deployStaging = push.find((id) => hostOf(wf.jobs[id]) === "staging" && applies(wf.jobs[id]))!;
      assert.ok([wf.jobs[deployProduction].needs].flat().includes(deployStaging), "production waits for staging");
      for (const inputs of dispatchInputs(wf)) {
        const ran = runningJobs(wf, { github: { event_name: "workflow_dispatch", ref: "refs/heads/main" }, inputs });
        assert.deepEqual(
          ran.map((id) => hostOf(wf.jobs[id])),
          [inputs["rollback-host"]],
          `rollback of ${inputs["rollback-host"]} only`,
        );
        assert.ok(
          ran.every((id) => /destroy/.test(steps(wf.jobs[id]).map(runText).join("\n"))),
          "the manual run destroys",
        );
      }
    });

    test("each host job uses its own runner, its host file's connection variable and its own stack", () => {
      const wf = load();
      for (const [id, job] of Object.entries<Job>(wf.jobs)) {
        if (!onHost(job)) continue;
        const spec = HOSTS.find((h) => h.hostName === hostOf(job));
        assert.ok(spec, `${id}: runner label cutter-<host> of a host file`);
        const connVariables = steps(job).flatMap((s: Step) => Object.keys(s.env ?? {}).filter((k) => /PG_CONN/.test(k) && k !== "PG_CONN_STR"));
        for (const variable of connVariables)
          assert.equal(variable, spec!.inputs.statePgConnEnv, `${id}: ${variable} is what hosts/${spec!.hostName}.json names`);
        if (plans(job) || applies(job)) assert.equal(connVariables.length >= 1, true, `${id} gives the state connection to its command`);
        for (const step of steps(job)) {
          const cdktf = /cdktf (diff|deploy|destroy|plan) (\S+)/.exec(runText(step));
          if (!cdktf) continue;
          assert.equal(cdktf[2], hostStackName(spec!.hostName!), `${id}: cdktf acts on ${spec!.hostName}'s stack`);
          // cdktf synthesizes every stack of the hosts directory and hands each engine PG_CONN_STR:
          // the job synthesizes its own host only, and PG_CONN_STR is that host's connection.
          assert.equal(step.env?.CUTTER_HOSTS_DIR, "${{ runner.temp }}/hosts", `${id}: a hosts directory of its own`);
          const copies = [...runText(step).matchAll(/\bcp (\S+) "\$CUTTER_HOSTS_DIR\/"/g)].map((m) => m[1]);
          assert.deepEqual(copies, [`hosts/${spec!.hostName}.json`], `${id}: only ${spec!.hostName}'s host file`);
          assert.equal(step.env?.PG_CONN_STR, step.env?.[spec!.inputs.statePgConnEnv!], `${id}: the engine gets the host's own connection`);
        }
      }
    });

    test("every command parses as the CLI reads it, for the host of its job", () => {
      const wf = load();
      const withSha = cliKnowsSha256();
      const seen = new Set<string>();
      for (const { job, host, line } of commands(wf)) {
        const npm = /\bnpm run ([a-z]+)(?: -- (.*))?$/.exec(line);
        if (npm) {
          const [, script, rest = ""] = npm;
          seen.add(script);
          assert.ok(PACKAGE_SCRIPTS[script], `${job}: npm script ${script} exists`);
          const argv = words(rest);
          if (script === "setup" || script === "build") continue;
          if (script === "verify") {
            const parsed = parseVerifyArgs(argv);
            assert.equal(parsed.host, host);
            assert.equal(parsed.allowData, true, "verify after deploy allows data the runs wrote");
            continue;
          }
          // `--sha256 DIGEST`: the reviewed archive's digest (the interface assumed from i16-plans).
          const at = argv.indexOf("--sha256");
          if (at >= 0) assert.match(argv[at + 1], /^[0-9a-f]{64}$/);
          const parsed = parseCommandLine([script, ...(withSha || at < 0 ? argv : [...argv.slice(0, at), ...argv.slice(at + 2)])]);
          assert.equal(parsed.host, host, `${job}: ${line}`);
          if (script === "destroy") assert.equal(parsed.autoApprove, true, `${job}: no terminal in a pipeline, so destroy needs --auto-approve: ${line}`);
          continue;
        }
        const cdktf = /\bcdktf (synth|diff|deploy|destroy)\b(.*)$/.exec(line);
        assert.ok(cdktf, `${job}: an operator command: ${line}`);
        seen.add(`cdktf ${cdktf![1]}`);
        if (cdktf![1] === "deploy" || cdktf![1] === "destroy") assert.match(cdktf![2], /--auto-approve/, "no terminal in a pipeline");
        if (cdktf![1] !== "synth")
          assert.match(line, /^bash cli\/with-engine\.sh npx --no-install cdktf /, "the engine and provider verified first, the CLI from the lock file");
      }
      const saved = seen.has("deploy");
      assert.deepEqual(
        [...seen].filter((s) => s !== "build").sort(),
        saved ? ["deploy", "destroy", "plan", "setup", "synth", "verify"] : ["cdktf deploy", "cdktf destroy", "cdktf diff", "setup", "synth", "verify"],
      );
    });
  });
}

// ------------------------------------------------------------------ each rule catches its risk
describe("the rules catch each risk re-introduced into the saved-plan workflow", () => {
  const file = path.join(DIR, "cutter-runtime.yml");
  const text = fs.readFileSync(file, "utf8");
  const mutations: Array<{ risk: string; change: (wf: Workflow) => void; text?: (t: string) => string; expect: RegExp }> = [
    {
      risk: "issue 16 item 10: the plan job runs for pull requests on the host",
      change: (wf) => (wf.jobs["plan-staging"].if = "github.event_name == 'pull_request'"),
      expect: /plan-staging runs for pull_request .* on a self-hosted runner/,
    },
    {
      risk: "a host job without its own branch guard",
      change: (wf) => delete wf.jobs["plan-staging"].if,
      expect: /plan-staging runs for push on refs\/heads\/feature on a self-hosted runner/,
    },
    {
      risk: "the rollback can be dispatched from any branch",
      change: (wf) => (wf.jobs["rollback-staging"].if = "github.event_name == 'workflow_dispatch' && inputs.rollback-host == 'staging'"),
      expect: /rollback-staging runs for workflow_dispatch on refs\/heads\/feature/,
    },
    { risk: "a pull_request_target trigger", change: (wf) => (wf.on.pull_request_target = { branches: ["main"] }), expect: /trigger pull_request_target/ },
    {
      risk: "issue 16 item 11: connection strings in the pull request job",
      change: (wf) => (wf.jobs.review.env = { CUTTER_STAGING_PG_CONN: "${{ secrets.CUTTER_PG_CONN }}" }),
      expect: /review runs for pull_request .* with secrets CUTTER_PG_CONN/,
    },
    {
      risk: "a secret for every step of a job",
      change: (wf) => (wf.jobs["deploy-staging"].env = { CUTTER_STAGING_PG_CONN: "${{ secrets.CUTTER_PG_CONN }}" }),
      expect: /deploy-staging\.env\.CUTTER_STAGING_PG_CONN: secret CUTTER_PG_CONN outside a step's env/,
    },
    {
      risk: "read-write credentials for planning",
      change: (wf) => (wf.jobs["plan-staging"].steps.find((s: Step) => s.id === "plan").env.CUTTER_STAGING_PG_CONN = "${{ secrets.CUTTER_PG_CONN }}"),
      expect: /plan-staging does not apply, yet gets the read-write secret CUTTER_PG_CONN/,
    },
    {
      risk: "a deploy outside the protected environment",
      change: (wf) => delete wf.jobs["deploy-staging"].environment,
      expect: /deploy-staging applies outside the protected environment/,
    },
    {
      risk: "planning in the protected (read-write) environment",
      change: (wf) => (wf.jobs["plan-staging"].environment = "staging"),
      expect: /plan-staging plans outside staging-plan/,
    },
    {
      risk: "issue 16 item 13: the artifact downloaded over the workspace",
      change: (wf) => delete wf.jobs["deploy-staging"].steps.find((s: Step) => isAction(s, "actions/download-artifact")).with.path,
      expect: /artifact downloaded into the workspace/,
    },
    {
      risk: "an artifact from another run",
      change: (wf) =>
        (wf.jobs["deploy-staging"].steps.find((s: Step) => isAction(s, "actions/download-artifact")).with["run-id"] = "${{ github.event.workflow_run.id }}"),
      expect: /download-artifact run-id: artifacts come from this run only/,
    },
    {
      risk: "the digest check removed",
      change: (wf) => (wf.jobs["deploy-staging"].steps = wf.jobs["deploy-staging"].steps.filter((s: Step) => !/sha256sum --check/.test(runText(s)))),
      expect: /plan-staging\.tgz is not checked against the plan job's sha256/,
    },
    {
      risk: "the digest checked after npm ci ran",
      change: (wf) => {
        const s = wf.jobs["deploy-staging"].steps;
        const i = s.findIndex((x: Step) => /sha256sum --check/.test(runText(x)));
        s.push(s.splice(i, 1)[0]);
      },
      expect: /is not checked against the plan job's sha256 before any npm step/,
    },
    {
      risk: "deploy --plan without the reviewed digest",
      change: (wf) => {
        const s = wf.jobs["deploy-staging"].steps.find((x: Step) => /npm run deploy/.test(runText(x)));
        s.run = s.run.replace(/ --sha256 "\$PLAN_SHA256"/, "");
      },
      expect: /deploy --plan without --sha256/,
    },
    {
      risk: "a digest the plan job did not publish",
      change: (wf) => (wf.jobs["plan-staging"].outputs["plan-sha256"] = "${{ steps.checkout.outputs.commit }}"),
      expect: /plan-sha256 is not the sha256 its plan step computed/,
    },
    {
      risk: "issue 16 item 13: plan and deploy share one concurrency group",
      change: (wf) => (wf.jobs["plan-staging"].concurrency.group = "cutter-runtime-deploy-staging"),
      expect: /plan-staging shares the concurrency group cutter-runtime-deploy-staging with applying jobs/,
    },
    {
      risk: "a deploy that cancels the running one",
      change: (wf) => (wf.jobs["deploy-staging"].concurrency["cancel-in-progress"] = true),
      expect: /deploy-staging: an applying job must have cancel-in-progress: false/,
    },
    {
      risk: "a waiting deploy replaced by a newer one",
      change: (wf) => delete wf.jobs["deploy-staging"].concurrency.queue,
      expect: /deploy-staging: an applying job must queue/,
    },
    {
      risk: "rollback and deploy of one host in different queues",
      change: (wf) => (wf.jobs["rollback-staging"].concurrency = { ...wf.jobs["rollback-staging"].concurrency, group: "cutter-runtime-rollback-staging" }),
      expect: /applies to staging in group/,
    },
    {
      risk: "issue 16 item 13: an action pinned by tag",
      change: () => undefined,
      text: (t) => t.replace(/actions\/download-artifact@[0-9a-f]{40} # v8\.0\.1/, "actions/download-artifact@v8"),
      expect: /actions\/download-artifact@v8 is not pinned by a full commit SHA/,
    },
    {
      risk: "a pin without its tag",
      change: () => undefined,
      text: (t) => t.replace(/(actions\/upload-artifact@[0-9a-f]{40}) # v7\.0\.0/, "$1"),
      expect: /has no tag comment/,
    },
    {
      risk: "issue 16 item 13: checkout keeps the token on a persistent runner",
      change: (wf) => (wf.jobs["deploy-staging"].steps[0].with["persist-credentials"] = true),
      expect: /actions\/checkout without persist-credentials: false/,
    },
    {
      risk: "checkout of a ref someone else chooses",
      change: (wf) =>
        (wf.jobs["deploy-staging"].steps[0] = {
          ...wf.jobs["deploy-staging"].steps[0],
          with: { "persist-credentials": false, ref: "${{ github.event.pull_request.head.sha }}" },
        }),
      expect: /actions\/checkout with ref/,
    },
    {
      risk: "dependency install scripts as root on a host",
      change: (wf) => (wf.jobs["deploy-staging"].steps.find((s: Step) => /npm ci/.test(runText(s))).run = "npm ci --no-audit --no-fund"),
      expect: /npm on a host runs dependency install scripts/,
    },
    {
      risk: "script injection through an expression in run",
      change: (wf) => wf.jobs.review.steps.push({ run: 'echo "${{ github.event.pull_request.title }}"' }),
      expect: /an expression inside a run script/,
    },
    { risk: "a writable token", change: (wf) => (wf.permissions = "write-all"), expect: /workflow permissions must be exactly/ },
    {
      risk: "a job that plans and applies without an approval between",
      change: (wf) => wf.jobs["deploy-staging"].steps.push({ run: "npm run plan -- staging" }),
      expect: /deploy-staging both plans and applies/,
    },
  ];

  test("the unchanged workflow has no problem (so each problem below comes from its mutation)", () => {
    assert.deepEqual(problems(parse(text), text), []);
  });
  for (const mutation of mutations) {
    test(`catches: ${mutation.risk}`, () => {
      const changedText = mutation.text ? mutation.text(text) : text;
      assert.notEqual(mutation.text ? changedText : "changed", text, "the text mutation applies");
      const wf = parse(changedText);
      mutation.change(wf);
      const found = problems(wf, changedText);
      assert.ok(
        found.some((p) => mutation.expect.test(p)),
        `expected a problem matching ${mutation.expect}, got:\n${found.join("\n") || "(none)"}`,
      );
    });
  }
});
