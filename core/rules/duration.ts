// ISO 8601 durations as Azure Backup policies use them (P1W, P3M, P10Y, P1D, PT4H ...), and how
// Flexguard compares them.
//
// Convention: fixed lengths, the way .NET turns a duration into a TimeSpan (System.Xml's
// XsdDuration.TryToTimeSpan, behind XmlConvert.ToTimeSpan): a year is 365 days, a month 30 days,
// and every 12 months fold into a year first, so P12M == P1Y == P365D and P3M == P90D. Weeks, which
// XSD lacks but Azure Backup accepts, are 7 days as ISO 8601 defines them.
// Why fixed rather than calendar-aware: a rule's "at least P3M" must give the same answer on every
// day it is evaluated. Calendar-aware lengths depend on a start date (P3M is 89 to 92 days), so a
// policy of P13W would flip between compliant and weaker with the calendar and fill the server
// timeline with noise. Azure's backend is .NET, so its own conversion is the likeliest reading; that
// it uses exactly this routine is an inference (CONTRACT.md marks nothing about it), which is why
// the convention lives here, in one place.
//
// Hand-written rather than a library: the grammar is one regular expression, and the part that
// matters, the conversion above, is specific to Azure and no duration package implements it.

export interface IsoDuration {
  years: number;
  months: number;
  weeks: number;
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
}

const SECONDS_PER_DAY = 86_400;
export const DAYS_PER_YEAR = 365;
export const DAYS_PER_MONTH = 30;

// Upper-case designators only, as Azure writes and accepts them; at most 6 digits a component so
// that a hostile "P99999999999999999999Y" fails parsing instead of becoming Infinity.
const DURATION_PATTERN =
  /^P(?!$)(?:(\d{1,6})Y)?(?:(\d{1,6})M)?(?:(\d{1,6})W)?(?:(\d{1,6})D)?(?:T(?=\d)(?:(\d{1,6})H)?(?:(\d{1,6})M)?(?:(\d{1,6}(?:[.,]\d{1,9})?)S)?)?$/;

/** Parses an ISO 8601 duration such as "P3M" or "PT4H"; null when the text is not one. */
export function parseIsoDuration(text: string): IsoDuration | null {
  const match = DURATION_PATTERN.exec(text);
  if (!match) return null;
  const whole = (group: string | undefined) => (group === undefined ? 0 : Number(group));
  return {
    years: whole(match[1]),
    months: whole(match[2]),
    weeks: whole(match[3]),
    days: whole(match[4]),
    hours: whole(match[5]),
    minutes: whole(match[6]),
    seconds: match[7] === undefined ? 0 : Number(match[7].replace(",", ".")),
  };
}

/** The length in seconds under the fixed convention above. */
export function durationInSeconds(duration: IsoDuration): number {
  const years = duration.years + Math.floor(duration.months / 12);
  const days = years * DAYS_PER_YEAR + (duration.months % 12) * DAYS_PER_MONTH + duration.weeks * 7 + duration.days;
  return days * SECONDS_PER_DAY + duration.hours * 3600 + duration.minutes * 60 + duration.seconds;
}

/** The length in days (fractional for time parts) under the fixed convention above. */
export function durationInDays(duration: IsoDuration): number {
  return durationInSeconds(duration) / SECONDS_PER_DAY;
}

/** Seconds of an ISO 8601 duration text, or null when it does not parse. */
export function isoDurationSeconds(text: string): number | null {
  const parsed = parseIsoDuration(text);
  return parsed ? durationInSeconds(parsed) : null;
}

/** Negative when a is shorter than b, 0 when equally long, positive when longer; throws on text that is no duration. */
export function compareIsoDurations(a: string, b: string): number {
  const left = isoDurationSeconds(a);
  const right = isoDurationSeconds(b);
  if (left === null) throw new RangeError(`Not an ISO 8601 duration: ${JSON.stringify(a)}`);
  if (right === null) throw new RangeError(`Not an ISO 8601 duration: ${JSON.stringify(b)}`);
  return Math.sign(left - right);
}

/**
 * The duration of a backup schedule: either a bare duration ("P1W") or a repeating interval as a
 * policy writes it ("R/2024-01-07T23:00:00+00:00/P1W"), whose duration is the part after the last "/".
 */
export function scheduleIntervalText(text: string): string {
  const slash = text.lastIndexOf("/");
  return slash === -1 ? text : text.slice(slash + 1);
}

/** The longest retention Azure Backup accepts for PostgreSQL flexible servers (CONTRACT.md 1.4). */
export const MAX_AZURE_RETENTION = "P10Y";
