// Parses the KQL subset into a small AST. Anything outside the subset is a KqlError naming the
// construct, so the emulator answers 400 instead of a silently wrong result.
import { KqlError, type Token, tokenize } from "./lexer.ts";

export type Expr =
  | { kind: "literal"; value: unknown; pos: number }
  | { kind: "column"; name: string; pos: number }
  | { kind: "member"; target: Expr; name: string; pos: number }
  | { kind: "index"; target: Expr; index: Expr; pos: number }
  | { kind: "call"; name: string; args: Expr[]; pos: number }
  | { kind: "binary"; op: string; left: Expr; right: Expr; pos: number }
  | { kind: "in"; target: Expr; items: Expr[]; caseInsensitive: boolean; negated: boolean; pos: number }
  | { kind: "negate"; operand: Expr; pos: number };

export interface NamedExpr {
  name: string;
  expr: Expr;
}

export interface SortKey {
  expr: Expr;
  descending: boolean;
  nullsFirst: boolean;
}

export type Operator =
  | { kind: "where"; predicate: Expr; pos: number }
  | { kind: "project"; columns: NamedExpr[]; pos: number }
  | { kind: "extend"; columns: NamedExpr[]; pos: number }
  | { kind: "project-away"; names: string[]; pos: number }
  | { kind: "order"; keys: SortKey[]; pos: number }
  | { kind: "take"; count: number; pos: number }
  | { kind: "count"; pos: number };

export interface Query {
  table: string;
  tablePos: number;
  operators: Operator[];
}

export class Timespan {
  constructor(readonly ms: number) {}
}

const STRING_OPERATORS = new Set([
  "has", "!has", "has_cs", "!has_cs", "contains", "!contains", "contains_cs", "!contains_cs",
  "startswith", "!startswith", "startswith_cs", "!startswith_cs", "endswith", "!endswith", "endswith_cs", "!endswith_cs",
  "matches",
]);

export function parseQuery(text: string): Query {
  return new Parser(tokenize(text)).query();
}

class Parser {
  private i = 0;
  private autoNames = 0;

