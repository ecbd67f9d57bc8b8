import { describe, expect, it } from "vitest";
import { compileLowerCaseNamePattern, compileNamePattern, hasWildcard } from "@/core/rules/glob";

const matches = (pattern: string, name: string) => compileNamePattern(pattern)(name);

describe("name patterns", () => {
  it("match exact names regardless of case", () => {
    expect(matches("rg-Prod", "RG-PROD")).toBe(true);
    expect(matches("rg-prod", "rg-prod-2")).toBe(false);
    expect(matches("rg-prod", "rg-pro")).toBe(false);
  });

  it("let '*' stand for any run of characters, none included", () => {
    expect(matches("rg-*", "rg-")).toBe(true);
    expect(matches("rg-*", "RG-prod-westeurope")).toBe(true);
    expect(matches("*-prod", "app-prod")).toBe(true);
    expect(matches("*-prod", "app-prod-2")).toBe(false);
    expect(matches("*prod*", "my-production-db")).toBe(true);
    expect(matches("*", "")).toBe(true);
    expect(matches("a*b*c", "aXXbYYc")).toBe(true);
    expect(matches("a*b*c", "aXXcYYb")).toBe(false);
    expect(matches("**", "anything")).toBe(true);
  });

  it("let '?' stand for exactly one character", () => {
    expect(matches("pg-0?", "pg-01")).toBe(true);
    expect(matches("pg-0?", "pg-0")).toBe(false);
    expect(matches("pg-0?", "pg-012")).toBe(false);
    expect(matches("??", "ab")).toBe(true);
  });

  it("treat regex and path-glob characters as literals, as resource group names use them", () => {
    expect(matches("rg(prod).eu", "RG(Prod).EU")).toBe(true);
    expect(matches("rg(prod).eu", "rgprodxeu")).toBe(false);
    expect(matches("rg.*", "rg.x")).toBe(true);
    expect(matches("rg.*", "rgx")).toBe(false);
    expect(matches("[abc]", "a")).toBe(false);
    expect(matches("[abc]", "[ABC]")).toBe(true);
    expect(matches("{a,b}", "a")).toBe(false);
    expect(matches("a|b", "a")).toBe(false);
    expect(matches("^rg$", "^rg$")).toBe(true);
    expect(matches(".*", "anything")).toBe(false);
    expect(matches("a/b*", "a/bc")).toBe(true);
  });

  it("treat hostile names as plain text", () => {
    const hostile = [`rg'; drop table servers; --`, `rg" | where 1==1`, "<script>alert(1)</script>", "rg\\n", "rg\u0000x"];
    for (const name of hostile) {
      expect(matches(name, name)).toBe(true);
      expect(matches("rg*", name)).toBe(name.toLowerCase().startsWith("rg"));
      expect(matches(name, "rg")).toBe(false);
    }
  });

  it("count an astral character as one character for '?'", () => {
    expect(matches("db-?", "db-🐘")).toBe(true);
    expect(matches("db-??", "db-🐘")).toBe(false);
    expect(matches("?-prod", "é-prod")).toBe(true);
    expect(matches("ÉQUIPE-*", "équipe-données")).toBe(true);
  });

  it("finishes quickly on patterns that make backtracking regular expressions explode", () => {
    const pattern = `${"a*".repeat(30)}b`;
    const name = "a".repeat(90);
    const started = performance.now();
    expect(matches(pattern, name)).toBe(false);
    expect(performance.now() - started).toBeLessThan(50);
  });

  it("expect lower-cased names from the lower-case variant", () => {
    expect(compileLowerCaseNamePattern("RG-*")("rg-a")).toBe(true);
    expect(compileLowerCaseNamePattern("rg-a")("rg-a")).toBe(true);
  });

  it("know a wildcard when they see one", () => {
    expect(hasWildcard("rg-*")).toBe(true);
    expect(hasWildcard("rg-?")).toBe(true);
    expect(hasWildcard("rg-(1)")).toBe(false);
  });
});
