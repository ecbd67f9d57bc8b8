import { describe, expect, it } from "vitest";
import { dosDateTime, ZipWriter } from "@/core/templates/zip-writer";
import { readZip } from "./read-zip";

const DATE = new Date("1980-01-01T00:00:00Z");

function zipOf(entries: [string, string, number?][], compress = false): Buffer {
  const zip = new ZipWriter({ compress, date: DATE });
  return Buffer.concat([...entries.map(([name, content, mode]) => zip.entry(name, content, mode)), zip.finish()]);
}

describe("the zip writer of template packs", () => {
  it("writes stored and deflated entries with UTF-8 names, permissions and a fixed date", () => {
    const input: [string, string, number?][] = [
      ["pack/ünïcødé.json", '{"a":1}\n'],
      ["pack/deploy-all.sh", "#!/usr/bin/env bash\n", 0o755],
      ["pack/empty.txt", ""],
    ];
    for (const compress of [false, true]) {
      const entries = readZip(zipOf(input, compress));
      expect(entries.map((e) => [e.name, e.content.toString("utf8"), e.mode])).toEqual(input.map(([n, c, m]) => [n, c, m ?? 0o644]));
      expect(new Set(entries.map((e) => e.dosDateTime))).toEqual(new Set([(dosDateTime(DATE).date << 16) | dosDateTime(DATE).time]));
    }
  });

  it("is byte-identical for identical entries", () => {
    expect(zipOf([["a.json", "{}"]]).equals(zipOf([["a.json", "{}"]]))).toBe(true);
  });

  it("adds Zip64 end records beyond 65,535 entries, so a 100,000-server pack stays one valid zip", () => {
    const many: [string, string][] = Array.from({ length: 70_000 }, (_, i) => [`d/${i}.json`, `${i}`]);
    const zip = zipOf(many);
    const entries = readZip(zip);
    expect(entries).toHaveLength(70_000);
    expect(entries[69_999]).toMatchObject({ name: "d/69999.json", content: Buffer.from("69999") });
    expect(zipOf(many.slice(0, 10)).includes(Buffer.from([0x50, 0x4b, 0x06, 0x06]))).toBe(false);
  });

  it("refuses entries after the end", () => {
    const zip = new ZipWriter({ compress: false, date: DATE });
    zip.finish();
    expect(() => zip.entry("late.json", "{}")).toThrow(/finished/);
  });
});
