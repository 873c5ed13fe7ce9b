/**
 * What an engine plan file holds, read the way the engine reads it.
 *
 * A plan file (Terraform 1.11 and OpenTofu 1.10 alike, internal/plans/planfile) is a zip
 * archive: `tfplan` (protobuf: the changes, the mode, the backend and its settings),
 * `tfstate` and `tfstate-prev` (the prior state), `tfconfig/modules.json` and
 * `tfconfig/m-<module>/<file>` (the configuration the engine applies: not the archived
 * cdk.tf.json) and `.terraform.lock.hcl`. The engine reads the central directory and takes
 * member data at each local header, as read here; a file read here differently from the
 * engine (a duplicate name, a comment or data around the archive, zip64, encryption) is
 * refused rather than guessed at.
 */
import * as zlib from "zlib";
import { ArchiveError } from "./plan-archive";

/** The members an engine plan file of a cutter stack may hold (a root module of one file). */
export const PLAN_FILE_MEMBERS = ["tfplan", "tfstate", "tfstate-prev", "tfconfig/modules.json", "tfconfig/m-/cdk.tf.json", ".terraform.lock.hcl"] as const;
/** True for the module manifest (`tfconfig/modules.json`) of a configuration made of the root module only. */
export function isRootModuleOnly(modules: unknown): boolean {
  if (!Array.isArray(modules) || modules.length !== 1) return false;
  const [root] = modules;
  if (typeof root !== "object" || root === null) return false;
  const allowed: Record<string, unknown> = { Key: "", Dir: ".", Source: "", Version: "" };
  return root.Key === "" && root.Dir === "." && Object.entries(root).every(([key, value]) => key in allowed && value === allowed[key]);
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(data: Buffer): number {
  let c = 0xffffffff;
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * The members of a zip archive: exactly the names in `allowed` (each at most once),
 * stored or deflated, CRC and sizes checked, each under `memberLimit` and all under
 * `totalLimit`. Throws ArchiveError naming the problem.
 */
export function readZip(zip: Buffer, allowed: readonly string[], memberLimit: number, totalLimit: number): Map<string, Buffer> {
  const EOCD = 0x06054b50;
  const eocd = zip.length - 22;
  // Terraform and OpenTofu write no archive comment: the end record is the last 22 bytes.
  if (eocd < 0 || zip.readUInt32LE(eocd) !== EOCD)
    throw new ArchiveError("it is not a zip archive with the end record last (an engine plan file has no comment or trailing data)");
  const entries = zip.readUInt16LE(eocd + 10);
  const cdSize = zip.readUInt32LE(eocd + 12);
  const cdOffset = zip.readUInt32LE(eocd + 16);
  if (zip.readUInt16LE(eocd + 4) !== 0 || zip.readUInt16LE(eocd + 6) !== 0 || zip.readUInt16LE(eocd + 8) !== entries)
    throw new ArchiveError("it is a multi-part zip archive");
  if (entries === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) throw new ArchiveError("it is a zip64 archive");
  if (cdOffset + cdSize !== eocd) throw new ArchiveError("its central directory is not where its end record says (data around the archive)");
  const members = new Map<string, Buffer>();
  let total = 0;
  let at = cdOffset;
  for (let i = 0; i < entries; i++) {
    if (at + 46 > eocd || zip.readUInt32LE(at) !== 0x02014b50) throw new ArchiveError("its central directory is damaged");
    const flags = zip.readUInt16LE(at + 8);
    const method = zip.readUInt16LE(at + 10);
    const crc = zip.readUInt32LE(at + 16);
    const compressedSize = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localOffset = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString("utf8");
    at += 46 + nameLength + extraLength + commentLength;
    const shown = JSON.stringify(name.length > 120 ? name.slice(0, 117) + "..." : name);
    if (!allowed.includes(name))
      throw new ArchiveError(`it holds ${shown}, which is not part of the plan of a cutter stack (expected only ${allowed.join(", ")})`);
    if (members.has(name)) throw new ArchiveError(`it holds ${shown} twice`);
    if (flags & 0x1) throw new ArchiveError(`${shown} is encrypted`);
    if (method !== 0 && method !== 8) throw new ArchiveError(`${shown} uses zip compression method ${method}`);
    if (size > memberLimit) throw new ArchiveError(`${shown} is ${size} bytes; the limit is ${memberLimit}`);
    total += size;
    if (total > totalLimit) throw new ArchiveError(`its members expand to more than ${totalLimit} bytes`);
    if (localOffset + 30 > cdOffset || zip.readUInt32LE(localOffset) !== 0x04034b50) throw new ArchiveError(`the local header of ${shown} is damaged`);
    const dataStart = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
    if (dataStart + compressedSize > cdOffset) throw new ArchiveError(`the data of ${shown} runs past the archive`);
    const raw = zip.subarray(dataStart, dataStart + compressedSize);
    let data: Buffer;
    try {
      data = method === 0 ? Buffer.from(raw) : zlib.inflateRawSync(raw, { maxOutputLength: Math.max(size, 1) });
    } catch {
      throw new ArchiveError(`${shown} does not decompress to its recorded size`);
    }
    if (data.length !== size || crc32(data) !== crc) throw new ArchiveError(`${shown} fails its size or CRC check`);
    members.set(name, data);
  }
  if (at !== eocd) throw new ArchiveError("its central directory has trailing bytes");
  return members;
}

// --- protobuf (wire format only: the few fields read here) -----------------------------

interface Field {
  readonly number: number;
  readonly wire: number;
  readonly varint?: bigint;
  readonly bytes?: Buffer;
}

function readVarint(buf: Buffer, at: number): [bigint, number] {
  let value = 0n;
  for (let shift = 0n, i = 0; i < 10; i++, shift += 7n) {
    if (at >= buf.length) throw new ArchiveError("tfplan is truncated");
    const byte = buf[at++];
    value |= BigInt(byte & 0x7f) << shift;
    if (!(byte & 0x80)) return [value, at];
  }
  throw new ArchiveError("tfplan has an overlong varint");
}

/** The top-level fields of a protobuf message, in order. */
export function protobufFields(buf: Buffer): Field[] {
  const fields: Field[] = [];
  let at = 0;
  while (at < buf.length) {
    let key: bigint;
    [key, at] = readVarint(buf, at);
    const number = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (wire === 0) {
      let value: bigint;
      [value, at] = readVarint(buf, at);
      fields.push({ number, wire, varint: value });
    } else if (wire === 2) {
      let length: bigint;
      [length, at] = readVarint(buf, at);
      if (BigInt(at) + length > BigInt(buf.length)) throw new ArchiveError("tfplan is truncated");
      fields.push({ number, wire, bytes: buf.subarray(at, at + Number(length)) });
      at += Number(length);
    } else if (wire === 1 || wire === 5) {
      const size = wire === 1 ? 8 : 4;
      if (at + size > buf.length) throw new ArchiveError("tfplan is truncated");
      fields.push({ number, wire, bytes: buf.subarray(at, at + size) });
      at += size;
    } else {
      throw new ArchiveError(`tfplan uses protobuf wire type ${wire}`);
    }
  }
  return fields;
}

// --- msgpack (the subset cty writes for a backend's settings) --------------------------

/** A cty value as msgpack encodes it; an unknown value is `{ unknown: true }`. */
export type MsgpackValue = null | boolean | number | string | Buffer | MsgpackValue[] | { [key: string]: MsgpackValue } | { unknown: true };

export function decodeMsgpack(buf: Buffer): MsgpackValue {
  let at = 0;
  const need = (n: number) => {
    if (at + n > buf.length) throw new ArchiveError("a msgpack value in tfplan is truncated");
  };
  const uint = (n: number): number => {
    need(n);
    const v = n === 1 ? buf.readUInt8(at) : n === 2 ? buf.readUInt16BE(at) : n === 4 ? buf.readUInt32BE(at) : Number(buf.readBigUInt64BE(at));
    at += n;
    return v;
  };
  const int = (n: number): number => {
    need(n);
    const v = n === 1 ? buf.readInt8(at) : n === 2 ? buf.readInt16BE(at) : n === 4 ? buf.readInt32BE(at) : Number(buf.readBigInt64BE(at));
    at += n;
    return v;
  };
  const bytes = (n: number): Buffer => {
    need(n);
    const b = buf.subarray(at, at + n);
    at += n;
    return b;
  };
  const value = (depth: number): MsgpackValue => {
    if (depth > 32) throw new ArchiveError("a msgpack value in tfplan is nested too deep");
    const t = uint(1);
    if (t <= 0x7f) return t;
    if (t >= 0xe0) return t - 0x100;
    if (t >= 0xa0 && t <= 0xbf) return bytes(t - 0xa0).toString("utf8");
    if (t >= 0x90 && t <= 0x9f) return array(t - 0x90, depth);
    if (t >= 0x80 && t <= 0x8f) return map(t - 0x80, depth);
    switch (t) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xcc:
        return uint(1);
      case 0xcd:
        return uint(2);
      case 0xce:
        return uint(4);
      case 0xcf:
        return uint(8);
      case 0xd0:
        return int(1);
      case 0xd1:
        return int(2);
      case 0xd2:
        return int(4);
      case 0xd3:
        return int(8);
      case 0xca: {
        need(4);
        const v = buf.readFloatBE(at);
        at += 4;
        return v;
      }
      case 0xcb: {
        need(8);
        const v = buf.readDoubleBE(at);
        at += 8;
        return v;
      }
      case 0xd9:
        return bytes(uint(1)).toString("utf8");
      case 0xda:
        return bytes(uint(2)).toString("utf8");
      case 0xdb:
        return bytes(uint(4)).toString("utf8");
      case 0xc4:
        return Buffer.from(bytes(uint(1)));
      case 0xc5:
        return Buffer.from(bytes(uint(2)));
      case 0xc6:
        return Buffer.from(bytes(uint(4)));
      case 0xdc:
        return array(uint(2), depth);
      case 0xdd:
        return array(uint(4), depth);
      case 0xde:
        return map(uint(2), depth);
      case 0xdf:
        return map(uint(4), depth);
      case 0xd4:
      case 0xd5:
      case 0xd6:
      case 0xd7:
      case 0xd8:
        bytes(1 + (1 << (t - 0xd4)));
        return { unknown: true };
      case 0xc7:
      case 0xc8:
      case 0xc9: {
        const n = uint(t === 0xc7 ? 1 : t === 0xc8 ? 2 : 4);
        bytes(1 + n);
        return { unknown: true };
      }
      default:
        throw new ArchiveError(`tfplan holds an unknown msgpack type 0x${t.toString(16)}`);
    }
  };
  const array = (n: number, depth: number): MsgpackValue[] => {
    const out: MsgpackValue[] = [];
    for (let i = 0; i < n; i++) out.push(value(depth + 1));
    return out;
  };
  const map = (n: number, depth: number): { [key: string]: MsgpackValue } => {
    const out: { [key: string]: MsgpackValue } = Object.create(null);
    for (let i = 0; i < n; i++) {
      const key = value(depth + 1);
      if (typeof key !== "string") throw new ArchiveError("tfplan holds a msgpack map with a non-string key");
      if (key in out) throw new ArchiveError(`tfplan holds a msgpack map with key ${JSON.stringify(key)} twice`);
      out[key] = value(depth + 1);
    }
    return out;
  };
  const result = value(0);
  if (at !== buf.length) throw new ArchiveError("a msgpack value in tfplan has trailing bytes");
  return result;
}

// --- tfplan ------------------------------------------------------------------------------

/** The planning modes of tfplan's `ui_mode` (field 17). */
const MODES = ["normal", "destroy", "refresh-only"];

/** What cutter checks in an engine's tfplan before applying it. */
export interface PlanFacts {
  readonly mode: string;
  readonly errored: boolean;
  readonly engineVersion: string;
  readonly backend?: { readonly type: string; readonly config: { [key: string]: MsgpackValue }; readonly workspace: string };
  /** Fields that make a plan other than "the whole configuration, as configured" (targets, variables, ...). */
  readonly narrowing: string[];
  /** A state_store (Terraform >= 1.13) instead of a backend. */
  readonly stateStore: boolean;
}

/** Fields of tfplan's Plan message that would narrow or parameterise a plan; none are in a cutter plan. */
const NARROWING_FIELDS: Record<number, string> = {
  2: "input variables",
  5: "-target addresses",
  6: "-exclude addresses",
  16: "-replace addresses",
  28: "apply-time variables",
  32: "action targets",
};

/** The single occurrence of field `n` (protobuf would merge repeats; the engine's reading is not guessed at). */
function single(fields: readonly Field[], n: number, where: string): Field | undefined {
  const found = fields.filter((f) => f.number === n);
  if (found.length > 1) throw new ArchiveError(`${where} holds field ${n} ${found.length} times`);
  return found[0];
}

export function planFacts(tfplan: Buffer): PlanFacts {
  const fields = protobufFields(tfplan);
  const one = (n: number) => single(fields, n, "tfplan");
  const text = (f?: Field) => (f?.bytes ? f.bytes.toString("utf8") : "");
  const modeValue = Number(one(17)?.varint ?? 0n);
  const narrowing = [...new Set(fields.filter((f) => f.number in NARROWING_FIELDS).map((f) => NARROWING_FIELDS[f.number]))];
  let backend: PlanFacts["backend"];
  const backendField = one(13);
  if (backendField?.bytes) {
    const b = protobufFields(backendField.bytes);
    const last = (n: number) => single(b, n, "tfplan's backend");
    const dynamic = last(2)?.bytes ? protobufFields(last(2)!.bytes!) : [];
    const packed = single(dynamic, 1, "tfplan's backend settings")?.bytes;
    const config = packed ? decodeMsgpack(packed) : null;
    if (config === null || typeof config !== "object" || Array.isArray(config) || Buffer.isBuffer(config) || "unknown" in config) {
      throw new ArchiveError("tfplan's backend settings are not an object");
    }
    backend = { type: text(last(1)), config: config as { [key: string]: MsgpackValue }, workspace: text(last(3)) };
  }
  return {
    mode: MODES[modeValue] ?? `mode ${modeValue}`,
    errored: (one(20)?.varint ?? 0n) !== 0n,
    engineVersion: text(one(14)),
    backend,
    narrowing,
    stateStore: one(29) !== undefined,
  };
}

/**
 * Differences between the backend a plan will use and the backend synthesized now
 * (`terraform.backend` of cdk.tf.json: one type, its settings). Settings the engine
 * leaves unset (null) in the plan come from its environment; a set one must match.
 */
export function backendDifferences(facts: PlanFacts, synthesized: Record<string, Record<string, unknown>> | undefined): string[] {
  const [type, settings] = Object.entries(synthesized ?? {})[0] ?? ["(none)", {}];
  if (facts.stateStore) return ["the plan uses a state_store, not the synthesized backend"];
  if (!facts.backend) return ["the plan names no backend"];
  const problems: string[] = [];
  if (facts.backend.type !== type) problems.push(`backend type: plan ${JSON.stringify(facts.backend.type)}, synthesized ${JSON.stringify(type)}`);
  if (facts.backend.workspace !== "default") problems.push(`workspace: plan ${JSON.stringify(facts.backend.workspace)}, cutter stacks use only "default"`);
  const keys = new Set([...Object.keys(facts.backend.config), ...Object.keys(settings)]);
  for (const key of [...keys].sort()) {
    const planned = facts.backend.config[key] ?? null;
    const wanted = (settings as Record<string, unknown>)[key] ?? null;
    if (JSON.stringify(planned) !== JSON.stringify(wanted)) {
      // Never echo a connection string: it would hold credentials.
      const show = (v: unknown) => (key === "conn_str" && v !== null ? "(a connection string)" : JSON.stringify(v));
      problems.push(`backend ${key}: plan ${show(planned)}, synthesized ${show(wanted)}`);
    }
  }
  return problems;
}
