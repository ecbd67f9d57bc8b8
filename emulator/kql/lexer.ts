// The KQL tokenizer for the subset the emulator understands. String literals follow Kusto's rules
// exactly (single/double quotes with backslash escapes, @-verbatim strings with doubled quotes,
// h-obfuscated strings, ``` multi-line strings, adjacent literals concatenated), because a value
// that escapes its literal would turn data into query text.

export class KqlError extends Error {
  override name = "KqlError";
  constructor(
    message: string,
    readonly position: number,
    /** ARG-style detail code: ParserFailure, FailedToResolveEntity, UnsupportedOperator, ... */
    readonly detailCode = "ParserFailure",
  ) {
    super(message);
  }
}

export type TokenType = "ident" | "number" | "timespan" | "string" | "op" | "eof";

export interface Token {
  type: TokenType;
  /** identifier text, operator text, decoded string value, or number text */
  value: string;
  /** timespan tokens: milliseconds */
  ms?: number;
  pos: number;
}

const OPERATORS = ["==", "!=", "=~", "!~", "<=", ">=", "<>", "|", "(", ")", "[", "]", ",", ".", "=", "<", ">", "+", "-", "*", "/", "%", "!", ";", ":", "{", "}", "~"];
const TIMESPAN_UNITS: Record<string, number> = {
  d: 86_400_000, day: 86_400_000, days: 86_400_000,
  h: 3_600_000, hr: 3_600_000, hrs: 3_600_000, hour: 3_600_000, hours: 3_600_000,
  m: 60_000, min: 60_000, minute: 60_000, minutes: 60_000,
  s: 1_000, sec: 1_000, second: 1_000, seconds: 1_000,
  ms: 1, milli: 1, millis: 1, millisecond: 1, milliseconds: 1,
};

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++;
      continue;
    }
    if (c === "/" && text[i + 1] === "/") {
      while (i < n && text[i] !== "\n") i++;
      continue;
    }
    const start = i;
    const stringStart = readString(text, i);
    if (stringStart) {
      let value = stringStart.value;
      i = stringStart.end;
      // Adjacent string literals (separated only by whitespace/comments) are one literal in Kusto.
      for (;;) {
        let j = i;
        while (j < n && /\s/.test(text[j]!)) j++;
        const next = readString(text, j);
        if (!next) break;
        value += next.value;
        i = next.end;
      }
      tokens.push({ type: "string", value, pos: start });
      continue;
    }
    if (/[0-9]/.test(c)) {
      while (i < n && /[0-9]/.test(text[i]!)) i++;
      if (text[i] === "." && /[0-9]/.test(text[i + 1] ?? "")) {
        i++;
        while (i < n && /[0-9]/.test(text[i]!)) i++;
      }
      const numberText = text.slice(start, i);
      const unitMatch = /^[a-zA-Z]+/.exec(text.slice(i));
      if (unitMatch) {
        const unit = unitMatch[0].toLowerCase();
        const factor = TIMESPAN_UNITS[unit];
        if (factor === undefined) throw new KqlError(`Unexpected token '${numberText}${unitMatch[0]}': '${unitMatch[0]}' is not a timespan unit`, start);
        i += unitMatch[0].length;
        tokens.push({ type: "timespan", value: text.slice(start, i), ms: Number(numberText) * factor, pos: start });
      } else {
        tokens.push({ type: "number", value: numberText, pos: start });
      }
      continue;
    }
    if (/[A-Za-z_$]/.test(c)) {
      while (i < n && /[A-Za-z0-9_$]/.test(text[i]!)) i++;
      // Kusto's hyphenated operator names (project-away, mv-expand, ...) are single words.
      while (text[i] === "-" && /[a-z]/.test(text[i + 1] ?? "") && /^(project|mv|make|parse|top|make_list|order|sort)$/i.test(text.slice(start, i).split("-")[0]!)) {
        i++;
        while (i < n && /[A-Za-z0-9_]/.test(text[i]!)) i++;
      }
      tokens.push({ type: "ident", value: text.slice(start, i), pos: start });
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (!op) throw new KqlError(`Unexpected character '${c}'`, start);
    // '!' directly followed by a word is a negated string operator (!has, !contains, !in, ...).
    if (op === "!" && /[a-z]/i.test(text[i + 1] ?? "")) {
      let j = i + 1;
      while (j < n && /[A-Za-z_]/.test(text[j]!)) j++;
      if (text[j] === "~") j++;
      tokens.push({ type: "ident", value: text.slice(i, j), pos: start });
      i = j;
      continue;
    }
    tokens.push({ type: "op", value: op, pos: start });
    i += op.length;
  }
  tokens.push({ type: "eof", value: "", pos: n });
  return tokens;
}

function readString(text: string, start: number): { value: string; end: number } | null {
  let i = start;
  // h'...', H"...", h@'...': obfuscated strings, same value.
  if ((text[i] === "h" || text[i] === "H") && (text[i + 1] === "'" || text[i + 1] === '"' || (text[i + 1] === "@" && (text[i + 2] === "'" || text[i + 2] === '"')))) {
    i++;
  }
  if (text.startsWith("```", i)) {
    const close = text.indexOf("```", i + 3);
    if (close < 0) throw new KqlError("Unterminated ``` string literal", start);
    return { value: text.slice(i + 3, close), end: close + 3 };
  }
  if (text[i] === "@" && (text[i + 1] === "'" || text[i + 1] === '"')) {
    const quote = text[i + 1]!;
    let value = "";
    let j = i + 2;
    for (;;) {
      if (j >= text.length) throw new KqlError("Unterminated verbatim string literal", start);
      const ch = text[j]!;
      if (ch === quote) {
        if (text[j + 1] === quote) {
          value += quote;
          j += 2;
          continue;
        }
        return { value, end: j + 1 };
      }
      value += ch;
      j++;
    }
  }
  if (text[i] === "'" || text[i] === '"') {
    const quote = text[i]!;
    let value = "";
    let j = i + 1;
    for (;;) {
      if (j >= text.length) throw new KqlError("Unterminated string literal", start);
      const ch = text[j]!;
      if (ch === "\n") throw new KqlError("Unterminated string literal (new line inside a quoted string)", start);
      if (ch === quote) return { value, end: j + 1 };
      if (ch === "\\") {
        const escaped = text[j + 1];
        switch (escaped) {
          case "\\": value += "\\"; break;
          case "'": value += "'"; break;
          case '"': value += '"'; break;
          case "n": value += "\n"; break;
          case "r": value += "\r"; break;
          case "t": value += "\t"; break;
          case "0": value += "\0"; break;
          case "u": {
            const hex = text.slice(j + 2, j + 6);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new KqlError("Invalid \\u escape in string literal", j);
            value += String.fromCharCode(parseInt(hex, 16));
            j += 4;
            break;
          }
          default:
            throw new KqlError(`Invalid escape sequence '\\${escaped ?? ""}' in string literal`, j);
        }
        j += 2;
        continue;
      }
      value += ch;
      j++;
    }
  }
  return null;
}
