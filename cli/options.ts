import { InvalidArgumentError } from "commander";

/** Parses an option given in seconds (e.g. --timeout), refusing anything but a positive number. */
export function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("must be a positive number of seconds");
  return n;
}
