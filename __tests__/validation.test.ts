import assert from "node:assert/strict";
import * as os from "node:os";
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
  test("accepts a directory named cutter* below /var/lib, /srv, /opt or a temp dir", () => {
    for (const ok of [
      "/var/lib/cutter",
      "/srv/cutter-staging",
      "/opt/incomex/cutter",
      "/tmp/cutter-e2e-Ab12/cutter",
      "/var/tmp/x/cutter2",
      `${os.tmpdir()}/cutter-hosts-x/alpha/cutter`,
    ]) {
      assert.equal(runtimeRootRule(ok), undefined, ok);
    }
  });

  test("refuses system and package directories, with the rule in the message (issue 10 item 11)", () => {
    const name =
      /is not allowed: its name "[^"]*" does not start with "cutter"; a runtime root must be a directory named cutter\* strictly below \/var\/lib, \/srv, \/opt, \/tmp, \/var\/tmp/;
    for (const bad of [
      "/etc/ssh",
      "/etc/cron.d",
      "/root/.ssh",
      "/var/lib/dpkg",
      "/var/lib/apt",
      "/var/lib/postgresql",
      "/dev/shm",
      "/var/lib",
      "/etc",
      "/opt/vendor",
      "/srv/www",
    ]) {
      assert.match(runtimeRootRule(bad) ?? "accepted", name, bad);
    }
    const place = /is not allowed: it is not below an allowed directory; a runtime root must be a directory named cutter\*/;
    for (const bad of ["/etc/cutter", "/root/cutter", "/dev/shm/cutter", "/home/op/cutter", "/cutter", "/usr/local/cutter", "/run/cutter", "/var/cutter"]) {
      assert.match(runtimeRootRule(bad) ?? "accepted", place, bad);
    }
    assert.match(runtimeRootRule("/var/lib/cutter-runtime") ?? "accepted", /\/var\/lib\/cutter-runtime holds cutter-runtime's own state and ownership records/);
    assert.match(runtimeRootRule("/var/lib/cutter-runtime/cutter") ?? "accepted", /own state and ownership records/);
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
