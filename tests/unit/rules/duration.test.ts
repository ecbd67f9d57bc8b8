import { describe, expect, it } from "vitest";
import {
  compareIsoDurations,
  durationInDays,
  isoDurationSeconds,
  parseIsoDuration,
  scheduleIntervalText,
} from "@/core/rules/duration";

const days = (text: string) => {
  const parsed = parseIsoDuration(text);
  if (!parsed) throw new Error(`${text} did not parse`);
  return durationInDays(parsed);
};

describe("parsing ISO 8601 durations as Azure Backup writes them", () => {
  it.each([
    ["P1W", { weeks: 1 }],
    ["P3M", { months: 3 }],
    ["P10Y", { years: 10 }],
    ["P1D", { days: 1 }],
    ["PT4H", { hours: 4 }],
    ["PT30M", { minutes: 30 }],
    ["P1Y2M3DT4H5M6.5S", { years: 1, months: 2, days: 3, hours: 4, minutes: 5, seconds: 6.5 }],
    ["PT0,5S", { seconds: 0.5 }],
    ["PT0S", {}],
  ])("reads %s", (text, parts) => {
    expect(parseIsoDuration(text)).toEqual({ years: 0, months: 0, weeks: 0, days: 0, hours: 0, minutes: 0, seconds: 0, ...parts });
  });

  it.each(["", "P", "PT", "1D", "p1d", "P1H", "PT1D", "-P1D", "P1.5D", "P1DT", "P 1D", "P1D ", "P9999999Y", "P1M1Y", "R/2024-01-07T23:00:00+00:00/P1W", "P1W' or 1=1 --"])(
    "rejects %j",
    (text) => {
      expect(parseIsoDuration(text)).toBeNull();
      expect(isoDurationSeconds(text)).toBeNull();
    },
  );
});

describe("lengths follow .NET's fixed convention (year 365 days, month 30, 12 months fold into a year)", () => {
  it.each([
    ["P1D", 1],
    ["P1W", 7],
    ["P12W", 84],
    ["P13W", 91],
    ["P1M", 30],
    ["P3M", 90],
    ["P6M", 180],
    ["P11M", 330],
    ["P12M", 365],
    ["P13M", 395],
    ["P24M", 730],
    ["P1Y", 365],
    ["P10Y", 3650],
    ["PT12H", 0.5],
    ["P1Y1M1W1DT24H", 365 + 30 + 7 + 1 + 1],
  ])("%s is %d days", (text, expected) => {
    expect(days(text)).toBe(expected);
  });

  it("compares equal lengths as equal, whatever the spelling", () => {
    expect(compareIsoDurations("P12M", "P1Y")).toBe(0);
    expect(compareIsoDurations("P1Y", "P365D")).toBe(0);
    expect(compareIsoDurations("P1W", "P7D")).toBe(0);
    expect(compareIsoDurations("P1D", "PT24H")).toBe(0);
    expect(compareIsoDurations("P3M", "P90D")).toBe(0);
  });

  it("orders durations whose calendar length would depend on the start date", () => {
    expect(compareIsoDurations("P12W", "P3M")).toBe(-1); // 84 < 90
    expect(compareIsoDurations("P13W", "P3M")).toBe(1); // 91 > 90
    expect(compareIsoDurations("P52W", "P1Y")).toBe(-1); // 364 < 365
    expect(compareIsoDurations("P1M", "P4W")).toBe(1); // 30 > 28
    expect(compareIsoDurations("P11M", "P1Y")).toBe(-1);
    expect(compareIsoDurations("PT4H", "P1D")).toBe(-1);
    expect(compareIsoDurations("P10Y", "P120M")).toBe(0);
  });

  it("refuses to compare text that is no duration", () => {
    expect(() => compareIsoDurations("P1W", "weekly")).toThrow(RangeError);
    expect(() => compareIsoDurations("", "P1W")).toThrow(RangeError);
  });
});

describe("schedule intervals", () => {
  it("takes the duration out of a repeating interval, and leaves a bare duration alone", () => {
    expect(scheduleIntervalText("R/2024-01-07T23:00:00+00:00/P1W")).toBe("P1W");
    expect(scheduleIntervalText("R/2020-04-05T13:00:00+00:00/PT4H")).toBe("PT4H");
    expect(scheduleIntervalText("P1D")).toBe("P1D");
  });
});
