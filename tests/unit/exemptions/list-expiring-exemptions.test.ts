import { describe, expect, it } from "vitest";
import { listExpiringExemptions } from "@/core/exemptions/list-expiring-exemptions";
import { buildExemption } from "../rules/builders";

const NOW = new Date("2026-03-01T12:00:00Z");

describe("exemptions about to expire", () => {
  const at = (id: string, expiresAt: string) => buildExemption({ id, expiresAt });

  it("lists those in force that expire within the window, soonest first", () => {
    const exemptions = [
      at("later", "2026-03-10T00:00:00Z"),
      at("expired", "2026-02-28T00:00:00Z"),
      at("at-now", NOW.toISOString()),
      at("soon", "2026-03-02T00:00:00Z"),
      at("edge", "2026-03-15T12:00:00Z"),
      at("beyond", "2026-03-15T12:00:00.001Z"),
    ];
    expect(listExpiringExemptions({ exemptions, now: NOW, within: "P14D" }).map((exemption) => exemption.id)).toEqual(["soon", "later", "edge"]);
  });

  it("orders exemptions with the same expiry by id", () => {
    const exemptions = [at("b", "2026-03-02T00:00:00Z"), at("a", "2026-03-02T00:00:00Z")];
    expect(listExpiringExemptions({ exemptions, now: NOW, within: "P1W" }).map((exemption) => exemption.id)).toEqual(["a", "b"]);
  });

  it("refuses a window that is no duration", () => {
    expect(() => listExpiringExemptions({ exemptions: [], now: NOW, within: "two weeks" })).toThrow(RangeError);
  });
});
