// A small crash-safe journal: an append-only file of framed records, each fsync'd before append()
// returns. A frame is a 4-byte big-endian payload length, a 4-byte CRC-32 of the payload, then the
// payload (JSON). Opening replays every whole frame and cuts the file after the last good one, so a
// record torn by a crash or a full disk disappears instead of corrupting what follows it. A failed
// append is cut off at once. rewrite() replaces the whole file atomically (temporary file, fsync,
// rename, fsync of the folder), which is how the store compacts it.
import {
  closeSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import * as path from "node:path";
import { crc32 } from "node:zlib";

const HEADER = 8;
/** A frame longer than this is taken as garbage (a torn length field), not as a record. */
export const MAX_RECORD_BYTES = 16 * 1024 * 1024;

export function frame(record: unknown): Buffer {
  const payload = Buffer.from(JSON.stringify(record), "utf8");
  const out = Buffer.alloc(HEADER + payload.length);
  out.writeUInt32BE(payload.length, 0);
  out.writeUInt32BE(crc32(payload), 4);
  payload.copy(out, HEADER);
  return out;
}

/** The records of whole, intact frames from the start of `data`, and where they end. */
export function readFrames(data: Buffer): { records: unknown[]; end: number } {
  const records: unknown[] = [];
  let off = 0;
  while (off + HEADER <= data.length) {
    const length = data.readUInt32BE(off);
    if (length > MAX_RECORD_BYTES || off + HEADER + length > data.length) break;
    const payload = data.subarray(off + HEADER, off + HEADER + length);
    if (crc32(payload) !== data.readUInt32BE(off + 4)) break;
    let record: unknown;
    try {
      record = JSON.parse(payload.toString("utf8"));
    } catch {
      break;
    }
    records.push(record);
    off += HEADER + length;
  }
  return { records, end: off };
}

function writeAll(fd: number, data: Buffer): void {
  let off = 0;
  while (off < data.length) off += writeSync(fd, data, off, data.length - off);
}

function readAll(fd: number): Buffer {
  const size = fstatSync(fd).size;
  const data = Buffer.alloc(size);
  let off = 0;
  while (off < size) {
    const n = readSync(fd, data, off, size - off, off);
    if (n === 0) break;
    off += n;
  }
  return data.subarray(0, off);
}

/** fsync of a folder, so that a rename or a new file in it survives a crash. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export class Journal {
  private fd: number;
  private size: number;
  /** A failed append could not be cut off; the next append retries the cut first. */
  private tornAt: number | undefined;

  private constructor(
    readonly file: string,
    fd: number,
    size: number,
    /** Bytes of a torn tail that opening removed. */
    readonly repairedBytes: number,
    readonly records: unknown[],
  ) {
    this.fd = fd;
    this.size = size;
  }

  static open(file: string): Journal {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const fd = openSync(file, "a+", 0o600);
    try {
      const data = readAll(fd);
      const { records, end } = readFrames(data);
      if (end < data.length) {
        ftruncateSync(fd, end);
        fsyncSync(fd);
      }
      return new Journal(file, fd, end, data.length - end, records);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  /** Bytes in the file (whole frames only). */
  get bytes(): number {
    return this.size;
  }

  /** Appends one record durably, or throws and leaves the file as it was. */
  append(record: unknown): void {
    const data = frame(record);
    if (this.tornAt !== undefined) {
      ftruncateSync(this.fd, this.tornAt);
      this.tornAt = undefined;
    }
    try {
      writeAll(this.fd, data);
      fsyncSync(this.fd);
    } catch (err) {
      this.cut();
      throw err;
    }
    this.size += data.length;
  }

  private cut(): void {
    try {
      ftruncateSync(this.fd, this.size);
    } catch {
      this.tornAt = this.size;
    }
  }

  /** Atomically replaces the journal's content by these records. */
  rewrite(records: unknown[]): void {
    const temp = `${this.file}.${process.pid}.tmp`;
    const data = Buffer.concat(records.map(frame));
    const fd = openSync(temp, "w", 0o600);
    try {
      writeAll(fd, data);
      fsyncSync(fd);
    } catch (err) {
      closeSync(fd);
      rmSync(temp, { force: true });
      throw err;
    }
    closeSync(fd);
    renameSync(temp, this.file);
    fsyncDir(path.dirname(this.file));
    closeSync(this.fd);
    this.fd = openSync(this.file, "a+", 0o600);
    this.size = data.length;
    this.tornAt = undefined;
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}
