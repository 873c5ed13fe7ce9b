/**
 * The saved-plan archive as bytes: a gzipped ustar archive of a fixed set of
 * regular files, written and read here in memory (no `tar` process, nothing
 * extracted by a general-purpose tool).
 *
 * Reading accepts exactly the expected member names, each once, each a regular
 * file, each and all under a size cap; a link, device, FIFO, directory, extended
 * header, absolute or `..` name, duplicate or unexpected member is refused by name
 * before anything is written to disk. Writing never follows a link and never uses
 * a predictable temporary name: the bytes go to a new file with a random name
 * (O_EXCL|O_NOFOLLOW, 0600) in the target's directory, which is then renamed over
 * the target (a rename replaces a link at the target, it does not write through it).
 */
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";

/** Largest archive file read (compressed). */
export const MAX_ARCHIVE_BYTES = 64 * 1024 * 1024;
/** Largest total of the members once decompressed. */
export const MAX_EXPANDED_BYTES = 64 * 1024 * 1024;
/** Largest single member. */
export const MAX_MEMBER_BYTES = 48 * 1024 * 1024;

const BLOCK = 512;

export class ArchiveError extends Error {}

function octal(value: number, width: number): Buffer {
  const text = value.toString(8).padStart(width - 1, "0") + "\0";
  if (text.length !== width) throw new ArchiveError(`value ${value} does not fit a tar header field`);
  return Buffer.from(text, "ascii");
}

function header(name: string, size: number, mtime: number): Buffer {
  const h = Buffer.alloc(BLOCK, 0);
  if (Buffer.byteLength(name) > 100) throw new ArchiveError(`member name ${name} is too long`);
  h.write(name, 0, "utf8");
  octal(0o600, 8).copy(h, 100);
  octal(0, 8).copy(h, 108);
  octal(0, 8).copy(h, 116);
  octal(size, 12).copy(h, 124);
  octal(mtime, 12).copy(h, 136);
  h.fill(" ", 148, 156);
  h.write("0", 156, "ascii");
  h.write("ustar\0", 257, "ascii");
  h.write("00", 263, "ascii");
  h.write("root", 265, "ascii");
  h.write("root", 297, "ascii");
  let sum = 0;
  for (const byte of h) sum += byte;
  Buffer.from(sum.toString(8).padStart(6, "0") + "\0 ", "ascii").copy(h, 148);
  return h;
}

/** A gzipped ustar archive of regular files (mode 0600, owner 0:0), in the order given. */
export function packArchive(members: ReadonlyArray<{ name: string; data: Buffer }>, mtime = Math.floor(Date.now() / 1000)): Buffer {
  const parts: Buffer[] = [];
  for (const { name, data } of members) {
    parts.push(header(name, data.length, mtime), data);
    const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
    if (pad) parts.push(Buffer.alloc(pad, 0));
  }
  parts.push(Buffer.alloc(2 * BLOCK, 0));
  return zlib.gzipSync(Buffer.concat(parts), { level: 9 });
}

const TYPE_NAMES: Record<string, string> = {
  "1": "a hard link",
  "2": "a symbolic link",
  "3": "a character device",
  "4": "a block device",
  "5": "a directory",
  "6": "a FIFO",
  "7": "a contiguous file",
  g: "a global extended header",
  x: "an extended header",
  L: "a GNU long name",
  K: "a GNU long link name",
};

function field(h: Buffer, start: number, length: number): string {
  const raw = h.subarray(start, start + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? length : end).toString("latin1");
}

function parseOctal(h: Buffer, start: number, length: number, what: string): number {
  if (h[start] & 0x80) throw new ArchiveError(`a member's ${what} is in base-256 form (not written by cutter)`);
  const text = field(h, start, length).trim();
  if (!/^[0-7]*$/.test(text)) throw new ArchiveError(`a member's ${what} field is not octal`);
  return text === "" ? 0 : parseInt(text, 8);
}

const shown = (name: string) => JSON.stringify(name.length > 120 ? name.slice(0, 117) + "..." : name);

