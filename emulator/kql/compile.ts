// Compiles a parsed KQL query into plain closures over row objects, resolving every column and
// function up front so an unknown name is a 400 before any row is read, and the per-row work is
// just function calls (the 100,000-row scan depends on it).
import { KqlError } from "./lexer.ts";
import { type Expr, type NamedExpr, type Operator, type Query, Timespan, parseQuery } from "./parser.ts";

export type Row = Record<string, unknown>;
type Evaluator = (row: Row) => unknown;

/** The columns every Resource Graph table has. */
export const ARG_COLUMNS = [
  "id", "name", "type", "tenantId", "kind", "location", "resourceGroup", "subscriptionId",
  "managedBy", "sku", "plan", "properties", "tags", "identity", "zones", "extendedLocation",
] as const;

export const ARG_TABLES = ["resources", "resourcecontainers", "recoveryservicesresources", "authorizationresources"] as const;
export type ArgTableName = (typeof ARG_TABLES)[number];

export interface CompiledQuery {
  table: ArgTableName;
  /** Lower-case `type` values the leading where clauses restrict the rows to, or null for all types. */
  typeHint: string[] | null;
  /** Output columns, in order. */
  columns: string[];
  run(rows: Iterable<Row>): Row[];
}

export function compileQuery(text: string, now: () => number = Date.now): CompiledQuery {
  const query: Query = parseQuery(text);
  const table = query.table.toLowerCase() as ArgTableName;
  if (!(ARG_TABLES as readonly string[]).includes(table)) {
    throw new KqlError(
      `Table '${query.table}' is not supported by the emulator (supported: ${ARG_TABLES.join(", ")})`,
      query.tablePos,
      "FailedToResolveEntity",
    );
  }
  let columns: string[] = [...ARG_COLUMNS];
  const stages: ((rows: Row[]) => Row[])[] = [];
  const context: Context = { now };
  let typeHint: string[] | null = null;
  let beforeReshape = true;

  for (const op of query.operators) {
    switch (op.kind) {
      case "where": {
        if (beforeReshape) typeHint = intersectHints(typeHint, typeHintOf(op.predicate));
        const predicate = compileExpr(op.predicate, columns, context);
        stages.push((rows) => rows.filter((row) => predicate(row) === true));
        break;
      }
      case "project": {
        beforeReshape = false;
        const compiled = compileNamed(op.columns, columns, context);
        columns = uniqueNames(op.columns.map((c) => c.name), op);
        stages.push((rows) =>
          rows.map((row) => {
            const out: Row = {};
            for (const [name, evaluate] of compiled) out[name] = evaluate(row);
            return out;
          }),
        );
        break;
      }
      case "extend": {
        beforeReshape = false;
        const compiled = compileNamed(op.columns, columns, context);
        for (const c of op.columns) if (!columns.includes(c.name)) columns = [...columns, c.name];
        stages.push((rows) =>
          rows.map((row) => {
            const out: Row = { ...row };
            for (const [name, evaluate] of compiled) out[name] = evaluate(row);
            return out;
          }),
        );
        break;
      }
      case "project-away": {
        beforeReshape = false;
        for (const name of op.names) if (!columns.includes(name)) throw unresolved(name, op.pos);
        const removed = new Set(op.names);
        columns = columns.filter((c) => !removed.has(c));
        const kept = columns;
        stages.push((rows) =>
          rows.map((row) => {
            const out: Row = {};
            for (const name of kept) out[name] = row[name];
            return out;
          }),
        );
        break;
      }
      case "order": {
        const keys = op.keys.map((k) => ({ evaluate: compileExpr(k.expr, columns, context), descending: k.descending, nullsFirst: k.nullsFirst }));
        stages.push((rows) => {
          const decorated = rows.map((row) => ({ row, values: keys.map((k) => k.evaluate(row)) }));
          decorated.sort((a, b) => {
            for (let i = 0; i < keys.length; i++) {
              const key = keys[i]!;
              const result = compareForSort(a.values[i], b.values[i], key.descending, key.nullsFirst);
              if (result !== 0) return result;
            }
            return 0;
          });
          return decorated.map((d) => d.row);
        });
        break;
      }
      case "take": {
        const count = op.count;
        stages.push((rows) => rows.slice(0, count));
        break;
      }
      case "count": {
        beforeReshape = false;
        columns = ["Count"];
        stages.push((rows) => [{ Count: rows.length }]);
        break;
      }
    }
  }
  return {
    table,
    typeHint,
    columns,
    run(input) {
      let rows: Row[] = Array.isArray(input) ? input : [...input];
      for (const stage of stages) rows = stage(rows);
      return rows;
    },
  };
}

