import { describe, expect, it } from "vitest";
import { contentDisposition, safeFileName, unicodeFileName } from "@/core/templates/safe-file-name";
import { HOSTILE_NAMES } from "../../factories/templates";

describe("safe file names", () => {
  it.each([
    ["pg-orders.json", "pg-orders.json"],
    ["../../etc/passwd", "etc-passwd"],
    ["..\\..\\windows\\system32", "windows-system32"],
    [`pg-"quoted".json`, "pg-quoted.json"],
    ["pg-o'brien", "pg-o-brien"],
    ["café-crème", "cafe-creme"],
    ["数据库", "file"],
    ["pg\r\nSet-Cookie: x=1", "pg-Set-Cookie-x-1"],
    ["pg\u202Egpj.exe", "pg-gpj.exe"],
    [".hidden", "hidden"],
    ["CON", "_CON"],
    ["nul.json", "_nul.json"],
    ["", "file"],
    ["   ", "file"],
  ])("%j becomes %j", (input, expected) => {
    expect(safeFileName(input)).toBe(expected);
  });

  it("keeps only [A-Za-z0-9._-], never starts or ends with a dot or dash, and stays short, for any name", () => {
    for (const name of [...HOSTILE_NAMES, "x".repeat(500) + ".json", "🐘".repeat(200)]) {
      const safe = safeFileName(name);
      expect(safe).toMatch(/^[A-Za-z0-9_][A-Za-z0-9._-]*$/);
      expect(safe).not.toMatch(/[-.]$/);
      expect(safe.length).toBeLessThanOrEqual(120);
    }
    expect(safeFileName("x".repeat(500) + ".json")).toMatch(/^x{115}\.json$/);
  });

  it("keeps letters in the unicode variant, but no separator, quote, control or bidi character", () => {
    expect(unicodeFileName("数据库/pg'1\u202E.json")).toBe("数据库-pg-1.json");
    expect(unicodeFileName("🐘".repeat(200))).toHaveLength(240); // 120 code points, none cut in half
  });
});

describe("Content-Disposition", () => {
  it("is a plain quoted filename for ASCII names", () => {
    expect(contentDisposition("flexguard-roles-pg-orders.json")).toBe('attachment; filename="flexguard-roles-pg-orders.json"');
    expect(contentDisposition("a.json", "inline")).toBe('inline; filename="a.json"');
  });

  it("adds an RFC 5987 filename* for names ASCII cannot carry", () => {
    expect(contentDisposition("flexguard-roles-café.json")).toBe(
      `attachment; filename="flexguard-roles-cafe.json"; filename*=UTF-8''flexguard-roles-caf%C3%A9.json`,
    );
    expect(contentDisposition("pg 🐘.zip")).toBe(`attachment; filename="pg.zip"; filename*=UTF-8''pg-%F0%9F%90%98.zip`);
  });

  it("can never be broken out of, whatever the server is called", () => {
    for (const name of [...HOSTILE_NAMES, 'a"; filename="evil.exe', "x\r\nSet-Cookie: a=b", "a\\\"b", "%22.json"]) {
      const header = contentDisposition(`flexguard-roles-${name}.json`);
      expect(header).toMatch(/^attachment; filename="[A-Za-z0-9._-]+"(; filename\*=UTF-8''[A-Za-z0-9!#$&+\-.^_`|~%]+)?$/);
      // The value is valid in an HTTP header (Headers throws on CR, LF and non-Latin-1).
      expect(() => new Headers({ "content-disposition": header })).not.toThrow();
      const encoded = /filename\*=UTF-8''(.*)$/.exec(header)?.[1];
      if (encoded) expect(decodeURIComponent(encoded)).not.toMatch(/["'\\/\r\n\u202E]/);
    }
  });
});
