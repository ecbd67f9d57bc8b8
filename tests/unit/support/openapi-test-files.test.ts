// The list of test files that need Microsoft's documents must be complete: a file missing from it would fail with
// ENOENT on a clone without ../shared instead of being reported as not run.
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { OPENAPI_TEST_FILES } from "@/tests/support/openapi";

const ROOT = path.resolve(import.meta.dirname, "..", "..", "..");

function testFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(relative);
    return entry.name.endsWith(".test.ts") ? [relative] : [];
  });
}

describe("tests that read Microsoft's Azure documents", () => {
  it("are all listed in tests/support/openapi.ts, and every listed file exists", () => {
    const readers = [...testFiles("tests/unit"), ...testFiles("tests/integration")].filter((file) =>
      /\bOPENAPI_DIR\b|from\s+["'][^"']*arm-template-schema["']/.test(readFileSync(path.join(ROOT, file), "utf8")),
    );
    expect(readers.length).toBeGreaterThan(0);
    expect([...OPENAPI_TEST_FILES].sort()).toEqual(readers.sort());
  });
});