interface Context {
  now: () => number;
}

function uniqueNames(names: string[], op: Operator): string[] {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new KqlError(`The column '${name}' is projected twice`, op.pos);
    seen.add(name);
  }
  return names;
}

function compileNamed(list: NamedExpr[], columns: string[], context: Context): [string, Evaluator][] {
  return list.map((c) => [c.name, compileExpr(c.expr, columns, context)]);
}

function unresolved(name: string, pos: number): KqlError {
  return new KqlError(`Failed to resolve scalar expression named '${name}'`, pos, "FailedToResolveColumn");
}

function typeHintOf(expr: Expr): string[] | null {
  if (expr.kind === "binary" && expr.op === "and") return intersectHints(typeHintOf(expr.left), typeHintOf(expr.right));
  if (expr.kind === "binary" && (expr.op === "=~" || expr.op === "==") && expr.left.kind === "column" && expr.left.name === "type" && expr.right.kind === "literal" && typeof expr.right.value === "string") {
    // Resource Graph's type values are lower-case, so `==` with upper-case letters matches nothing.
    return [expr.op === "=~" ? expr.right.value.toLowerCase() : expr.right.value];
  }
  if (expr.kind === "in" && !expr.negated && expr.target.kind === "column" && expr.target.name === "type" && expr.items.every((i) => i.kind === "literal" && typeof i.value === "string")) {
    return expr.items.map((i) => {
      const value = (i as { value: string }).value;
      return expr.caseInsensitive ? value.toLowerCase() : value;
    });
  }
  return null;
}

function intersectHints(a: string[] | null, b: string[] | null): string[] | null {
  if (a === null) return b;
  if (b === null) return a;
  return a.filter((t) => b.includes(t));
}

// ---------- values ----------

export function toKqlString(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Timespan) return formatTimespan(value.ms);
  return JSON.stringify(value);
}

function formatTimespan(ms: number): string {
  const sign = ms < 0 ? "-" : "";
  const abs = Math.abs(ms);
  const days = Math.floor(abs / 86_400_000);
  const rest = abs % 86_400_000;
  const pad = (n: number) => String(n).padStart(2, "0");
  const time = `${pad(Math.floor(rest / 3_600_000))}:${pad(Math.floor((rest % 3_600_000) / 60_000))}:${pad(Math.floor((rest % 60_000) / 1000))}`;
  return `${sign}${days ? `${days}.` : ""}${time}`;
}

function isEmpty(value: unknown): boolean {
  return value === null || value === undefined || value === "";
}

function toNumber(value: unknown): number | null {
  if (typeof value === "number") return value;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "string" && value.trim() !== "" && !Number.isNaN(Number(value))) return Number(value);
  if (value instanceof Date) return value.getTime();
  return null;
}

function toDate(value: unknown): Date | null {
  if (value instanceof Date) return value;
  if (typeof value === "string") {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? null : new Date(ms);
  }
  return null;
}

function equals(a: unknown, b: unknown): boolean {
  if (a === null || a === undefined || b === null || b === undefined) return (a ?? null) === (b ?? null);
  if (typeof a === "string" && typeof b === "string") return a === b;
  if (a instanceof Date || b instanceof Date) return toDate(a)?.getTime() === toDate(b)?.getTime();
  if (a instanceof Timespan && b instanceof Timespan) return a.ms === b.ms;
  if (typeof a === "number" || typeof b === "number") return toNumber(a) === toNumber(b);
  if (typeof a === "boolean" && typeof b === "boolean") return a === b;
  return toKqlString(a) === toKqlString(b);
}

