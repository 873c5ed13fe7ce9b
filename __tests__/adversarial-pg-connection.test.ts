/**
 * The pure checks behind the pg backend and saved plans, fed hostile input directly
 * (fast, no engine): connection strings in every form lib/pq reads, with the value
 * never in a message; redaction; the raw-cdktf rule; the engine's failure wording; the
 * plan-file reader's refusals. The end-to-end behaviour is in adversarial-pg-backend
 * and adversarial-plans-*.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { stateFailureHint } from "../cli/engine-failures";
import { checkConnectionString, redact, secretsOf } from "../app/pg-connection";
import { ArchiveError } from "../cli/plan-archive";
import { backendDifferences, decodeMsgpack, planFacts, readZip } from "../cli/plan-file";
import { checkRawCliStateConnection } from "../app/raw-cli-state";
import { backendField, forgeZip, msgpackMap, pbVarint } from "./support/forge";

const SECRET = "Xy7Qp2Lm9Tz4";

describe("connection strings", () => {
  test("accepted: URLs with encoded reserved characters, IPv6 hosts, no port, key=value with quotes", () => {
    for (const good of [
      `postgres://cutter:${encodeURIComponent("p#ss/w?rd@%")}@db.internal:5432/cutter_state?sslmode=verify-full`,
      "postgresql://cutter@[::1]:5432/cutter_state",
      "postgres://cutter:pw@localhost/cutter_state",
      "postgres:///cutter_state?host=/run/postgresql",
      `host=db.internal port=5432 user=cutter password='a b\\'c' dbname=cutter_state sslmode=require`,
    ]) {
      assert.deepEqual(checkConnectionString(good).problems, [], good);
    }
  });

  test("refused, each with its rule and without the value: everything that makes Go's URL parser or lib/pq quote the string", () => {
    const cases: Array<[string, RegExp]> = [
      [`postgres://cutter:${SECRET}#1@h:5432/d`, /"#"/],
      [`postgres://cutter:${SECRET}@h:54x2/d`, /port/],
      [`postgres://cutter:${SECRET}@h:99999/d`, /port/],
      [`postgres://cutter:${SECRET}%G1@h/d`, /"%"/],
      [`postgres://cutter:${SECRET}/x@h/d`, /port|host/],
      [`postgres://cutter:${SECRET}?x@h/d`, /port|host/],
      [`postgres://cutter:${SECRET}[x@h/d`, /percent-encoded/],
      [`postgres://cutter:${SECRET} x@h/d`, /space/],
      [`postgres://cutter:${SECRET}\u00e9@h/d`, /non-ASCII/],
      [`postgres://cutter:${SECRET}@h/d?sslmode=allow`, /sslmode/],
      [`postgres://cutter:${SECRET}@h/d?a;b=1`, /query parameter/],
      [`Postgres://cutter:${SECRET}@h/d`, /another scheme/],
      [`mysql://cutter:${SECRET}@h/d`, /another scheme/],
      [`host=h password=${SECRET} ${SECRET}`, /neither a postgres:\/\/ URL nor key=value/],
      [`host=h password='${SECRET}`, /not closed/],
      [`host=h port=5x password=${SECRET}`, /port/],
      ["   ", /empty/],
    ];
    for (const [bad, rule] of cases) {
      const { problems } = checkConnectionString(bad);
      assert.ok(problems.length > 0, `refused: ${JSON.stringify(bad)}`);
      assert.match(problems.join("; "), rule, bad);
      for (let i = 0; i + 4 <= SECRET.length; i++)
        assert.ok(!problems.join(" ").includes(SECRET.slice(i, i + 4)), `no piece of the password in: ${problems.join("; ")}`);
    }
  });

  test("redaction hides the string and its password as written and as decoded", () => {
    const conn = `postgres://cutter:${encodeURIComponent("S3cr#t!pw")}@h:5432/d`;
    const secrets = secretsOf(conn);
    const text = `parse "${conn}": x; password S3cr#t!pw; raw S3cr%23t!pw`;
    const out = redact(text, secrets);
    assert.doesNotMatch(out, /S3cr/);
    assert.match(out, /\(redacted\)/);
    assert.deepEqual(secretsOf(undefined), []);
  });
});

describe("the raw cdktf CLI's connection (item 9)", () => {
  const env = (extra: Record<string, string>) => ({
    CUTTER_HOSTS_DIR: "none",
    CUTTER_RUNTIME_ROOT: "/tmp/cutter-unit/cutter",
    CUTTER_STATE_BACKEND: "pg",
    ...extra,
  });
  test("refuses a stack whose variable is not what PG_CONN_STR holds, or PG_CONN_STR unset; accepts the same value; never quotes either", () => {
    assert.throws(
      () =>
        checkRawCliStateConnection(
          env({ CUTTER_STATE_PG_CONN_ENV: "MY_CONN", MY_CONN: "postgres://a:pw1secret@h/d", PG_CONN_STR: "postgres://a:pw2secret@h/other" }),
        ),
      (e: Error) => {
        assert.match(e.message, /via MY_CONN, which holds another connection string: the engine run by cdktf reads PG_CONN_STR instead/);
        assert.doesNotMatch(e.message, /pw1secret|pw2secret/);
        return true;
      },
    );
    assert.throws(
      () => checkRawCliStateConnection(env({ CUTTER_STATE_PG_CONN_ENV: "MY_CONN", MY_CONN: "postgres://a:pw1secret@h/d" })),
      /PG_CONN_STR, which the engine reads when cdktf runs it, is not set/,
    );
    assert.throws(
      () => checkRawCliStateConnection(env({ PG_CONN_STR: `postgres://a:${SECRET}#@h/d` })),
      /the PostgreSQL connection string in PG_CONN_STR holds "#"/,
    );
    checkRawCliStateConnection(env({ CUTTER_STATE_PG_CONN_ENV: "MY_CONN", MY_CONN: "postgres://a:pw@h/d", PG_CONN_STR: "postgres://a:pw@h/d" }));
    checkRawCliStateConnection(env({ PG_CONN_STR: "postgres://a:pw@h/d" }));
    // The operator CLI hands each stack its own variable: nothing to check at its synth.
    checkRawCliStateConnection(env({ CUTTER_STATE_PG_CONN_ENV: "MY_CONN", CUTTER_SYNTH_BY_OPERATOR_CLI: "1" }));
  });
});

describe("engine failures told apart (item 6)", () => {
  test("a dead server is not a lock, a lock is not a privilege", () => {
    const dead =
      "Error: Error releasing the state lock\n\nError message: dial tcp 127.0.0.1:5432: connect: connection refused\n\nLock Info:\n  ID: x\n  Path: -1\n";
    assert.match(stateFailureHint(dead), /could not be reached/);
    assert.doesNotMatch(stateFailureHint(dead), /locked by another/);
    const acquiringDead = "Error: Error acquiring the state lock\n\nError message: dial tcp: lookup db: no such host\n";
    assert.match(stateFailureHint(acquiringDead), /could not be reached/);
    const held = "Error: Error acquiring the state lock\n\nError message: Workspace is already locked: default\nLock Info:\n  ID: x\n  Path: 12\n";
    assert.match(stateFailureHint(held), /locked by another plan or deploy/);
    assert.match(stateFailureHint("Error saving state: pq: permission denied for sequence global_states_id_seq"), /privilege the pg backend needs/);
    assert.equal(stateFailureHint("Error: something else"), "");
  });
});

describe("the engine plan file reader", () => {
  const zip = (members: Array<[string, Buffer]>) => forgeZip(members);
  const allowed = ["tfplan", "tfconfig/m-/cdk.tf.json"];
  test("refuses unexpected, duplicate, oversized and damaged members, and data around the archive", () => {
    const ok = zip([["tfplan", Buffer.from("x")]]);
    assert.equal(readZip(ok, allowed, 1024, 1024).get("tfplan")!.toString(), "x");
    const refuse = (buf: Buffer, pattern: RegExp, limit = 1024) =>
      assert.throws(
        () => readZip(buf, allowed, limit, limit),
        (e: Error) => e instanceof ArchiveError && pattern.test(e.message),
      );
    refuse(zip([["tfconfig/m-/evil.tf.json", Buffer.from("{}")]]), /holds "tfconfig\/m-\/evil\.tf\.json", which is not part/);
    refuse(
      zip([
        ["tfplan", Buffer.from("a")],
        ["tfplan", Buffer.from("b")],
      ]),
      /holds "tfplan" twice/,
    );
    refuse(zip([["tfplan", Buffer.alloc(2048)]]), /is 2048 bytes; the limit is 1024/);
    refuse(Buffer.concat([Buffer.from("junk"), ok]), /central directory is not where its end record says/);
    refuse(Buffer.concat([ok, Buffer.from("junk")]), /end record last/);
    const flipped = Buffer.from(ok);
    flipped[flipped.indexOf(Buffer.from("x"), 30)] = 0x79;
    refuse(flipped, /fails its size or CRC check/);
  });

  test("reads the mode, narrowing fields and backend of tfplan; a backend that differs is named without quoting a connection string", () => {
    const facts = planFacts(Buffer.concat([pbVarint(17, 1), backendField("pg", { conn_str: "postgres://x:topsecret@h/d", schema_name: "other" })]));
    assert.equal(facts.mode, "destroy");
    const problems = backendDifferences(facts, { pg: { schema_name: "cutter_runtime" } });
    assert.deepEqual(problems, [
      "backend conn_str: plan (a connection string), synthesized null",
      'backend schema_name: plan "other", synthesized "cutter_runtime"',
    ]);
    assert.throws(() => planFacts(Buffer.concat([backendField("local", {}), backendField("local", {})])), /holds field 13 2 times/);
    assert.deepEqual(planFacts(Buffer.concat([Buffer.from([0x2a, 1, 0x41])])).narrowing, ["-target addresses"]);
    assert.deepEqual(decodeMsgpack(msgpackMap({ a: null, b: "c" })), Object.assign(Object.create(null), { a: null, b: "c" }));
    assert.throws(() => decodeMsgpack(Buffer.from([0x82, 0xa1, 0x61, 0xc0, 0xa1, 0x61, 0xc0])), /key "a" twice/);
  });
});
