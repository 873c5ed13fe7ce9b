/**
 * Adversarial (item 13): hostile host files. Prototype keys, duplicate keys, values of
 * the wrong type, nesting thousands deep, a link to a secrets file, a FIFO, a huge
 * file, invalid UTF-8, files others can write: each is refused before anything runs,
 * naming the file and the field, never printing a value the reader did not recognise,
 * never with a stack trace or a hang.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { readHostFiles, resolveStackSpecs } from "../constructs";
import { expectSuccess, idOf, run } from "./support/harness";
import { TempHosts } from "./support/operator";
import { assertOneLineError } from "./support/state-faults";

const SECRET = "hunter2-Sup3rS3cret-value";

/** The message readHostFiles throws for a directory holding the files `write` makes. */
function refusal(write: (dir: string) => void): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cutter-hostile-hosts-"));
  try {
    write(dir);
    try {
      readHostFiles(dir, dir);
    } catch (error) {
      return (error as Error).message;
    }
    assert.fail("the host files were accepted");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function hostFile(dir: string, text: string, name = "bad"): string {
  const file = path.join(dir, `${name}.json`);
  fs.writeFileSync(file, text);
  return file;
}

describe("item 13: hostile host files are refused, naming file and field, never a value", () => {
  for (const key of ["__proto__", "constructor", "toString", "valueOf", "hasOwnProperty", "__defineGetter__"]) {
    for (const where of ["top", "state"] as const) {
      test(`a ${where}-level key ${key}`, () => {
        const text =
          where === "top" ? `{"runtimeRoot": "/srv/cutter", "${key}": "${SECRET}"}` : `{"state": {"backend": "local", "${key}": {"x": "${SECRET}"}}}`;
        const message = refusal((dir) => hostFile(dir, text));
        const field = where === "top" ? key : `state.${key}`;
        assert.ok(message.includes(`bad.json: "${field}" is not a known field (its value is not shown)`), message);
        assert.ok(!message.includes(SECRET), message);
      });
    }
  }

  test("an unknown field's value is never printed (a misspelt field holding a password)", () => {
    const message = refusal((dir) =>
      hostFile(dir, JSON.stringify({ runtimeRoot: "/srv/cutter", pasword: SECRET, state: { pgConnString: `postgres://u:${SECRET}@db/x` } })),
    );
    assert.match(message, /bad\.json: "pasword" is not a known field \(its value is not shown\)/);
    assert.match(message, /bad\.json: "state\.pgConnString" is not a known field \(its value is not shown\)/);
    assert.ok(!message.includes(SECRET), message);
  });

  const wrongTypes: Array<[string, unknown, RegExp]> = [
    ["an object", { a: { b: SECRET } }, /bad\.json: owner: must be a string, not an object/],
    ["an array", [SECRET], /bad\.json: owner: must be a string, not an array/],
    ["a number", 0, /bad\.json: owner: 0 must be a string/],
    ["null", null, /bad\.json: owner: null must be a string/],
    ["a boolean", true, /bad\.json: owner: true must be a string/],
  ];
  for (const [what, value, message] of wrongTypes) {
    test(`${what} where a string belongs is reported by field name`, () => {
      const text = refusal((dir) => hostFile(dir, JSON.stringify({ owner: value })));
      assert.match(text, message);
      assert.ok(!text.includes(SECRET) && !text.includes("undefined"), text);
    });
  }

  test("state that is not an object, and a top level that is not an object, are named without their value", () => {
    assert.match(
      refusal((dir) => hostFile(dir, JSON.stringify({ state: SECRET }))),
      /bad\.json: state: must be an object with the fields backend, path, pgSchema, pgConnEnv, ownershipDir, auditLog, not a string/,
    );
    const top = refusal((dir) => hostFile(dir, JSON.stringify(SECRET)));
    assert.match(top, /bad\.json: must be a JSON object with the fields .*, not a string/);
    assert.ok(!top.includes(SECRET));
  });

  test("a duplicate key (JSON.parse would keep the last) is refused where it is, at the top and in state", () => {
    assert.match(
      refusal((dir) => hostFile(dir, '{"runtimeRoot": "/srv/a",\n "runtimeRoot": "/srv/b"}')),
      /bad\.json: is not valid JSON \(duplicate key "runtimeRoot" \(first at line 1 column 2\) at line 2 column 2\)/,
    );
    assert.match(
      refusal((dir) => hostFile(dir, '{"state": {"path": "/srv/a.tfstate", "path": "/etc/x"}}')),
      /duplicate key "state\.path"/,
    );
  });

  test("nesting 5000 deep is refused by depth, not by a stack overflow", () => {
    const message = refusal((dir) => hostFile(dir, `{"state": ${"[".repeat(5000)}${"]".repeat(5000)}}`));
    assert.match(message, /bad\.json: is not valid JSON \(nesting deeper than 8 levels \(below state(\[0\])+\) at line 1 column \d+\)/);
    assert.doesNotMatch(message, /Maximum call stack/);
  });

  test("syntax errors name line and column, not content", () => {
    assert.match(
      refusal((dir) => hostFile(dir, `{"owner": "root", // ${SECRET}\n}`)),
      /bad\.json: is not valid JSON \(unexpected character "\/"; expected a key in double quotes at line 1 column 19\)/,
    );
    assert.match(
      refusal((dir) => hostFile(dir, `{"owner": "root"} ${SECRET}`)),
      /unexpected character "h" after the JSON value at line 1 column 19/,
    );
    assert.match(
      refusal((dir) => hostFile(dir, "")),
      /unexpected end of input at line 1 column 1/,
    );
    assert.ok(!refusal((dir) => hostFile(dir, `{"owner": "${SECRET}`)).includes(SECRET));
  });

  test("invalid UTF-8 and UTF-16 are refused; a UTF-8 byte order mark is accepted", () => {
    assert.match(
      refusal((dir) => fs.writeFileSync(path.join(dir, "bad.json"), Buffer.from([0x7b, 0xff, 0xfe, 0x7d]))),
      /bad\.json: is not valid UTF-8 text; save it as UTF-8/,
    );
    assert.match(
      refusal((dir) => fs.writeFileSync(path.join(dir, "bad.json"), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"owner":"root"}', "utf16le")]))),
      /bad\.json: is not valid UTF-8 text/,
    );
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cutter-bom-"));
    try {
      fs.writeFileSync(path.join(dir, "ok.json"), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"runtimeRoot": "/srv/cutter"}')]));
      assert.equal(readHostFiles(dir, dir)[0].inputs.rootPath, "/srv/cutter");
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  });

  test("a file larger than 64 KiB is refused before it is read", () => {
    assert.match(
      refusal((dir) => hostFile(dir, `{"owner": "root", "x": "${"a".repeat(70_000)}"}`)),
      /bad\.json: is 70\d{3} bytes; a host file is at most 65536 bytes/,
    );
  });

  test("a directory and a FIFO named like host files are refused (the FIFO is never opened)", () => {
    assert.match(
      refusal((dir) => fs.mkdirSync(path.join(dir, "bad.json"))),
      /bad\.json: is not a regular file/,
    );
    assert.match(
      refusal((dir) => expectSuccess(run("mkfifo", [path.join(dir, "bad.json")], { env: process.env }), "mkfifo")),
      /bad\.json: is not a regular file/,
    );
  });

  test("a host file owned by another user, or writable by others, is refused (it decides where root writes)", () => {
    assert.match(
      refusal((dir) => fs.chownSync(hostFile(dir, "{}"), idOf("user", "nobody"), 0)),
      /bad\.json: is owned by uid \d+, not by you \(uid 0\) or root; a host file decides where root writes/,
    );
    assert.match(
      refusal((dir) => fs.chmodSync(hostFile(dir, "{}"), 0o666)),
      /bad\.json: is writable by others \(mode 0666\)/,
    );
  });

  test("a hosts directory others can write is refused", () => {
    const project = fs.mkdtempSync(path.join(os.tmpdir(), "cutter-hostile-project-"));
    try {
      fs.mkdirSync(path.join(project, "hosts"));
      fs.writeFileSync(path.join(project, "hosts", "a.json"), "{}");
      fs.chmodSync(path.join(project, "hosts"), 0o777);
      assert.throws(
        () => resolveStackSpecs({}, project),
        /the hosts directory "hosts" is writable by others \(mode 0777\); anyone who can add a host file there decides where root writes/,
      );
      fs.chmodSync(path.join(project, "hosts"), 0o1777);
      assert.throws(() => resolveStackSpecs({}, project), /is writable by others \(mode 1777\)/);
    } finally {
      fs.rmSync(project, { recursive: true });
    }
  });
});

describe("item 13 through the operator command: one line, no value, no stack trace, no hang", () => {
  let hosts: TempHosts;
  before(() => (hosts = new TempHosts()));
  after(() => hosts.dispose());

  test("a host file that is a symbolic link to a secrets file: refused, the secret never printed", () => {
    const secrets = path.join(hosts.dir, "secrets.env");
    fs.writeFileSync(secrets, `{"runtimeRoot": "/srv/x", "password": "${SECRET}"}`);
    fs.symlinkSync(secrets, path.join(hosts.hostsDir, "prod.json"));
    try {
      const result = hosts.cutter(["plan", "prod"]);
      assertOneLineError(
        result,
        /^cutter: cutter-runtime host files in \S+ \(fix the files and fields named below\): 1 invalid value\(s\); nothing was changed\./,
      );
      assert.match(result.output, /prod\.json: is a symbolic link; host files are read only as regular files/);
      assert.ok(!result.output.includes(SECRET), result.output);
    } finally {
      fs.rmSync(path.join(hosts.hostsDir, "prod.json"));
    }
  });

  test("5000-deep nesting and a FIFO: one line each, in seconds", () => {
    hosts.write("deep", `{"runtimeRoot": ${"[".repeat(2500)}}`);
    expectSuccess(run("mkfifo", [path.join(hosts.hostsDir, "fifo.json")], { env: process.env }), "mkfifo");
    const started = Date.now();
    const result = hosts.cutter(["synth"]);
    assert.ok(Date.now() - started < 30_000, "no hang");
    assertOneLineError(result, /^cutter: cutter-runtime host files in \S+ \(fix the files and fields named below\): 2 invalid value\(s\)/);
    assert.match(result.output, /deep\.json: is not valid JSON \(nesting deeper than 8 levels/);
    assert.match(result.output, /fifo\.json: is not a regular file/);
  });
});
