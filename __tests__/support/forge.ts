/**
 * Forging saved plans as an attacker would: raw tar archives with any member type and
 * name, zip archives (engine plan files) with any members, tfplan protobufs with fields
 * removed or replaced, and cutter archives whose manifest is made to match.
 */
import { createHash } from "crypto";
import * as zlib from "zlib";
import { crc32 } from "../../cli/plan-file";
import { packArchive, unpackArchive } from "../../cli/plan-archive";

export const ARCHIVE_MEMBERS = ["manifest.json", "plan.tfplan", "stack/cdk.tf.json", "stack/.terraform.lock.hcl", "review.json"];

export interface TarMember {
  name: string;
  data?: Buffer;
  /** tar type flag: "0" file, "1" hard link, "2" symlink, "3" char device, "5" directory, "6" FIFO. @default "0" */
  type?: string;
  linkname?: string;
  /** Size written in the header (a lie is allowed). @default data.length */
  size?: number;
}

/** One ustar header block. */
export function tarHeader(m: TarMember): Buffer {
  const h = Buffer.alloc(512, 0);
  h.write(m.name.slice(0, 100), 0, "utf8");
  h.write("0000600\0", 100, "ascii");
  h.write("0000000\0", 108, "ascii");
  h.write("0000000\0", 116, "ascii");
  h.write((m.size ?? m.data?.length ?? 0).toString(8).padStart(11, "0") + "\0", 124, "ascii");
  h.write("00000000000\0", 136, "ascii");
  h.fill(" ", 148, 156);
  h.write(m.type ?? "0", 156, "ascii");
  if (m.linkname) h.write(m.linkname.slice(0, 100), 157, "utf8");
  h.write("ustar\0", 257, "ascii");
  h.write("00", 263, "ascii");
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, "0") + "\0 ", 148, "ascii");
  return h;
}

/** A gzipped tar of arbitrary members (links, FIFOs, devices, absolute or ".." names, duplicates). */
export function forgeTar(members: TarMember[]): Buffer {
  const parts: Buffer[] = [];
  for (const m of members) {
    parts.push(tarHeader(m));
    if (m.data && (m.type ?? "0") === "0") {
      parts.push(m.data);
      const pad = (512 - (m.data.length % 512)) % 512;
      if (pad) parts.push(Buffer.alloc(pad, 0));
    }
  }
  parts.push(Buffer.alloc(1024, 0));
  return zlib.gzipSync(Buffer.concat(parts));
}

/**
 * A small gzip stream that expands to `expandedBytes`: one tar header for `name`
 * claiming that size, then zeros, as concatenated gzip members of one compressed MiB.
 */
export function forgeBomb(name: string, expandedBytes: number): Buffer {
  const MiB = 1024 * 1024;
  const first = zlib.gzipSync(Buffer.concat([tarHeader({ name, size: expandedBytes }), Buffer.alloc(MiB - 512, 0)]), { level: 9 });
  const chunk = zlib.gzipSync(Buffer.alloc(MiB, 0), { level: 9 });
  const parts = [first];
  for (let n = MiB; n < expandedBytes; n += MiB) parts.push(chunk);
  return Buffer.concat(parts);
}

/** A zip archive (stored, no compression) of `members`, in order; duplicates allowed. */
export function forgeZip(members: Array<[string, Buffer]>, comment = ""): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of members) {
    const nameBytes = Buffer.from(name, "utf8");
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, data);
    centrals.push(central, nameBytes);
    offset += 30 + nameBytes.length + data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  end.writeUInt16LE(Buffer.byteLength(comment), 20);
  return Buffer.concat([...locals, cd, end, Buffer.from(comment)]);
}

/** The members of an engine plan file (a zip), in order, read with a plain zip reader. */
export function zipMembers(zip: Buffer): Array<[string, Buffer]> {
  const end = zip.length - 22;
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const out: Array<[string, Buffer]> = [];
  for (let i = 0; i < count; i++) {
    const method = zip.readUInt16LE(at + 10);
    const compressed = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extra = zip.readUInt16LE(at + 30);
    const comment = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString("utf8");
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(start, start + compressed);
    out.push([name, method === 8 ? zlib.inflateRawSync(raw) : Buffer.from(raw)]);
    at += 46 + nameLength + extra + comment;
  }
  return out;
}

