import { describe, expect, it } from "vitest";
import { kql, kqlList, kqlString } from "@/core/azure/kql";

describe("KQL quoting", () => {
  it("quotes plain values", () => {
    expect(kqlString("pg-orders")).toBe("'pg-orders'");
  });

  it("escapes quotes, backslashes and line breaks so a value cannot end its literal", () => {
    expect(kqlString("x' or 1==1 //")).toBe("'x\\' or 1==1 //'");
    expect(kqlString("back\\slash\\' escaped")).toBe("'back\\\\slash\\\\\\' escaped'");
    expect(kqlString("line\nbreak\r\ttab")).toBe("'line\\nbreak\\r\\ttab'");
    expect(kqlString('double "quotes" stay')).toBe(`'double "quotes" stay'`);
  });

  it("refuses control characters instead of passing them on", () => {
    expect(() => kqlString("nul\u0000byte")).toThrowError(/control character/);
  });

  it("builds lists and templates from quoted values only", () => {
    expect(kqlList(["a", "b'c"])).toBe("('a', 'b\\'c')");
    expect(() => kqlList([])).toThrowError(/empty list/);
    const name = "x' | project secret //";
    expect(kql`resources | where name == ${name} | where id in~ ${["p", "q"]}`).toBe(
      "resources | where name == 'x\\' | project secret //' | where id in~ ('p', 'q')",
    );
  });
});