  constructor(private readonly tokens: Token[]) {}

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const token = this.peek();
    if (this.i < this.tokens.length - 1) this.i++;
    return token;
  }

  private isOp(value: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token.type === "op" && token.value === value;
  }

  private isWord(value: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token.type === "ident" && token.value.toLowerCase() === value;
  }

  private expectOp(value: string): Token {
    const token = this.next();
    if (token.type !== "op" || token.value !== value) throw new KqlError(`Expected '${value}' but found ${describe(token)}`, token.pos);
    return token;
  }

  private identifier(what: string): Token {
    const token = this.next();
    if (token.type !== "ident") throw new KqlError(`Expected ${what} but found ${describe(token)}`, token.pos);
    return token;
  }

  query(): Query {
    const table = this.identifier("a table name");
    const operators: Operator[] = [];
    while (this.isOp("|")) {
      this.next();
      operators.push(this.operator());
    }
    if (this.isOp(";")) this.next();
    const rest = this.peek();
    if (rest.type !== "eof") throw new KqlError(`Unexpected ${describe(rest)} after the end of the query`, rest.pos);
    return { table: table.value, tablePos: table.pos, operators };
  }

  private operator(): Operator {
    const token = this.identifier("a query operator after '|'");
    const name = token.value.toLowerCase();
    switch (name) {
      case "where":
      case "filter":
        return { kind: "where", predicate: this.expression(), pos: token.pos };
      case "project":
        return { kind: "project", columns: this.namedList(), pos: token.pos };
      case "extend":
        return { kind: "extend", columns: this.namedList(), pos: token.pos };
      case "project-away": {
        const names = [this.identifier("a column name").value];
        while (this.isOp(",")) {
          this.next();
          names.push(this.identifier("a column name").value);
        }
        return { kind: "project-away", names, pos: token.pos };
      }
      case "order":
      case "sort": {
        if (!this.isWord("by")) throw new KqlError(`Expected 'by' after '${token.value}'`, this.peek().pos);
        this.next();
        const keys: SortKey[] = [this.sortKey()];
        while (this.isOp(",")) {
          this.next();
          keys.push(this.sortKey());
        }
        return { kind: "order", keys, pos: token.pos };
      }
      case "take":
      case "limit": {
        const count = this.next();
        if (count.type !== "number" || !/^\d+$/.test(count.value)) throw new KqlError(`'${token.value}' needs a whole number of rows`, count.pos);
        return { kind: "take", count: Number(count.value), pos: token.pos };
      }
      case "count":
        return { kind: "count", pos: token.pos };
      default:
        throw new KqlError(`The query operator '${token.value}' is not supported by the emulator (supported: where, project, project-away, extend, order by, sort by, take, limit, count)`, token.pos, "UnsupportedOperator");
    }
  }

  private sortKey(): SortKey {
    const expr = this.expression();
    // Kusto sorts descending unless told otherwise.
    let descending = true;
    if (this.isWord("asc")) {
      this.next();
      descending = false;
    } else if (this.isWord("desc")) {
      this.next();
    }
    let nullsFirst = !descending;
    if (this.isWord("nulls")) {
      this.next();
      const which = this.identifier("'first' or 'last'");
      if (which.value.toLowerCase() === "first") nullsFirst = true;
      else if (which.value.toLowerCase() === "last") nullsFirst = false;
      else throw new KqlError(`Expected 'first' or 'last' after 'nulls'`, which.pos);
    }
    return { expr, descending, nullsFirst };
  }

  private namedList(): NamedExpr[] {
    const list = [this.named()];
    while (this.isOp(",")) {
      this.next();
      list.push(this.named());
    }
    return list;
  }

  private named(): NamedExpr {
    if (this.peek().type === "ident" && this.isOp("=", 1)) {
      const name = this.next().value;
      this.next();
      return { name, expr: this.expression() };
    }
    const expr = this.expression();
    return { name: autoName(expr) ?? `Column${++this.autoNames}`, expr };
  }

  expression(): Expr {
    return this.or();
  }

  private or(): Expr {
    let left = this.and();
    while (this.isWord("or")) {
      const pos = this.next().pos;
      left = { kind: "binary", op: "or", left, right: this.and(), pos };
    }
    return left;
  }

  private and(): Expr {
    let left = this.comparison();
    while (this.isWord("and")) {
      const pos = this.next().pos;
      left = { kind: "binary", op: "and", left, right: this.comparison(), pos };
    }
    return left;
  }

  private comparison(): Expr {
    const left = this.additive();
    const token = this.peek();
    if (token.type === "op" && ["==", "!=", "=~", "!~", "<", "<=", ">", ">=", "<>"].includes(token.value)) {
      this.next();
      return { kind: "binary", op: token.value === "<>" ? "!=" : token.value, left, right: this.additive(), pos: token.pos };
    }
    if (token.type === "ident") {
      const word = token.value.toLowerCase();
      if (word === "in" || word === "!in") {
        this.next();
        let caseInsensitive = false;
        if (this.isOp("~")) {
          this.next();
          caseInsensitive = true;
        }
        return this.inList(left, caseInsensitive, word === "!in", token.pos);
      }
      if (word === "in~" || word === "!in~") {
        this.next();
        return this.inList(left, true, word === "!in~", token.pos);
      }
      if (STRING_OPERATORS.has(word)) {
        this.next();
        if (word === "matches") {
          if (!this.isWord("regex")) throw new KqlError("Expected 'regex' after 'matches'", this.peek().pos);
          this.next();
          return { kind: "binary", op: "matches regex", left, right: this.additive(), pos: token.pos };
        }
        return { kind: "binary", op: word, left, right: this.additive(), pos: token.pos };
      }
      if (["and", "or", "asc", "desc", "nulls", "by"].includes(word)) return left;
      throw new KqlError(`Unexpected '${token.value}': the emulator does not understand this operator`, token.pos, "UnsupportedOperator");
    }
    return left;
  }

  private inList(target: Expr, caseInsensitive: boolean, negated: boolean, pos: number): Expr {
    this.expectOp("(");
    const items: Expr[] = [];
    if (!this.isOp(")")) {
      items.push(this.expression());
      while (this.isOp(",")) {
        this.next();
        items.push(this.expression());
      }
    }
    this.expectOp(")");
    return { kind: "in", target, items, caseInsensitive, negated, pos };
  }

  private additive(): Expr {
    let left = this.multiplicative();
    while (this.isOp("+") || this.isOp("-")) {
      const token = this.next();
      left = { kind: "binary", op: token.value, left, right: this.multiplicative(), pos: token.pos };
    }
    return left;
  }

  private multiplicative(): Expr {
    let left = this.unary();
    while (this.isOp("*") || this.isOp("/") || this.isOp("%")) {
      const token = this.next();
      left = { kind: "binary", op: token.value, left, right: this.unary(), pos: token.pos };
    }
    return left;
  }

  private unary(): Expr {
    if (this.isOp("-")) {
      const pos = this.next().pos;
      return { kind: "negate", operand: this.unary(), pos };
    }
    return this.postfix(this.primary());
  }

  private postfix(expr: Expr): Expr {
    for (;;) {
      if (this.isOp(".")) {
        const dot = this.next();
        const name = this.identifier("a property name after '.'");
        expr = { kind: "member", target: expr, name: name.value, pos: dot.pos };
      } else if (this.isOp("[")) {
        const bracket = this.next();
        const index = this.expression();
        this.expectOp("]");
        expr = { kind: "index", target: expr, index, pos: bracket.pos };
      } else {
        return expr;
      }
    }
  }

  private primary(): Expr {
    const token = this.next();
    switch (token.type) {
      case "string":
        return { kind: "literal", value: token.value, pos: token.pos };
      case "number":
        return { kind: "literal", value: Number(token.value), pos: token.pos };
      case "timespan":
        return { kind: "literal", value: new Timespan(token.ms!), pos: token.pos };
      case "op":
        if (token.value === "(") {
          const inner = this.expression();
          this.expectOp(")");
          return inner;
        }
        throw new KqlError(`Unexpected ${describe(token)}`, token.pos);
      case "ident": {
        const word = token.value;
        const lower = word.toLowerCase();
        if (lower === "true" || lower === "false") return { kind: "literal", value: lower === "true", pos: token.pos };
        if (lower === "null") return { kind: "literal", value: null, pos: token.pos };
        if (this.isOp("(")) {
          if (lower === "datetime") return this.datetimeLiteral(token);
          if (lower === "dynamic") return this.dynamicLiteral(token);
          if (lower === "timespan" || lower === "time") return this.timespanLiteral(token);
          this.next();
          const args: Expr[] = [];
          if (!this.isOp(")")) {
            args.push(this.expression());
            while (this.isOp(",")) {
              this.next();
              args.push(this.expression());
            }
          }
          this.expectOp(")");
          return { kind: "call", name: lower, args, pos: token.pos };
        }
        return { kind: "column", name: word, pos: token.pos };
      }
      default:
        throw new KqlError(`Unexpected ${describe(token)}`, token.pos);
    }
  }

  private rawUntilClose(): { text: string; pos: number } {
    const open = this.expectOp("(");
    const parts: string[] = [];
    let depth = 1;
    for (;;) {
      const token = this.next();
      if (token.type === "eof") throw new KqlError("Missing ')'", open.pos);
      if (token.type === "op" && token.value === "(") depth++;
      if (token.type === "op" && token.value === ")" && --depth === 0) break;
      parts.push(token.type === "string" ? JSON.stringify(token.value) : token.value);
    }
    return { text: parts.join(""), pos: open.pos };
  }

  private datetimeLiteral(token: Token): Expr {
    const { text } = this.rawUntilClose();
    const unquoted = text.startsWith('"') ? (JSON.parse(text) as string) : text;
    const ms = Date.parse(unquoted.includes("T") || unquoted.length <= 10 ? unquoted : unquoted.replace(" ", "T"));
    if (Number.isNaN(ms)) throw new KqlError(`Invalid datetime literal '${unquoted}'`, token.pos);
    return { kind: "literal", value: new Date(ms), pos: token.pos };
  }

  private timespanLiteral(token: Token): Expr {
    this.expectOp("(");
    const inner = this.next();
    this.expectOp(")");
    if (inner.type !== "timespan") throw new KqlError("Invalid timespan literal", token.pos);
    return { kind: "literal", value: new Timespan(inner.ms!), pos: token.pos };
  }

  private dynamicLiteral(token: Token): Expr {
    const { text } = this.rawUntilClose();
    try {
      return { kind: "literal", value: JSON.parse(text), pos: token.pos };
    } catch {
      throw new KqlError(`Invalid dynamic literal '${text}'`, token.pos);
    }
  }
}

function autoName(expr: Expr): string | null {
  if (expr.kind === "column") return expr.name;
  if (expr.kind === "member") {
    const base = autoName(expr.target);
    return base === null ? null : `${base}_${expr.name}`;
  }
  return null;
}

function describe(token: Token): string {
  if (token.type === "eof") return "the end of the query";
  if (token.type === "string") return "a string literal";
  return `'${token.value}'`;
}
