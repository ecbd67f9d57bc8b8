// File names built from server and resource-group names, which Flexguard does not control: safe as a
// Content-Disposition filename, as a path inside a zip and on Windows, macOS and Linux file systems.

const WINDOWS_DEVICE_NAMES = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])$/i;
const MAX_LENGTH = 120;

/**
 * An ASCII file name: accents are dropped ("é" -> "e"), every other character outside [A-Za-z0-9._-] (path
 * separators, quotes, control characters, spaces, non-ASCII) becomes "-", runs of "-" collapse, leading and
 * trailing dots and dashes go, Windows device names get a "_" prefix, and the name is cut to 120 characters
 * keeping its extension. Never empty: `fallback` stands in for a name with nothing usable in it.
 */
export function safeFileName(name: string, fallback = "file"): string {
  // Most names are already plain: skip the Unicode normalisation, the costly part for a 10,000-server pack.
  if (/^[A-Za-z0-9._-]*$/.test(name)) return finish(name.replace(/-{2,}/g, "-"), fallback);
  const ascii = name
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .replace(/[^A-Za-z0-9._-]+/g, "-")
    .replace(/-{2,}/g, "-");
  return finish(ascii, fallback);
}

/**
 * The same name with its non-ASCII letters kept, for Content-Disposition's filename* (RFC 5987): only path
 * separators, quotes, control and formatting characters (bidirectional overrides included, which can disguise
 * an extension) and characters Windows forbids are replaced.
 */
export function unicodeFileName(name: string, fallback = "file"): string {
  const cleaned = name
    .normalize("NFC")
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\u{FFFD}]+/gu, "-")
    .replace(/[\\/"'`<>:|?*\s]+/gu, "-")
    .replace(/-{2,}/g, "-");
  return finish(cleaned, fallback);
}

function finish(name: string, fallback: string): string {
  let result = name.replace(/^[-.]+|[-.]+$/g, "");
  if (result === "") result = fallback;
  const dot = result.lastIndexOf(".");
  const extension = dot > 0 && result.length - dot <= 10 ? result.slice(dot) : "";
  // "pg-"quoted".json" gives "pg-quoted.json", not "pg-quoted-.json".
  let stem = (extension ? result.slice(0, dot) : result).replace(/[-.]+$/, "") || fallback;
  if (WINDOWS_DEVICE_NAMES.test(stem)) stem = `_${stem}`;
  const chars = Array.from(stem); // by code point: never cut a surrogate pair in half
  if (chars.length + extension.length > MAX_LENGTH) stem = chars.slice(0, MAX_LENGTH - extension.length).join("").replace(/[-.]+$/, "");
  return `${stem}${extension}`;
}

/** RFC 5987 attr-char: what may stand unencoded in an ext-value. */
const ATTR_CHAR = /[A-Za-z0-9!#$&+\-.^_`|~]/;

function encodeExtValue(value: string): string {
  let out = "";
  for (const char of value) {
    if (ATTR_CHAR.test(char)) out += char;
    else for (const byte of Buffer.from(char, "utf8")) out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/**
 * A Content-Disposition header value for a download (RFC 6266): `attachment; filename="<ASCII>"`, plus
 * `filename*=UTF-8''<percent-encoded>` (RFC 5987) when the name has characters ASCII cannot carry. Whatever the
 * name, the header holds no quote, backslash, CR or LF that could end it early.
 */
export function contentDisposition(fileName: string, disposition: "attachment" | "inline" = "attachment"): string {
  const ascii = safeFileName(fileName);
  const unicode = unicodeFileName(fileName);
  const header = `${disposition}; filename="${ascii}"`;
  return unicode === ascii ? header : `${header}; filename*=UTF-8''${encodeExtValue(unicode)}`;
}