function varint(n: number): Buffer {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Buffer.from(out);
}

/** The top-level fields of a protobuf message as raw (key + value) byte ranges, by field number. */
function rawFields(buf: Buffer): Array<{ number: number; raw: Buffer }> {
  const out: Array<{ number: number; raw: Buffer }> = [];
  let at = 0;
  const readVarint = () => {
    let v = 0;
    let mul = 1;
    for (;;) {
      const b = buf[at++];
      v += (b & 0x7f) * mul;
      mul *= 128;
      if (!(b & 0x80)) return v;
    }
  };
  while (at < buf.length) {
    const start = at;
    const key = readVarint();
    const wire = key & 7;
    if (wire === 0) readVarint();
    else if (wire === 2) {
      const length = readVarint();
      at += length;
    } else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    out.push({ number: Math.floor(key / 8), raw: buf.subarray(start, at) });
  }
  return out;
}

/** A length-delimited protobuf field. */
export function pbBytes(number: number, value: Buffer): Buffer {
  return Buffer.concat([varint(number * 8 + 2), varint(value.length), value]);
}

/** A varint protobuf field. */
export function pbVarint(number: number, value: number): Buffer {
  return Buffer.concat([varint(number * 8), varint(value)]);
}

/** tfplan with the given top-level fields dropped and `extra` (encoded fields) appended. */
export function rewriteTfplan(tfplan: Buffer, drop: number[], extra: Buffer[] = []): Buffer {
  return Buffer.concat([
    ...rawFields(tfplan)
      .filter((f) => !drop.includes(f.number))
      .map((f) => f.raw),
    ...extra,
  ]);
}

/** msgpack of a flat map of strings and nulls (what a backend's settings are). */
export function msgpackMap(map: Record<string, string | null>): Buffer {
  const entries = Object.entries(map);
  const parts: Buffer[] = [Buffer.from([0x80 | entries.length])];
  const str = (s: string) => {
    const b = Buffer.from(s, "utf8");
    return b.length < 32 ? Buffer.concat([Buffer.from([0xa0 | b.length]), b]) : Buffer.concat([Buffer.from([0xd9, b.length]), b]);
  };
  for (const [k, v] of entries) parts.push(str(k), v === null ? Buffer.from([0xc0]) : str(v));
  return Buffer.concat(parts);
}

/** tfplan's Backend field (13) for `type`, `config` and `workspace`. */
export function backendField(type: string, config: Record<string, string | null>, workspace = "default"): Buffer {
  const dynamic = pbBytes(1, msgpackMap(config));
  return pbBytes(13, Buffer.concat([pbBytes(1, Buffer.from(type)), pbBytes(2, dynamic), pbBytes(3, Buffer.from(workspace))]));
}

/** The members of a cutter archive (read with the CLI's own reader: forging starts from a genuine one). */
export function archiveMembers(archive: Buffer): Map<string, Buffer> {
  return unpackArchive(archive, ARCHIVE_MEMBERS);
}

/**
 * A cutter archive from `members` with some replaced, and a manifest whose digests match
 * them (what anyone who can write the archive can do).
 */
export function forgeArchive(original: Buffer, replace: Record<string, Buffer>): Buffer {
  const members = archiveMembers(original);
  for (const [name, data] of Object.entries(replace)) members.set(name, data);
  const manifest = JSON.parse(members.get("manifest.json")!.toString("utf8"));
  for (const name of ARCHIVE_MEMBERS.filter((n) => n !== "manifest.json"))
    manifest.sha256[name] = createHash("sha256").update(members.get(name)!).digest("hex");
  if (!replace["manifest.json"]) members.set("manifest.json", Buffer.from(JSON.stringify(manifest, null, 2) + "\n"));
  return packArchive(ARCHIVE_MEMBERS.map((name) => ({ name, data: members.get(name)! })));
}

/** An engine plan file with some members replaced (order kept; new ones appended). */
export function replaceInZip(zip: Buffer, replace: Record<string, Buffer>): Buffer {
  const members = zipMembers(zip).map(([name, data]): [string, Buffer] => [name, replace[name] ?? data]);
  for (const [name, data] of Object.entries(replace)) if (!members.some(([n]) => n === name)) members.push([name, data]);
  return forgeZip(members);
}
