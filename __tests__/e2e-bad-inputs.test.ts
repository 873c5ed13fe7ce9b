/** Bad inputs fail at synth with a clear message, through the real CLI, and create nothing. */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { after, before, describe, test } from "node:test";
import { TempHost } from "./support/harness";

describe("bad inputs fail at synth and create nothing", () => {
  let host: TempHost;
  before(() => (host = new TempHost()));
  after(() => host.dispose());

  const cases: Array<[string, Record<string, string>, RegExp]> = [
    ["a relative root", { CUTTER_RUNTIME_ROOT: "var/lib/cutter" }, /CUTTER_RUNTIME_ROOT: "var\/lib\/cutter" must be an absolute path/],
    ["a root containing ..", { CUTTER_RUNTIME_ROOT: "/tmp/x/../cutter" }, /CUTTER_RUNTIME_ROOT: "\/tmp\/x\/..\/cutter" must be normalised/],
    ["an owner with a space", { CUTTER_OWNER: "ro ot" }, /CUTTER_OWNER: "ro ot" must be a POSIX user\/group name/],
    ["an owner with ;", { CUTTER_OWNER: "root;touch /tmp/PWNED" }, /CUTTER_OWNER: "root;touch \/tmp\/PWNED" must be a POSIX/],
    ["an env-file path that is not absolute", { CUTTER_ENV_FILE: "docker/.env" }, /CUTTER_ENV_FILE: "docker\/.env" must be an absolute path/],
  ];
  for (const [what, env, message] of cases) {
    test(`fails for ${what}`, () => {
      const result = host.cdktf("deploy", [], env);
      assert.notEqual(result.code, 0);
      assert.match(result.output, message);
      assert.match(result.output, /nothing was changed/);
      assert.equal(fs.existsSync(host.root), false, "no root created");
      assert.equal(fs.existsSync(host.statePath), false, "no state written");
      assert.equal(fs.existsSync("/tmp/PWNED"), false);
    });
  }
});
