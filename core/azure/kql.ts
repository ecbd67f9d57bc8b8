import { AppError } from "../errors";

/**
 * Quotes a value as a KQL string literal. Every value from a user or from Azure goes into a Resource Graph
 * query only through this (or the `kql` tag below), so that quotes, backslashes, pipes or comments inside it
 * stay part of the string and cannot change the query's meaning.
 */
export function kqlString(value: string): string {
  // Control characters other than tab and line breaks have no business in names or tags; refuse them loudly.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(value))
    throw new AppError("VALIDATION_FAILED", "A value sent to Resource Graph contains a control character");
  const escaped = value
    .replace(/\\/g, "\\\\")
    .replace(/'/g, "\\'")
    .replace(/\n/g, "\\n")
    .replace(/\r/g, "\\r")
    .replace(/\t/g, "\\t");
  return `'${escaped}'`;
}

/** A parenthesised list of KQL string literals, for `in~ (...)`. */
export function kqlList(values: readonly string[]): string {
  if (values.length === 0) throw new AppError("VALIDATION_FAILED", "An empty list cannot be sent to Resource Graph");
  return `(${values.map(kqlString).join(", ")})`;
}

/** Tagged template that quotes every interpolated value: kql`resources | where name =~ ${name}`. */
export function kql(strings: TemplateStringsArray, ...values: (string | readonly string[])[]): string {
  return strings.reduce((out, part, i) => {
    const value = values[i - 1];
    return out + (typeof value === "string" ? kqlString(value) : kqlList(value!)) + part;
  });
}
