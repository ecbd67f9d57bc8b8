import { describe, expect, it } from "vitest";
import { roleCan, roleCovers } from "@/core/auth/permissions";
import { roleFromEntraClaims } from "@/core/auth/sign-in";
import { csvField } from "@/core/audit/list-audit";

describe("roles", () => {
  it("separates drafting from approving", () => {
    expect(roleCan("OPERATOR", "plans:draft")).toBe(true);
    expect(roleCan("OPERATOR", "plans:approve")).toBe(false);
    expect(roleCan("APPROVER", "plans:approve")).toBe(true);
    expect(roleCan("APPROVER", "plans:draft")).toBe(false);
    expect(roleCan("VIEWER", "templates:download")).toBe(true);
    expect(roleCan("VIEWER", "scan:run")).toBe(false);
    expect(roleCan("ADMIN", "users:manage")).toBe(true);
  });

  it("lets a token carry no more than its owner's role", () => {
    expect(roleCovers("ADMIN", "OPERATOR")).toBe(true);
    expect(roleCovers("OPERATOR", "VIEWER")).toBe(true);
    expect(roleCovers("OPERATOR", "APPROVER")).toBe(false);
    expect(roleCovers("APPROVER", "OPERATOR")).toBe(false);
  });

  it("maps Entra app roles and groups to the highest Flexguard role, viewer otherwise", () => {
    const map = { "Flexguard.Admin": "ADMIN", "0b8f-group": "OPERATOR" } as const;
    expect(roleFromEntraClaims({ roles: ["Flexguard.Admin"], groups: ["0b8f-group"] }, map)).toBe("ADMIN");
    expect(roleFromEntraClaims({ groups: ["0b8f-group", "other"] }, map)).toBe("OPERATOR");
    expect(roleFromEntraClaims({ roles: "not-an-array" }, map)).toBe("VIEWER");
  });
});

describe("audit CSV", () => {
  it("quotes fields and neutralises spreadsheet formulas", () => {
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("=HYPERLINK(\"http://x\")")).toBe('"\'=HYPERLINK(""http://x"")"');
    expect(csvField({ a: 1 })).toBe('"{""a"":1}"');
    expect(csvField(null)).toBe('""');
  });
});
