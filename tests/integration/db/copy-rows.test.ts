// Bulk loading through COPY keeps every value exactly: text with the characters COPY's text format treats
// specially (backslash, tab, newline, carriage return, the \N null marker), non-Latin-1 text, and JSON that
// carries them escaped, as verdicts of servers with hostile names do.
import { afterAll, describe, expect, it } from "vitest";

const core = async () => ({ ...(await import("@/core/db/client")), ...(await import("@/core/db/copy-rows")) });

afterAll(async () => (await core()).disconnectDb());

const hostile = ["back\\slash", "tab\there", "line\nbreak", "carriage\rreturn", "\\N", "NULL", "", "ünïcödé ☃ 𝄞", "quote\"s and 'single'", "trailing\\"];

describe("copyRows", () => {
  it("stores text, numbers, nulls and JSON exactly as given", async () => {
    const { pgPool, copyRows, withPgTransaction } = await core();
    const rows = hostile.map((text, i) => [i, text, i % 3 === 0 ? null : text, JSON.stringify({ reasons: [text, `vault '${text}'`], n: i })] as const);
    const stored = await withPgTransaction(pgPool(), async (client) => {
      await client.query("CREATE TEMPORARY TABLE copy_probe (n int, t text, maybe text, doc jsonb) ON COMMIT DROP");
      const count = await copyRows(client, "copy_probe", ["n", "t", "maybe", "doc"], rows);
      expect(count).toBe(hostile.length);
      return (await client.query<{ n: number; t: string; maybe: string | null; doc: unknown }>("SELECT n, t, maybe, doc FROM copy_probe ORDER BY n")).rows;
    });
    expect(stored).toEqual(rows.map(([n, t, maybe, doc]) => ({ n, t, maybe, doc: JSON.parse(doc) })));
  });

  it("rolls the transaction back when the work fails, and the connection stays usable", async () => {
    const { pgPool, copyRows, withPgTransaction } = await core();
    await pgPool().query("CREATE TABLE IF NOT EXISTS copy_probe_kept (n int PRIMARY KEY)");
    await expect(
      withPgTransaction(pgPool(), async (client) => {
        await copyRows(client, "copy_probe_kept", ["n"], [[1], [2]]);
        await copyRows(client, "copy_probe_kept", ["n"], [[2]]);
      }),
    ).rejects.toThrow(/duplicate key/);
    expect((await pgPool().query("SELECT count(*)::int AS n FROM copy_probe_kept")).rows[0].n).toBe(0);
    await pgPool().query("DROP TABLE copy_probe_kept");
  });
});
