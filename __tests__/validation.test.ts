import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { absolutePathRule, modeWithinRule, posixNameRule, runtimeRootRule } from "../constructs";

describe("absolutePathRule", () => {
  test("accepts absolute normalised paths of safe characters", () => {
    for (const ok of ["/var/lib/cutter", "/opt/incomex/docker/.env", "/srv/cutter_2/x-y.z"]) assert.equal(absolutePathRule(ok), undefined, ok);
  });
  test("fails for relative, non-normalised and unsafe paths", () => {
    const cases: Array<[string, RegExp]> = [
      ["var/lib/cutter", /absolute/],
      ["/var/lib/../etc", /normalised/],
      ["/var/./lib", /normalised/],
      ["/var//lib", /"\/\/"/],
      ["/var/lib/", /end with/],
      ["/", /must not be "\/"/],
      ["/tmp/a b", /unsafe segment/],
      ["/tmp/a;touch /tmp/PWNED", /unsafe segment/],
      ["/tmp/$(id)", /unsafe segment/],
      ["/tmp/`id`", /unsafe segment/],
      ["/tmp/a\nb", /unsafe segment/],
      ["/tmp/'q'", /unsafe segment/],
      ["/tmp/*", /unsafe segment/],
      ["/tmp/-rf", /unsafe segment/],
      ["/tmp/сutter", /unsafe segment/], // Cyrillic "с"
      ["/" + "a".repeat(300), /longer than 255/],
      ["/a".repeat(600), /limit is 1024/],
      ["", /non-empty/],
    ];
    for (const [value, rule] of cases) assert.match(absolutePathRule(value) ?? "accepted", rule, JSON.stringify(value));
  });
});

describe("runtimeRootRule", () => {
  test("refuses system directories and shallow roots", () => {
    assert.match(runtimeRootRule("/var/lib") ?? "", /system directory/);
    assert.match(runtimeRootRule("/etc") ?? "", /system directory/);
    assert.match(runtimeRootRule("/cutter") ?? "", /two levels/);
    assert.equal(runtimeRootRule("/var/lib/cutter"), undefined);
  });
});

describe("posixNameRule", () => {
  test("accepts POSIX names", () => {
    for (const ok of ["root", "nobody", "nogroup", "_svc", "cutter-run1"]) assert.equal(posixNameRule(ok), undefined, ok);
  });
  test("fails for spaces, shell syntax, uppercase, leading digits or dashes and long names", () => {
    for (const bad of ["ro ot", "root;id", "$(id)", "Root", "1abc", "-x", "a".repeat(33), "", "röot"]) {
      assert.match(posixNameRule(bad) ?? "accepted", /POSIX user\/group name/, JSON.stringify(bad));
    }
  });
});

describe("modeWithinRule", () => {
  test("allows the ceiling and tighter modes", () => {
    for (const ok of ["0750", "750", "0700", "0500"]) assert.equal(modeWithinRule(ok, 0o750), undefined, ok);
    assert.equal(modeWithinRule("0600", 0o640), undefined);
  });
  test("fails for looser modes, special bits and malformed modes", () => {
    assert.match(modeWithinRule("0755", 0o750) ?? "", /world access is refused/);
    assert.match(modeWithinRule("0770", 0o750) ?? "", /group\/world write is refused/);
    assert.match(modeWithinRule("2750", 0o750) ?? "", /setuid\/setgid\/sticky/);
    assert.match(modeWithinRule("0644", 0o640) ?? "", /world access/);
    assert.match(modeWithinRule("0660", 0o640) ?? "", /group\/world write/);
    for (const bad of ["rwx", "0999", "07500", "", "0o750"]) assert.match(modeWithinRule(bad, 0o750) ?? "", /octal mode/, bad);
  });
});
