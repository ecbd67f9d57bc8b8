// Bulk loading with COPY ... FROM STDIN (text format) over a pooled node-postgres connection: Postgres parses
// each value once, with no parameter list or JSON document to build, escape and parse around it.
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { PoolClient } from "pg";
import { from as copyFrom } from "pg-copy-streams";

export type CopyValue = string | number | null;

const NEEDS_ESCAPE = /[\\\n\r\t]/;
const ESCAPE = /[\\\n\r\t]/g;
const ESCAPED: Record<string, string> = { "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** One value in COPY's text format: \N for null; backslash, newline, carriage return and tab escaped. */
export function copyField(value: CopyValue): string {
  if (value === null) return "\\N";
  const text = String(value);
  return NEEDS_ESCAPE.test(text) ? text.replace(ESCAPE, (c) => ESCAPED[c]!) : text;
}

/**
 * Streams rows into `table` (columns in the order given) on the caller's connection, usually into a temporary
 * staging table inside the caller's transaction. Table and column names are the caller's constants, never input.
 */
export async function copyRows(client: PoolClient, table: string, columns: readonly string[], rows: Iterable<readonly CopyValue[]>): Promise<number> {
  let count = 0;
  // Each line is encoded on its own and lines are sent in ~1 MiB buffers: concatenating the text first would make
  // a whole chunk two-byte as soon as one value has a non-Latin-1 character, and encoding that costs far more.
  function* chunks() {
    let lines: Buffer[] = [];
    let size = 0;
    for (const row of rows) {
      const line = Buffer.from(row.map(copyField).join("\t") + "\n", "utf8");
      lines.push(line);
      size += line.length;
      count++;
      if (size >= 1 << 20) {
        yield Buffer.concat(lines, size);
        lines = [];
        size = 0;
      }
    }
    if (size) yield Buffer.concat(lines, size);
  }
  await pipeline(Readable.from(chunks()), client.query(copyFrom(`COPY ${table} (${columns.join(", ")}) FROM STDIN`)));
  return count;
}

/** Runs `work` in a transaction on one pooled connection (COPY and temporary tables need the same connection). */
export async function withPgTransaction<T>(pool: { connect(): Promise<PoolClient> }, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query("BEGIN");
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (err) {
    await client.query("ROLLBACK").catch((e: Error) => (broken = e));
    throw err;
  } finally {
    client.release(broken);
  }
}
