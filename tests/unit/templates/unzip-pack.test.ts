import { describe, expect, it } from "vitest";
import { streamZipPack } from "@/core/templates/stream-zip-pack";
import { unzipPack } from "@/core/templates/unzip-pack";
import { ZipWriter } from "@/core/templates/zip-writer";
import { buildGrants } from "../../factories/templates";
import { collect, readZip } from "./read-zip";

/** The bytes in chunks of `size`, as a download delivers them. */
async function* chunks(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function entriesOf(bytes: Buffer, size: number) {
  const out: [string, string][] = [];
  for await (const e of unzipPack(chunks(bytes, size))) out.push([e.name, e.content.toString("utf8")]);
  return out;
}

describe("unpacking a template pack as it arrives", () => {
  it("yields every entry of a pack, stored or deflated, whatever the chunk size", async () => {
    for (const compress of [false, true]) {
      const zip = await collect(streamZipPack(buildGrants(30, 3), { backupRoleScope: "server", compress }));
      const expected = readZip(zip).map((e) => [e.name, e.content.toString("utf8")]);
      expect(expected).toHaveLength(33);
      for (const size of [7, 4096, zip.length]) expect(await entriesOf(zip, size)).toEqual(expected);
    }
  });

  it("fails on a cut-off or foreign file instead of returning part of it", async () => {
    const zip = new ZipWriter({ compress: false, date: new Date(0) });
    const whole = Buffer.concat([zip.entry("a.json", "{}"), zip.entry("b.json", "[]"), zip.finish()]);
    expect(await entriesOf(whole, 1)).toEqual([["a.json", "{}"], ["b.json", "[]"]]);
    await expect(entriesOf(whole.subarray(0, 40), 8)).rejects.toThrow(/ends/);
    await expect(entriesOf(Buffer.from("PK\u0007\u0008 not a zip"), 4)).rejects.toThrow(/not a zip/);
  });
});
