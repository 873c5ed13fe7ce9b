/**
 * Forged saved plans against a deployed tree (issue 16 items 1-3 and own attacks): the
 * engine applies what is inside its plan file, so every forgery here keeps a manifest
 * that matches (anyone who can write the archive can do that) and is refused because
 * deploy reads the plan file itself: its configuration, its settings, its changes, and
 * what a plan made now would do. After each refusal the tree, the state and the victims
 * outside are exactly as they were, and no command of the forgery ran.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { TempHost, expectSuccess, snapshot } from "./support/harness";
import { cutter } from "./support/operator";
import { archiveMembers, backendField, forgeArchive, forgeZip, replaceInZip, rewriteTfplan, zipMembers } from "./support/forge";
import { Victims } from "./support/safety";

const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

describe("forged saved plans against a deployed tree", () => {
  let host: TempHost;
  let victims: Victims;
  let reviewed: Buffer;
  let tree: ReturnType<typeof snapshot>;
  let state: Buffer;
  const file = (name: string) => path.join(host.dir, name);
  const marker = () => path.join(victims.dir, "forgery-ran");
  /** An engine plan file made in the stack directory with `args` (and the config as it is there). */
  const enginePlan = (name: string, args: string[] = [], env: Record<string, string> = {}) => {
    const out = file(`${name}.tfplan`);
    expectSuccess(host.engine(["plan", "-input=false", "-no-color", `-out=${out}`, ...args], env), `engine plan ${name}`);
    return fs.readFileSync(out);
  };
  /** The engine's reading of a plan file (what an attacker puts in review.json to match it). */
  const reading = (plan: Buffer) => {
    const at = file(`reading-${sha256(plan).slice(0, 8)}.tfplan`);
    fs.writeFileSync(at, plan);
    return Buffer.from(expectSuccess(host.engine(["show", "-json", at]), "show -json").stdout);
  };
  const deploy = (archive: Buffer, extra: string[] = [], env: Record<string, string> = {}) => {
    const at = file(`forged-${sha256(archive).slice(0, 12)}.tgz`);
    fs.writeFileSync(at, archive);
    return cutter(host, ["deploy", "--plan", at, ...extra], env);
  };
  const assertRefused = (result: ReturnType<typeof deploy>, pattern: RegExp) => {
    assert.equal(result.code, 1, result.output.slice(-3000));
    assert.match(result.output, pattern);
    assert.match(result.output, /nothing was changed/);
    assert.doesNotMatch(result.output, /Apply complete|Applying the saved plan/);
    assert.deepEqual(snapshot(host.root), tree, "the tree is exactly as deployed");
    assert.deepEqual(fs.readFileSync(host.statePath), state, "the state is untouched");
    assert.equal(fs.existsSync(marker()), false, "no command of the forgery ran");
    victims.assertUntouched();
  };

  before(() => {
    host = new TempHost();
    victims = new Victims();
    expectSuccess(cutter(host, ["deploy"]), "deploy");
    expectSuccess(cutter(host, ["plan", "--out", file("reviewed.tgz")]), "the reviewed plan (0 changes)");
    reviewed = fs.readFileSync(file("reviewed.tgz"));
    tree = snapshot(host.root);
    state = fs.readFileSync(host.statePath);
  });
  after(() => {
    host.dispose();
    victims.dispose();
  });

  test("item 1: a reviewed 0-change archive whose plan file is swapped for a destroy plan of the same state is refused", () => {
    const destroyPlan = enginePlan("destroy", ["-destroy"]);
    // The plan file says what it is.
    assertRefused(deploy(forgeArchive(reviewed, { "plan.tfplan": destroyPlan })), /it is a destroy plan; deploy applies only normal plans/);
    // With the mode field cut out of tfplan: the engine's reading of it is not the review record.
    const members = zipMembers(destroyPlan);
    const tfplan = members.find(([name]) => name === "tfplan")![1];
    const unmarked = replaceInZip(destroyPlan, { tfplan: rewriteTfplan(tfplan, [17]) });
    assertRefused(deploy(forgeArchive(reviewed, { "plan.tfplan": unmarked })), /the engine reads its plan file differently from the review record/);
    // And with the review record forged to match: a plan made now from the same code and state deletes nothing.
    const result = deploy(forgeArchive(reviewed, { "plan.tfplan": unmarked, "review.json": reading(unmarked) }));
    assertRefused(result, /it does not do what the configuration synthesized now does with the current state and tree/);
    assert.match(result.output, /terraform_data\.directories: delete -> no-op/);
  });

  test("item 1: with the reviewed digest passed out of band, any other archive is refused before it is read", () => {
    const destroyPlan = fs.readFileSync(file("destroy.tfplan"));
    const forged = forgeArchive(reviewed, { "plan.tfplan": destroyPlan, "review.json": reading(destroyPlan) });
    const result = deploy(forged, ["--sha256", sha256(reviewed)]);
    assertRefused(result, new RegExp(`it is not the reviewed archive: its sha256 is ${sha256(forged)}, the review recorded ${sha256(reviewed)}`));
  });

  test("item 2: a plan of the configuration plus one extra terraform_data with a local-exec is refused; the command never runs", () => {
    const evil = { resource: { terraform_data: { evil: { provisioner: [{ "local-exec": { command: `touch ${marker()}` } }] } } } };
    // As a second file beside cdk.tf.json: the plan file carries it as tfconfig/m-/evil.tf.json.
    const second = path.join(host.stackDir, "evil.tf.json");
    fs.writeFileSync(second, JSON.stringify(evil));
    let extraFile: Buffer;
    try {
      extraFile = enginePlan("extra-file");
    } finally {
      fs.rmSync(second);
    }
    assertRefused(
      deploy(forgeArchive(reviewed, { "plan.tfplan": extraFile })),
      /its engine plan file is not the plan of a cutter stack: it holds "tfconfig\/m-\/evil\.tf\.json"/,
    );
    // Merged into cdk.tf.json inside the plan file, while the archived cdk.tf.json stays the reviewed one.
    const config = path.join(host.stackDir, "cdk.tf.json");
    const original = fs.readFileSync(config);
    const merged = JSON.parse(original.toString("utf8"));
    merged.resource.terraform_data.evil = evil.resource.terraform_data.evil;
    fs.writeFileSync(config, JSON.stringify(merged, null, 2));
    let mergedPlan: Buffer;
    try {
      mergedPlan = enginePlan("merged");
    } finally {
      fs.writeFileSync(config, original);
    }
    const result = deploy(forgeArchive(reviewed, { "plan.tfplan": mergedPlan, "review.json": reading(mergedPlan) }));
    assertRefused(result, /the engine's plan file holds another configuration than the one synthesized now/);
    assert.match(result.output, /resource\.terraform_data\.evil: \(absent\) -> /);
  });

  test("item 3: the plan of another root and state in this stack's archive is refused; the other tree and state are not created", () => {
    const other = new TempHost();
    try {
      expectSuccess(cutter(other, ["plan", "--out", path.join(other.dir, "other.tgz")]), "plan of another root");
      const result = deploy(fs.readFileSync(path.join(other.dir, "other.tgz")));
      assertRefused(result, /the code or the inputs changed since the plan was made/);
      assert.match(result.output, new RegExp(`"${other.root}`));
      // Only the backend changed inside tfplan (the configuration is this stack's): another state file.
      const plan = archiveMembers(reviewed).get("plan.tfplan")!;
      const tfplan = zipMembers(plan).find(([name]) => name === "tfplan")![1];
      const redirected = replaceInZip(plan, { tfplan: rewriteTfplan(tfplan, [13], [backendField("local", { path: other.statePath, workspace_dir: null })]) });
      const backend = deploy(forgeArchive(reviewed, { "plan.tfplan": redirected }));
      assertRefused(backend, /the plan is for another state than the one synthesized now/);
      assert.match(backend.output, new RegExp(`backend path: plan "${other.statePath}", synthesized "${host.statePath}"`));
      // Another workspace of the same backend.
      const workspace = replaceInZip(plan, {
        tfplan: rewriteTfplan(tfplan, [13], [backendField("local", { path: host.statePath, workspace_dir: null }, "elsewhere")]),
      });
      assertRefused(deploy(forgeArchive(reviewed, { "plan.tfplan": workspace })), /workspace: plan "elsewhere", cutter stacks use only "default"/);
      assert.equal(fs.existsSync(other.root), false, "the other tree was not created");
      assert.equal(fs.existsSync(other.statePath), false, "the other state was not written");
    } finally {
      other.dispose();
    }
  });

  test("own attacks: a -target plan, a -replace plan, a duplicate configuration member, a zip comment, and a plan file from another engine version are refused", () => {
    const addresses = JSON.parse(expectSuccess(host.engine(["show", "-json"]), "show state").stdout).values.root_module.resources.map((r: any) => r.address);
    const readme = addresses.find((a: string) => a === "local_file.readme");
    const target = enginePlan("target", [`-target=${readme}`]);
    assertRefused(
      deploy(forgeArchive(reviewed, { "plan.tfplan": target, "review.json": reading(target) })),
      /the plan is narrowed or parameterised \(-target addresses\)/,
    );
    // Terraform 1.11 keeps no -replace list in tfplan (only a reason per change): the plan made now tells.
    const replace = enginePlan("replace", [`-replace=${readme}`]);
    const replaced = deploy(forgeArchive(reviewed, { "plan.tfplan": replace, "review.json": reading(replace) }));
    assertRefused(replaced, /it does not do what the configuration synthesized now does/);
    assert.match(replaced.output, new RegExp(`${readme.replace(/\./g, "\\.")}: delete\\+create -> no-op`));
    const plan = archiveMembers(reviewed).get("plan.tfplan")!;
    const members = zipMembers(plan);
    // Go's config reader keeps the last of two entries with one name; the plan reader the first tfplan.
    const duplicate = forgeZip([...members, ["tfconfig/m-/cdk.tf.json", Buffer.from("{}")]]);
    assertRefused(deploy(forgeArchive(reviewed, { "plan.tfplan": duplicate })), /it holds "tfconfig\/m-\/cdk\.tf\.json" twice/);
    assertRefused(deploy(forgeArchive(reviewed, { "plan.tfplan": forgeZip(members, "x") })), /not a zip archive with the end record last/);
    const tfplan = members.find(([name]) => name === "tfplan")![1];
    const version = replaceInZip(plan, { tfplan: rewriteTfplan(tfplan, [14], [Buffer.concat([Buffer.from([0x72, 6]), Buffer.from("1.99.0")])]) });
    assertRefused(deploy(forgeArchive(reviewed, { "plan.tfplan": version })), /the engine's plan file was made by version 1\.99\.0/);
  });

  test("own attacks: the tree changed between review and deploy, and the review record alone edited, are refused", () => {
    const runs = path.join(host.root, "runs");
    fs.chmodSync(runs, 0o777);
    tree = snapshot(host.root);
    try {
      const drifted = deploy(reviewed, ["--sha256", sha256(reviewed)]);
      assertRefused(drifted, /it does not do what the configuration synthesized now does with the current state and tree/);
      assert.match(drifted.output, /terraform_data\.directories: no-op -> /);
    } finally {
      fs.chmodSync(runs, 0o750);
      tree = snapshot(host.root);
    }
    const record = JSON.parse(archiveMembers(reviewed).get("review.json")!.toString("utf8"));
    record.resource_changes = record.resource_changes.filter((rc: any) => !rc.address.startsWith("local_file."));
    assertRefused(
      deploy(forgeArchive(reviewed, { "review.json": Buffer.from(JSON.stringify(record)) })),
      /the engine reads its plan file differently from the review record/,
    );
  });

  test("the reviewed archive with its digest applies, counting from the engine's reading of the plan file", () => {
    const applied = expectSuccess(deploy(reviewed, ["--sha256", sha256(reviewed)]), "deploy the reviewed plan");
    assert.match(applied.output, /0 to add, 0 to change, 0 to destroy \(the engine's reading of the plan file\)/);
    assert.doesNotMatch(applied.output, /No --sha256 given/);
    assert.deepEqual(snapshot(host.root), tree);
    const tampered = Buffer.from(reviewed);
    tampered[tampered.length - 1] ^= 1;
    const refused = deploy(tampered, ["--sha256", sha256(reviewed)]);
    assert.equal(refused.code, 1);
    assert.match(refused.output, /it is not the reviewed archive/);
    const malformed = cutter(host, ["deploy", "--plan", file("reviewed.tgz"), "--sha256", "XYZ"]);
    assert.match(malformed.output, /--sha256 "XYZ" must be 64 lowercase hex digits/);
  });
});