function compareValues(a: unknown, b: unknown): number {
  // The hot path: sorting 100,000 ids is string against string, compared ordinally as Kusto does.
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (a instanceof Date || b instanceof Date) {
    const da = toDate(a)?.getTime() ?? NaN;
    const db = toDate(b)?.getTime() ?? NaN;
    return da < db ? -1 : da > db ? 1 : 0;
  }
  if (a instanceof Timespan && b instanceof Timespan) return a.ms - b.ms;
  const na = toNumber(a);
  const nb = toNumber(b);
  if (na !== null && nb !== null && typeof a !== "string" && typeof b !== "string") return na - nb;
  const sa = toKqlString(a);
  const sb = toKqlString(b);
  // Ordinal comparison, as Kusto sorts strings.
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

function compareForSort(a: unknown, b: unknown, descending: boolean, nullsFirst: boolean): number {
  const aNull = a === null || a === undefined;
  const bNull = b === null || b === undefined;
  if (aNull || bNull) {
    if (aNull && bNull) return 0;
    return aNull === nullsFirst ? -1 : 1;
  }
  const result = compareValues(a, b);
  return descending ? -result : result;
}

const isWordChar = (c: string | undefined) => c !== undefined && /[\p{L}\p{N}_]/u.test(c);

/** Kusto's `has`: the needle matches whole terms of the haystack (case-insensitive unless _cs). */
function hasTerm(haystack: string, needle: string): boolean {
  if (needle === "") return true;
  let from = 0;
  for (;;) {
    const at = haystack.indexOf(needle, from);
    if (at < 0) return false;
    const before = haystack[at - 1];
    const after = haystack[at + needle.length];
    const startsOk = !isWordChar(needle[0]) || !isWordChar(before);
    const endsOk = !isWordChar(needle[needle.length - 1]) || !isWordChar(after);
    if (startsOk && endsOk) return true;
    from = at + 1;
  }
}

function stringOperator(op: string): ((haystack: string, needle: string) => boolean) | null {
  const negated = op.startsWith("!");
  const base = negated ? op.slice(1) : op;
  const caseSensitive = base.endsWith("_cs");
  const name = caseSensitive ? base.slice(0, -3) : base;
  let test: (h: string, n: string) => boolean;
  switch (name) {
    case "has": test = hasTerm; break;
    case "contains": test = (h, n) => h.includes(n); break;
    case "startswith": test = (h, n) => h.startsWith(n); break;
    case "endswith": test = (h, n) => h.endsWith(n); break;
    default: return null;
  }
  const folded = caseSensitive ? test : (h: string, n: string) => test(h.toLowerCase(), n.toLowerCase());
  return negated ? (h, n) => !folded(h, n) : folded;
}

// ---------- expressions ----------

function compileExpr(expr: Expr, columns: string[], context: Context): Evaluator {
  switch (expr.kind) {
    case "literal": {
      const value = expr.value;
      return () => value;
    }
    case "column": {
      if (!columns.includes(expr.name)) throw unresolved(expr.name, expr.pos);
      const name = expr.name;
      return (row) => row[name];
    }
    case "member": {
      const target = compileExpr(expr.target, columns, context);
      const name = expr.name;
      return (row) => {
        const value = target(row);
        return value !== null && typeof value === "object" && !Array.isArray(value) ? ((value as Row)[name] ?? null) : null;
      };
    }
    case "index": {
      const target = compileExpr(expr.target, columns, context);
      const index = compileExpr(expr.index, columns, context);
      return (row) => {
        const value = target(row);
        const key = index(row);
        if (Array.isArray(value) && typeof key === "number") {
          const i = key < 0 ? value.length + key : key;
          return value[i] ?? null;
        }
        if (value !== null && typeof value === "object" && typeof key === "string") return (value as Row)[key] ?? null;
        return null;
      };
    }
    case "negate": {
      const operand = compileExpr(expr.operand, columns, context);
      return (row) => {
        const value = operand(row);
        if (value instanceof Timespan) return new Timespan(-value.ms);
        const n = toNumber(value);
        return n === null ? null : -n;
      };
    }
    case "in": {
      const target = compileExpr(expr.target, columns, context);
      const constant = expr.items.every((i) => i.kind === "literal");
      const fold = (v: unknown) => (expr.caseInsensitive ? toKqlString(v).toLowerCase() : v);
      const negated = expr.negated;
      if (constant) {
        const values = expr.items.map((i) => (i as { value: unknown }).value);
        const stringSet = new Set(values.filter((v) => typeof v === "string").map((v) => fold(v)));
        const others = values.filter((v) => typeof v !== "string");
        return (row) => {
          const value = target(row);
          const folded = expr.caseInsensitive ? toKqlString(value).toLowerCase() : value;
          const found = (typeof folded === "string" && stringSet.has(folded)) || others.some((o) => equals(value, o));
          return negated ? !found : found;
        };
      }
      const items = expr.items.map((i) => compileExpr(i, columns, context));
      return (row) => {
        const value = fold(target(row));
        const found = items.some((item) => {
          const candidate = item(row);
          if (Array.isArray(candidate)) return candidate.some((c) => equals(value, fold(c)));
          return equals(value, fold(candidate));
        });
        return negated ? !found : found;
      };
    }
    case "binary":
      return compileBinary(expr, columns, context);
    case "call":
      return compileCall(expr, columns, context);
  }
}

function compileBinary(expr: Extract<Expr, { kind: "binary" }>, columns: string[], context: Context): Evaluator {
  const left = compileExpr(expr.left, columns, context);
  const right = compileExpr(expr.right, columns, context);
  switch (expr.op) {
    case "and":
      return (row) => left(row) === true && right(row) === true;
    case "or":
      return (row) => left(row) === true || right(row) === true;
    case "==":
      return (row) => equals(left(row), right(row));
    case "!=":
      return (row) => !equals(left(row), right(row));
    case "=~":
    case "!~": {
      const negated = expr.op === "!~";
      if (expr.right.kind === "literal") {
        const folded = toKqlString(expr.right.value).toLowerCase();
        return (row) => {
          const value = left(row);
          const text = typeof value === "string" ? value : toKqlString(value);
          const same = text === folded || text.toLowerCase() === folded;
          return negated ? !same : same;
        };
      }
      return (row) => {
        const same = toKqlString(left(row)).toLowerCase() === toKqlString(right(row)).toLowerCase();
        return negated ? !same : same;
      };
    }
    case "<":
      return (row) => comparable(left(row), right(row)) && compareValues(left(row), right(row)) < 0;
    case "<=":
      return (row) => comparable(left(row), right(row)) && compareValues(left(row), right(row)) <= 0;
    case ">":
      return (row) => comparable(left(row), right(row)) && compareValues(left(row), right(row)) > 0;
    case ">=":
      return (row) => comparable(left(row), right(row)) && compareValues(left(row), right(row)) >= 0;
    case "+":
    case "-":
      return (row) => arithmetic(expr.op, left(row), right(row));
    case "*":
    case "/":
    case "%":
      return (row) => {
        const a = toNumber(left(row));
        const b = toNumber(right(row));
        if (a === null || b === null) return null;
        if (expr.op === "*") return a * b;
        if (b === 0) return null;
        return expr.op === "/" ? a / b : a % b;
      };
    case "matches regex": {
      if (expr.right.kind !== "literal" || typeof expr.right.value !== "string") throw new KqlError("'matches regex' needs a constant string pattern", expr.pos);
      const pattern = regexOf(expr.right.value, expr.pos);
      return (row) => pattern.test(toKqlString(left(row)));
    }
    default: {
      const test = stringOperator(expr.op);
      if (!test) throw new KqlError(`The operator '${expr.op}' is not supported by the emulator`, expr.pos, "UnsupportedOperator");
      return (row) => test(toKqlString(left(row)), toKqlString(right(row)));
    }
  }
}

function comparable(a: unknown, b: unknown): boolean {
  return a !== null && a !== undefined && b !== null && b !== undefined;
}

function arithmetic(op: string, a: unknown, b: unknown): unknown {
  const sign = op === "+" ? 1 : -1;
  if (a instanceof Date && b instanceof Timespan) return new Date(a.getTime() + sign * b.ms);
  if (a instanceof Date && (b instanceof Date || typeof b === "string") && op === "-") {
    const other = toDate(b);
    return other ? new Timespan(a.getTime() - other.getTime()) : null;
  }
  if (a instanceof Timespan && b instanceof Timespan) return new Timespan(a.ms + sign * b.ms);
  const x = toNumber(a);
  const y = toNumber(b);
  return x === null || y === null ? null : x + sign * y;
}

function regexOf(pattern: string, pos: number): RegExp {
  try {
    return new RegExp(pattern);
  } catch {
    throw new KqlError(`Invalid regular expression '${pattern}'`, pos);
  }
}

interface FunctionSpec {
  arity: [number, number];
  build: (args: Evaluator[], expr: Extract<Expr, { kind: "call" }>, context: Context) => Evaluator;
}

const FUNCTIONS: Record<string, FunctionSpec> = {
  tostring: { arity: [1, 1], build: ([a]) => (row) => toKqlString(a!(row)) },
  tolower: { arity: [1, 1], build: ([a]) => (row) => toKqlString(a!(row)).toLowerCase() },
  toupper: { arity: [1, 1], build: ([a]) => (row) => toKqlString(a!(row)).toUpperCase() },
  strlen: { arity: [1, 1], build: ([a]) => (row) => [...toKqlString(a!(row))].length },
  isempty: { arity: [1, 1], build: ([a]) => (row) => isEmpty(a!(row)) },
  isnotempty: { arity: [1, 1], build: ([a]) => (row) => !isEmpty(a!(row)) },
  isnull: { arity: [1, 1], build: ([a]) => (row) => a!(row) === null || a!(row) === undefined },
  isnotnull: { arity: [1, 1], build: ([a]) => (row) => a!(row) !== null && a!(row) !== undefined },
  not: { arity: [1, 1], build: ([a]) => (row) => a!(row) !== true },
  strcat: { arity: [1, 64], build: (args) => (row) => args.map((a) => toKqlString(a(row))).join("") },
  iff: { arity: [3, 3], build: ([c, t, f]) => (row) => (c!(row) === true ? t!(row) : f!(row)) },
  iif: { arity: [3, 3], build: ([c, t, f]) => (row) => (c!(row) === true ? t!(row) : f!(row)) },
  coalesce: { arity: [1, 64], build: (args) => (row) => { for (const a of args) { const v = a(row); if (!isEmpty(v)) return v; } return null; } },
  array_length: { arity: [1, 1], build: ([a]) => (row) => { const v = a!(row); return Array.isArray(v) ? v.length : null; } },
  tolong: { arity: [1, 1], build: ([a]) => (row) => { const n = toNumber(a!(row)); return n === null ? null : Math.trunc(n); } },
  toint: { arity: [1, 1], build: ([a]) => (row) => { const n = toNumber(a!(row)); return n === null ? null : Math.trunc(n); } },
  todouble: { arity: [1, 1], build: ([a]) => (row) => toNumber(a!(row)) },
  toreal: { arity: [1, 1], build: ([a]) => (row) => toNumber(a!(row)) },
  tobool: { arity: [1, 1], build: ([a]) => (row) => { const v = a!(row); if (typeof v === "boolean") return v; const s = toKqlString(v).toLowerCase(); return s === "true" ? true : s === "false" ? false : null; } },
  todatetime: { arity: [1, 1], build: ([a]) => (row) => toDate(a!(row)) },
  todynamic: { arity: [1, 1], build: ([a]) => (row) => parseDynamic(a!(row)) },
  parse_json: { arity: [1, 1], build: ([a]) => (row) => parseDynamic(a!(row)) },
  now: { arity: [0, 0], build: (_args, _expr, context) => () => new Date(context.now()) },
  ago: {
    arity: [1, 1],
    build: ([a], expr, context) => (row) => {
      const span = a!(row);
      if (!(span instanceof Timespan)) throw new KqlError("ago() needs a timespan", expr.pos);
      return new Date(context.now() - span.ms);
    },
  },
  substring: {
    arity: [2, 3],
    build: ([s, start, length]) => (row) => {
      const text = toKqlString(s!(row));
      const from = Math.max(0, toNumber(start!(row)) ?? 0);
      const count = length ? (toNumber(length(row)) ?? text.length) : text.length;
      return text.substr(from, count);
    },
  },
  indexof: { arity: [2, 2], build: ([s, n]) => (row) => toKqlString(s!(row)).indexOf(toKqlString(n!(row))) },
  replace_string: { arity: [3, 3], build: ([s, find, replacement]) => (row) => toKqlString(s!(row)).split(toKqlString(find!(row))).join(toKqlString(replacement!(row))) },
  split: {
    arity: [2, 3],
    build: ([s, delimiter, index]) => (row) => {
      const parts = toKqlString(s!(row)).split(toKqlString(delimiter!(row)));
      if (!index) return parts;
      const i = toNumber(index(row));
      return i === null ? null : [parts[i] ?? ""].filter((p) => p !== undefined);
    },
  },
  extract: {
    arity: [3, 3],
    build: ([pattern, group, source], expr) => {
      const constantPattern = expr.args[0]!.kind === "literal" && typeof (expr.args[0] as { value: unknown }).value === "string";
      const cached = constantPattern ? regexOf((expr.args[0] as { value: string }).value, expr.pos) : null;
      return (row) => {
        const regex = cached ?? regexOf(toKqlString(pattern!(row)), expr.pos);
        const match = regex.exec(toKqlString(source!(row)));
        const g = toNumber(group!(row)) ?? 0;
        return match ? (match[g] ?? "") : "";
      };
    },
  },
};

function parseDynamic(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function compileCall(expr: Extract<Expr, { kind: "call" }>, columns: string[], context: Context): Evaluator {
  const spec = FUNCTIONS[expr.name];
  if (!spec) throw new KqlError(`Unknown function: '${expr.name}'. The emulator supports ${Object.keys(FUNCTIONS).join(", ")}`, expr.pos, "UnknownFunction");
  const [min, max] = spec.arity;
  if (expr.args.length < min || expr.args.length > max) {
    throw new KqlError(`Function '${expr.name}' expects ${min === max ? min : `${min} to ${max}`} argument(s), got ${expr.args.length}`, expr.pos);
  }
  return spec.build(expr.args.map((a) => compileExpr(a, columns, context)), expr, context);
}
