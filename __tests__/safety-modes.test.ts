/**
 * Modes can be tightened, never loosened: every way a mode reaches the stack
 * (RuntimeTree, RuntimeDirectories, ManagedFile, PermissionCommand, a raw
 * local_file under the guard) refuses looser modes and special bits with one
 * clear error naming the prop, the value and the rule.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { LocalProvider } from "../constructs/local-provider";
import { TerraformStack, Testing } from "../constructs/cdk";
import { testApp } from "./support/test-app";
import { ManagedFile, PermissionCommand, RuntimeDirectories, RuntimeTree } from "../constructs";

function synthWith(build: (stack: TerraformStack) => void): any {
  const stack = new TerraformStack(testApp(), "modes");
  new LocalProvider(stack, "local");
  build(stack);
  return JSON.parse(Testing.synth(stack, true));
}

/** Bad directory modes with the reason the error must give. */
const BAD_DIRECTORY_MODES: Array<[string, RegExp]> = [
  ["0755", /world access is refused/],
  ["0770", /group\/world write is refused/],
  ["0751", /world access is refused/],
  ["0777", /group\/world write is refused/],
  ["2750", /setuid\/setgid\/sticky bits are refused/],
  ["4750", /setuid\/setgid\/sticky bits are refused/],
  ["1750", /setuid\/setgid\/sticky bits are refused/],
  ["0760", /group\/world write is refused/],
  ["750 ", /must be an octal mode/],
  ["0o750", /must be an octal mode/],
  ["rwxr-x---", /must be an octal mode/],
  ["", /must be an octal mode/],
  ["07500", /must be an octal mode/],
  ["0758", /must be an octal mode/],
  ["-0750", /must be an octal mode/],
];
const BAD_FILE_MODES: Array<[string, RegExp]> = [
  ["0644", /world access is refused/],
  ["0660", /group\/world write is refused/],
  ["0650", /group bits beyond the ceiling/],
  ["0740", /owner bits beyond the ceiling/],
  ["0750", /owner bits beyond the ceiling/],
  ["4640", /setuid\/setgid\/sticky bits are refused/],
  ["2640", /setuid\/setgid\/sticky bits are refused/],
  ["1640", /setuid\/setgid\/sticky bits are refused/],
  ["0641", /world access is refused/],
  ["0666", /group\/world write is refused/],
  ["640;", /must be an octal mode/],
];

describe("directory modes: tightened yes, loosened never", () => {
  test("0750, 0700, 0550 and 0500 are accepted and reach the permission command", () => {
    for (const mode of ["0750", "0700", "0550", "0500", "750"]) {
      const json = synthWith((s) => new RuntimeDirectories(s, "D", { paths: ["/srv/cutter/runs"], mode }));
      const perms = Object.values<any>(json.resource.terraform_data).find((r) => r.triggers_replace.mode);
      assert.equal(perms.triggers_replace.mode, mode);
    }
  });
  for (const [mode, reason] of BAD_DIRECTORY_MODES) {
    test(`fails for ${JSON.stringify(mode)} through RuntimeTree.directoryMode and RuntimeDirectories.mode`, () => {
      const tree = () => synthWith((s) => new RuntimeTree(s, "T", { rootPath: "/srv/cutter", directoryMode: mode }));
      const dir = () => synthWith((s) => new RuntimeDirectories(s, "D", { paths: ["/srv/cutter/runs"], mode }));
      for (const build of [tree, dir]) {
        assert.throws(
          build,
          (e: Error) => e.message.includes(`mode: ${JSON.stringify(mode)}`) && reason.test(e.message) && /nothing was changed/.test(e.message),
        );
      }
    });
  }
});

describe("file modes: 0640 at most", () => {
  test("0640, 0600, 0440 and 0400 are accepted", () => {
    for (const mode of ["0640", "0600", "0440", "0400"]) {
      const json = synthWith((s) => new ManagedFile(s, "F", { path: "/srv/cutter/f", content: "x\n", mode }));
      assert.equal(Object.values<any>(json.resource.local_file)[0].file_permission, mode);
    }
  });
  for (const [mode, reason] of BAD_FILE_MODES) {
    test(`fails for ${JSON.stringify(mode)} through RuntimeTree.fileMode, ManagedFile.mode and PermissionCommand.mode`, () => {
      const tree = () => synthWith((s) => new RuntimeTree(s, "T", { rootPath: "/srv/cutter", fileMode: mode }));
      const file = () => synthWith((s) => new ManagedFile(s, "F", { path: "/srv/cutter/f", content: "x\n", mode }));
      const perm = () => synthWith((s) => new PermissionCommand(s, "P", { files: [{ path: "/srv/cutter/f" }], mode }));
      for (const build of [tree, file, perm]) {
        assert.throws(
          build,
          (e: Error) => e.message.includes(`mode: ${JSON.stringify(mode)}`) && reason.test(e.message) && /nothing was changed/.test(e.message),
        );
      }
    });
  }
});