/**
 * The members of a gzipped tar archive: exactly `expected` (each once), regular files
 * only, under the caps. Throws ArchiveError naming the first problem.
 */
export function unpackArchive(compressed: Buffer, expected: readonly string[]): Map<string, Buffer> {
  let tar: Buffer;
  try {
    tar = zlib.gunzipSync(compressed, { maxOutputLength: MAX_EXPANDED_BYTES });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ERR_BUFFER_TOO_LARGE" || error instanceof RangeError) throw new ArchiveError(`it expands to more than ${MAX_EXPANDED_BYTES} bytes`);
    throw new ArchiveError(`it is not a gzip archive (${(error as Error).message})`);
  }
  const members = new Map<string, Buffer>();
  let offset = 0;
  while (offset + BLOCK <= tar.length) {
    const h = tar.subarray(offset, offset + BLOCK);
    if (h.every((b) => b === 0)) break;
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
    if (parseOctal(h, 148, 8, "checksum") !== sum)
      throw new ArchiveError(`a member header at byte ${offset} has a bad checksum (not a tar archive, or damaged)`);
    const magic = field(h, 257, 6);
    const prefix = magic === "ustar" ? field(h, 345, 155) : "";
    const name = prefix ? `${prefix}/${field(h, 0, 100)}` : field(h, 0, 100);
    const type = String.fromCharCode(h[156] || 0x30);
    if (type !== "0")
      throw new ArchiveError(`member ${shown(name)} is ${TYPE_NAMES[type] ?? `of tar type ${JSON.stringify(type)}`}; only regular files are accepted`);
    if (name.startsWith("/") || name.split("/").includes("..")) throw new ArchiveError(`member ${shown(name)} has an absolute or ".." name`);
    if (!expected.includes(name)) throw new ArchiveError(`member ${shown(name)} is not part of a saved plan (expected only ${expected.join(", ")})`);
    if (members.has(name)) throw new ArchiveError(`member ${shown(name)} appears twice`);
    const size = parseOctal(h, 124, 12, "size");
    if (size > MAX_MEMBER_BYTES) throw new ArchiveError(`member ${shown(name)} is ${size} bytes; the limit is ${MAX_MEMBER_BYTES}`);
    const start = offset + BLOCK;
    if (start + size > tar.length) throw new ArchiveError(`member ${shown(name)} is cut short (the archive is truncated)`);
    members.set(name, Buffer.from(tar.subarray(start, start + size)));
    offset = start + Math.ceil(size / BLOCK) * BLOCK;
  }
  const missing = expected.filter((name) => !members.has(name));
  if (missing.length > 0) throw new ArchiveError(`it lacks ${missing.join(", ")}`);
  return members;
}

/**
 * Reads a file the operator named, refusing anything but a regular file of at most
 * `limit` bytes; a FIFO or device is refused without blocking (O_NONBLOCK).
 */
export function readRegularFile(file: string, limit: number): Buffer {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new ArchiveError("it is not a regular file");
    if (st.size > limit) throw new ArchiveError(`it is ${st.size} bytes; the limit is ${limit}`);
    const data = Buffer.alloc(st.size);
    let read = 0;
    while (read < st.size) {
      const n = fs.readSync(fd, data, read, st.size - read, read);
      if (n === 0) break;
      read += n;
    }
    return data.subarray(0, read);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Writes `data` to `target` without following a link at or beside it: a new file with an
 * unpredictable name (O_CREAT|O_EXCL|O_NOFOLLOW, `mode`) in the target's directory, flushed,
 * then renamed over the target. The target's directory must exist.
 */
export function writeFileReplacing(target: string, data: Buffer | string, mode = 0o600): void {
  const absolute = path.resolve(target);
  const temp = path.join(path.dirname(absolute), `.${path.basename(absolute)}.${randomBytes(12).toString("hex")}.tmp`);
  const fd = fs.openSync(temp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, mode);
  try {
    try {
      fs.fchmodSync(fd, mode);
      fs.writeFileSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, absolute);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
}
