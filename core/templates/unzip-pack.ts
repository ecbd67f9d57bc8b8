// Reads a template pack zip as it arrives, entry by entry, for `flexguard templates --format files`: the packs
// Flexguard writes carry each entry's sizes in its local header, so no seeking to the central directory is needed.
import { inflateRawSync } from "node:zlib";

export interface PackEntry {
  name: string;
  content: Buffer;
}

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
/** General purpose flag bit 3: sizes follow the data (not written by Flexguard, and not readable here). */
const DATA_DESCRIPTOR = 0x0008;

/** The entries of a zip read from a byte stream, in order; throws on anything but stored or deflated entries with sizes. */
export async function* unzipPack(source: AsyncIterable<Uint8Array>): AsyncGenerator<PackEntry> {
  let buffer = Buffer.alloc(0);
  const iterator = source[Symbol.asyncIterator]();
  /** At least `n` bytes buffered, or false at the end of the stream. */
  const fill = async (n: number): Promise<boolean> => {
    while (buffer.length < n) {
      const next = await iterator.next();
      if (next.done) return false;
      buffer = buffer.length ? Buffer.concat([buffer, next.value]) : Buffer.from(next.value);
    }
    return true;
  };
  for (;;) {
    if (!(await fill(4))) throw new Error("the zip ends before its central directory");
    const signature = buffer.readUInt32LE(0);
    if (signature === CENTRAL_HEADER) return;
    if (signature !== LOCAL_HEADER) throw new Error("not a zip, or a damaged one");
    if (!(await fill(30))) throw new Error("the zip ends inside an entry header");
    const flags = buffer.readUInt16LE(6);
    const method = buffer.readUInt16LE(8);
    const size = buffer.readUInt32LE(18);
    const nameLength = buffer.readUInt16LE(26);
    const extraLength = buffer.readUInt16LE(28);
    if (flags & DATA_DESCRIPTOR) throw new Error("zip entries without sizes in their headers are not supported");
    if (method !== 0 && method !== 8) throw new Error(`unsupported zip compression method ${method}`);
    const total = 30 + nameLength + extraLength + size;
    if (!(await fill(total))) throw new Error("the zip ends inside an entry");
    const name = buffer.subarray(30, 30 + nameLength).toString("utf8");
    const data = buffer.subarray(30 + nameLength + extraLength, total);
    yield { name, content: method === 8 ? inflateRawSync(data) : Buffer.from(data) };
    buffer = buffer.subarray(total);
  }
}
