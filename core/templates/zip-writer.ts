// A zip file written one entry at a time, each entry's bytes handed back at once: the writer the template packs
// stream through. Entries are small and whole in memory (a template), so each local header carries its CRC and
// sizes and no data descriptor is needed; Zip64 records are added only when the pack needs them (more than 65,535
// entries, or an offset past 4 GiB), so a pack for 100,000 servers is still one valid zip.
import { crc32, deflateRawSync } from "node:zlib";

export interface ZipWriterOptions {
  /** Deflate each entry (method 8) instead of storing it (method 0). */
  compress: boolean;
  /** The date every entry carries: a fixed one keeps two identical packs byte-identical. Read in UTC. */
  date: Date;
}

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const ZIP64_END_OF_CENTRAL_DIRECTORY = 0x06064b50;
const ZIP64_LOCATOR = 0x07064b50;
/** General purpose flag bit 11: names are UTF-8. */
const UTF8_NAMES = 0x0800;
const VERSION_NEEDED = 20;
const VERSION_NEEDED_ZIP64 = 45;
/** Made by: Unix (3) with version 2.0 of the format, so readers take the permission bits from the external attributes. */
const VERSION_MADE_BY = (3 << 8) | VERSION_NEEDED;
const MAX_16 = 0xffff;
const MAX_32 = 0xffffffff;

/** MS-DOS date and time (2-second resolution, years from 1980) of a UTC date. */
export function dosDateTime(date: Date): { date: number; time: number } {
  const year = Math.max(1980, date.getUTCFullYear());
  return {
    date: ((year - 1980) << 9) | ((date.getUTCMonth() + 1) << 5) | date.getUTCDate(),
    time: (date.getUTCHours() << 11) | (date.getUTCMinutes() << 5) | Math.floor(date.getUTCSeconds() / 2),
  };
}

/** Writes entries as buffers to send on; keeps only each entry's central-directory record (about 130 bytes) until finish(). */
export class ZipWriter {
  private offset = 0;
  private count = 0;
  private readonly central: Buffer[] = [];
  private centralSize = 0;
  private readonly dos: { date: number; time: number };
  private finished = false;

  constructor(private readonly options: ZipWriterOptions) {
    this.dos = dosDateTime(options.date);
  }

  /** The local header and data of one entry. */
  entry(name: string, content: string | Buffer, mode = 0o644): Buffer {
    if (this.finished) throw new Error("the zip is finished");
    const nameBytes = Buffer.from(name, "utf8");
    const method = this.options.compress ? 8 : 0;
    const start = 30 + nameBytes.length;
    let local: Buffer;
    let crc: number;
    let rawLength: number;
    let dataLength: number;
    if (!this.options.compress && typeof content === "string") {
      // Stored text: encoded once, straight into the entry's buffer (a pack is mostly this).
      rawLength = dataLength = Buffer.byteLength(content, "utf8");
      local = Buffer.allocUnsafe(start + rawLength);
      local.write(content, start, "utf8");
      crc = crc32(local.subarray(start));
    } else {
      const raw = typeof content === "string" ? Buffer.from(content, "utf8") : content;
      const data = this.options.compress ? deflateRawSync(raw) : raw;
      rawLength = raw.length;
      dataLength = data.length;
      crc = crc32(raw);
      local = Buffer.allocUnsafe(start + dataLength);
      data.copy(local, start);
    }
    local.writeUInt32LE(LOCAL_HEADER, 0);
    local.writeUInt16LE(VERSION_NEEDED, 4);
    local.writeUInt16LE(UTF8_NAMES, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(this.dos.time, 10);
    local.writeUInt16LE(this.dos.date, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(dataLength, 18);
    local.writeUInt32LE(rawLength, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    nameBytes.copy(local, 30);

    // An offset past 4 GiB goes in a Zip64 extended-information field (sizes stay small: one template each).
    const zip64 = this.offset >= MAX_32;
    const extra = zip64 ? Buffer.allocUnsafe(12) : null;
    if (extra) {
      extra.writeUInt16LE(0x0001, 0);
      extra.writeUInt16LE(8, 2);
      extra.writeBigUInt64LE(BigInt(this.offset), 4);
    }
    const record = Buffer.allocUnsafe(46 + nameBytes.length + (extra?.length ?? 0));
    record.writeUInt32LE(CENTRAL_HEADER, 0);
    record.writeUInt16LE(VERSION_MADE_BY, 4);
    record.writeUInt16LE(zip64 ? VERSION_NEEDED_ZIP64 : VERSION_NEEDED, 6);
    record.writeUInt16LE(UTF8_NAMES, 8);
    record.writeUInt16LE(method, 10);
    record.writeUInt16LE(this.dos.time, 12);
    record.writeUInt16LE(this.dos.date, 14);
    record.writeUInt32LE(crc, 16);
    record.writeUInt32LE(dataLength, 20);
    record.writeUInt32LE(rawLength, 24);
    record.writeUInt16LE(nameBytes.length, 28);
    record.writeUInt16LE(extra?.length ?? 0, 30);
    record.writeUInt16LE(0, 32); // comment
    record.writeUInt16LE(0, 34); // disk
    record.writeUInt16LE(0, 36); // internal attributes
    record.writeUInt32LE((((0o100000 | mode) & MAX_16) << 16) >>> 0, 38); // a regular file with these permissions
    record.writeUInt32LE(zip64 ? MAX_32 : this.offset, 42);
    nameBytes.copy(record, 46);
    extra?.copy(record, 46 + nameBytes.length);

    this.central.push(record);
    this.centralSize += record.length;
    this.offset += local.length;
    this.count++;
    return local;
  }

  /** The central directory and the end records: the last bytes of the zip. */
  finish(): Buffer {
    if (this.finished) throw new Error("the zip is finished");
    this.finished = true;
    const centralOffset = this.offset;
    const needsZip64 = this.count > MAX_16 || centralOffset >= MAX_32 || this.centralSize >= MAX_32;
    const tail: Buffer[] = [...this.central];
    this.central.length = 0;
    if (needsZip64) {
      const record = Buffer.alloc(56);
      record.writeUInt32LE(ZIP64_END_OF_CENTRAL_DIRECTORY, 0);
      record.writeBigUInt64LE(44n, 4); // size of the rest of this record
      record.writeUInt16LE((VERSION_MADE_BY & 0xff00) | VERSION_NEEDED_ZIP64, 12);
      record.writeUInt16LE(VERSION_NEEDED_ZIP64, 14);
      record.writeUInt32LE(0, 16);
      record.writeUInt32LE(0, 20);
      record.writeBigUInt64LE(BigInt(this.count), 24);
      record.writeBigUInt64LE(BigInt(this.count), 32);
      record.writeBigUInt64LE(BigInt(this.centralSize), 40);
      record.writeBigUInt64LE(BigInt(centralOffset), 48);
      const locator = Buffer.alloc(20);
      locator.writeUInt32LE(ZIP64_LOCATOR, 0);
      locator.writeUInt32LE(0, 4);
      locator.writeBigUInt64LE(BigInt(centralOffset + this.centralSize), 8);
      locator.writeUInt32LE(1, 16);
      tail.push(record, locator);
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(END_OF_CENTRAL_DIRECTORY, 0);
    end.writeUInt16LE(Math.min(this.count, MAX_16), 8);
    end.writeUInt16LE(Math.min(this.count, MAX_16), 10);
    end.writeUInt32LE(Math.min(this.centralSize, MAX_32), 12);
    end.writeUInt32LE(Math.min(centralOffset, MAX_32), 16);
    tail.push(end);
    return Buffer.concat(tail);
  }
}
