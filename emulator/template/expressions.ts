// ARM template expressions: "[function(args)...]" strings inside a template, evaluated with the
// functions role-assignment templates use (parameters, variables, guid, resourceGroup,
// subscription, subscriptionResourceId, resourceId, concat, format, copyIndex, length, and a few
// more). An unknown function is an InvalidTemplate error naming it, as ARM reports.
import { createHash } from "node:crypto";

export class TemplateError extends Error {
  override name = "TemplateError";
}

export interface TemplateScope {
  subscriptionId: string;
  tenantId: string;
  subscriptionDisplayName: string;
  resourceGroup: { name: string; location: string; tags: Record<string, string> };
  deploymentName: string;
  parameters: Record<string, unknown>;
  /** Variables are evaluated lazily (they may refer to each other). */
  variable: (name: string) => unknown;
  /** Current copy loop indexes by loop name; "" is the innermost loop. */
  copyIndexes: Map<string, number>;
}

type Node =
  | { kind: "string"; value: string }
  | { kind: "number"; value: number }
  | { kind: "call"; name: string; args: Node[] }
  | { kind: "property"; target: Node; name: string }
  | { kind: "index"; target: Node; index: Node };

/** True when the string is an expression ("[...]" but not the "[[" escape). */
export function isExpression(text: string): boolean {
  return text.startsWith("[") && text.endsWith("]") && !text.startsWith("[[");
}

/** Evaluates template JSON: expressions are replaced by their values, "[[" escapes lose one bracket. */
export function evaluateValue(value: unknown, scope: TemplateScope): unknown {
  if (typeof value === "string") {
    if (isExpression(value)) return evaluateExpression(value.slice(1, -1), scope);
    if (value.startsWith("[[")) return value.slice(1);
    return value;
  }
  if (Array.isArray(value)) return value.map((v) => evaluateValue(v, scope));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = evaluateValue(v, scope);
    return out;
  }
  return value;
}

export function evaluateExpression(text: string, scope: TemplateScope): unknown {
  const parser = new ExpressionParser(text);
  const node = parser.parse();
  return evaluateNode(node, scope);
}

class ExpressionParser {
  private i = 0;
  constructor(private readonly text: string) {}

  parse(): Node {
    const node = this.expression();
    this.skipSpace();
    if (this.i < this.text.length) throw new TemplateError(`The template language expression '${this.text}' is not valid: unexpected '${this.text[this.i]}' at position ${this.i}.`);
    return node;
  }

  private skipSpace(): void {
    while (this.i < this.text.length && /\s/.test(this.text[this.i]!)) this.i++;
  }

  private expression(): Node {
    this.skipSpace();
    let node = this.primary();
    for (;;) {
      this.skipSpace();
      const c = this.text[this.i];
      if (c === ".") {
        this.i++;
        const start = this.i;
        while (this.i < this.text.length && /[A-Za-z0-9_$]/.test(this.text[this.i]!)) this.i++;
        if (start === this.i) throw new TemplateError(`The template language expression '${this.text}' is not valid: expected a property name after '.'.`);
        node = { kind: "property", target: node, name: this.text.slice(start, this.i) };
      } else if (c === "[") {
        this.i++;
        const index = this.expression();
        this.skipSpace();
        if (this.text[this.i] !== "]") throw new TemplateError(`The template language expression '${this.text}' is not valid: missing ']'.`);
        this.i++;
        node = { kind: "index", target: node, index };
      } else {
        return node;
      }
    }
  }

  private primary(): Node {
    const c = this.text[this.i];
    if (c === "'") {
      let value = "";
      this.i++;
      for (;;) {
        if (this.i >= this.text.length) throw new TemplateError(`The template language expression '${this.text}' is not valid: unterminated string.`);
        const ch = this.text[this.i]!;
        if (ch === "'") {
          if (this.text[this.i + 1] === "'") {
            value += "'";
            this.i += 2;
            continue;
          }
          this.i++;
          return { kind: "string", value };
        }
        value += ch;
        this.i++;
      }
    }
    if (c !== undefined && /[-0-9]/.test(c)) {
      const start = this.i;
      this.i++;
      while (this.i < this.text.length && /[0-9.]/.test(this.text[this.i]!)) this.i++;
      return { kind: "number", value: Number(this.text.slice(start, this.i)) };
    }
    const start = this.i;
    while (this.i < this.text.length && /[A-Za-z0-9_]/.test(this.text[this.i]!)) this.i++;
    const name = this.text.slice(start, this.i);
    if (!name) throw new TemplateError(`The template language expression '${this.text}' is not valid: unexpected '${c ?? "end"}'.`);
    this.skipSpace();
    if (this.text[this.i] !== "(") throw new TemplateError(`The template language expression '${this.text}' is not valid: '${name}' must be followed by '('.`);
    this.i++;
    const args: Node[] = [];
    this.skipSpace();
    if (this.text[this.i] === ")") {
      this.i++;
      return { kind: "call", name, args };
    }
    for (;;) {
      args.push(this.expression());
      this.skipSpace();
      if (this.text[this.i] === ",") {
        this.i++;
        continue;
      }
      if (this.text[this.i] === ")") {
        this.i++;
        return { kind: "call", name, args };
      }
      throw new TemplateError(`The template language expression '${this.text}' is not valid: expected ',' or ')'.`);
    }
  }
}

function evaluateNode(node: Node, scope: TemplateScope): unknown {
  switch (node.kind) {
    case "string":
    case "number":
      return node.value;
    case "property": {
      const target = evaluateNode(node.target, scope);
      if (target === null || typeof target !== "object") throw new TemplateError(`The language expression property '${node.name}' can't be evaluated: the value is not an object.`);
      const entry = Object.entries(target as Record<string, unknown>).find(([k]) => k.toLowerCase() === node.name.toLowerCase());
      if (!entry) throw new TemplateError(`The language expression property '${node.name}' doesn't exist, available properties are '${Object.keys(target as object).join(", ")}'.`);
      return entry[1];
    }
    case "index": {
      const target = evaluateNode(node.target, scope);
      const index = evaluateNode(node.index, scope);
      if (Array.isArray(target) && typeof index === "number") {
        if (index < 0 || index >= target.length) throw new TemplateError(`The language expression property array index '${index}' is out of bounds.`);
        return target[index];
      }
      if (target !== null && typeof target === "object" && typeof index === "string") return (target as Record<string, unknown>)[index];
      throw new TemplateError("The language expression index can't be evaluated.");
    }
    case "call":
      return callFunction(node.name.toLowerCase(), node.name, node.args.map((a) => () => evaluateNode(a, scope)), scope);
  }
}

const str = (value: unknown, fn: string): string => {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw new TemplateError(`The template function '${fn}' expects string arguments.`);
};

/** ARM's guid(): a version-5 UUID over the arguments joined by '-', in ARM's namespace. */
export function armGuid(...parts: string[]): string {
  const namespace = Buffer.from("11fb06fb712d4ddd98c7e71bbd588830", "hex");
  const hash = createHash("sha1").update(namespace).update(Buffer.from(parts.join("-"), "utf16le")).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function providerPath(type: string, names: string[], fn: string): string {
  const [namespace, ...types] = type.split("/");
  if (!namespace || types.length === 0) throw new TemplateError(`The template function '${fn}' got an invalid resource type '${type}'.`);
  if (names.length !== types.length) throw new TemplateError(`Unable to evaluate template language function '${fn}': the type '${type}' requires '${types.length}' resource name argument(s).`);
  return `/providers/${namespace}/${types.map((t, i) => `${t}/${names[i]}`).join("/")}`;
}

function formatString(template: string, args: unknown[]): string {
  return template.replace(/\{\{|\}\}|\{(\d+)(?::[^}]*)?\}/g, (match, index: string | undefined) => {
    if (match === "{{") return "{";
    if (match === "}}") return "}";
    const value = args[Number(index)];
    if (value === undefined) throw new TemplateError(`The template function 'format' has no argument for '{${index}}'.`);
    return typeof value === "string" ? value : JSON.stringify(value);
  });
}

function callFunction(name: string, displayName: string, args: (() => unknown)[], scope: TemplateScope): unknown {
  const values = () => args.map((a) => a());
  const arity = (min: number, max = min) => {
    if (args.length < min || args.length > max) throw new TemplateError(`Unable to evaluate template language function '${displayName}': function requires ${min === max ? min : `${min} to ${max}`} argument(s) while ${args.length} were provided.`);
  };
  switch (name) {
    case "parameters": {
      arity(1);
      const key = str(args[0]!(), name);
      const entry = Object.entries(scope.parameters).find(([k]) => k.toLowerCase() === key.toLowerCase());
      if (!entry) throw new TemplateError(`The template parameter '${key}' is not found.`);
      return entry[1];
    }
    case "variables": {
      arity(1);
      return scope.variable(str(args[0]!(), name));
    }
    case "guid": {
      if (args.length < 1) throw new TemplateError("Unable to evaluate template language function 'guid': at least one argument is required.");
      return armGuid(...values().map((v) => str(v, name)));
    }
    case "resourcegroup": {
      arity(0);
      const { subscriptionId, resourceGroup } = scope;
      return {
        id: `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup.name}`,
        name: resourceGroup.name,
        type: "Microsoft.Resources/resourceGroups",
        location: resourceGroup.location,
        tags: resourceGroup.tags,
        properties: { provisioningState: "Succeeded" },
      };
    }
    case "subscription": {
      arity(0);
      return { id: `/subscriptions/${scope.subscriptionId}`, subscriptionId: scope.subscriptionId, tenantId: scope.tenantId, displayName: scope.subscriptionDisplayName };
    }
    case "tenant": {
      arity(0);
      return { tenantId: scope.tenantId, countryCode: "US", displayName: "Emulated tenant" };
    }
    case "deployment": {
      arity(0);
      return { name: scope.deploymentName, properties: {} };
    }
    case "subscriptionresourceid": {
      const list = values().map((v) => str(v, name));
      const typeIndex = list.findIndex((v) => v.includes("/"));
      if (typeIndex < 0 || typeIndex > 1) throw new TemplateError("Unable to evaluate template language function 'subscriptionResourceId': the resource type is missing.");
      const subscriptionId = typeIndex === 1 ? list[0]! : scope.subscriptionId;
      return `/subscriptions/${subscriptionId}${providerPath(list[typeIndex]!, list.slice(typeIndex + 1), name)}`;
    }
    case "tenantresourceid": {
      const list = values().map((v) => str(v, name));
      return providerPath(list[0]!, list.slice(1), name);
    }
    case "resourceid": {
      const list = values().map((v) => str(v, name));
      const typeIndex = list.findIndex((v) => v.includes("/") && !v.startsWith("/"));
      if (typeIndex < 0 || typeIndex > 2) throw new TemplateError("Unable to evaluate template language function 'resourceId': the resource type is missing.");
      const subscriptionId = typeIndex === 2 ? list[0]! : scope.subscriptionId;
      const resourceGroup = typeIndex === 2 ? list[1]! : typeIndex === 1 ? list[0]! : scope.resourceGroup.name;
      return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}${providerPath(list[typeIndex]!, list.slice(typeIndex + 1), name)}`;
    }
    case "extensionresourceid": {
      const list = values().map((v) => str(v, name));
      return `${list[0]}${providerPath(list[1]!, list.slice(2), name)}`;
    }
    case "concat": {
      const list = values();
      if (list.every(Array.isArray)) return (list as unknown[][]).flat();
      return list.map((v) => str(v, name)).join("");
    }
    case "format": {
      if (args.length < 1) throw new TemplateError("Unable to evaluate template language function 'format': a format string is required.");
      const [template, ...rest] = values();
      return formatString(str(template, name), rest);
    }
    case "copyindex": {
      arity(0, 2);
      const list = values();
      let loop = "";
      let offset = 0;
      if (typeof list[0] === "string") {
        loop = list[0];
        offset = Number(list[1] ?? 0);
      } else if (list[0] !== undefined) offset = Number(list[0]);
      const index = scope.copyIndexes.get(loop.toLowerCase());
      if (index === undefined) throw new TemplateError(`The template function 'copyIndex' is not expected at this location${loop ? ` (no copy loop named '${loop}')` : ""}.`);
      return index + offset;
    }
    case "length": {
      arity(1);
      const value = args[0]!();
      if (typeof value === "string" || Array.isArray(value)) return value.length;
      if (value !== null && typeof value === "object") return Object.keys(value).length;
      throw new TemplateError("The template function 'length' expects a string, an array or an object.");
    }
    case "tolower":
      arity(1);
      return str(args[0]!(), name).toLowerCase();
    case "toupper":
      arity(1);
      return str(args[0]!(), name).toUpperCase();
    case "string": {
      arity(1);
      const value = args[0]!();
      return typeof value === "string" ? value : JSON.stringify(value);
    }
    case "int":
      arity(1);
      return Math.trunc(Number(args[0]!()));
    case "add":
      arity(2);
      return Number(args[0]!()) + Number(args[1]!());
    case "sub":
      arity(2);
      return Number(args[0]!()) - Number(args[1]!());
    case "replace":
      arity(3);
      return str(args[0]!(), name).split(str(args[1]!(), name)).join(str(args[2]!(), name));
    case "split": {
      arity(2);
      return str(args[0]!(), name).split(str(args[1]!(), name));
    }
    case "last": {
      arity(1);
      const value = args[0]!();
      if (typeof value === "string") return value.slice(-1);
      if (Array.isArray(value)) return value[value.length - 1];
      throw new TemplateError("The template function 'last' expects a string or an array.");
    }
    case "equals":
      arity(2);
      return JSON.stringify(args[0]!()) === JSON.stringify(args[1]!());
    case "empty": {
      arity(1);
      const value = args[0]!();
      return value === null || value === "" || (Array.isArray(value) && value.length === 0) || (typeof value === "object" && value !== null && Object.keys(value).length === 0);
    }
    case "if":
      arity(3);
      return args[0]!() === true ? args[1]!() : args[2]!();
    case "not":
      arity(1);
      return args[0]!() !== true;
    case "true":
      arity(0);
      return true;
    case "false":
      arity(0);
      return false;
    case "createarray":
      return values();
    case "json": {
      arity(1);
      try {
        return JSON.parse(str(args[0]!(), name));
      } catch {
        throw new TemplateError("The template function 'json' got invalid JSON.");
      }
    }
    default:
      throw new TemplateError(`The template function '${displayName}' is not valid. The emulator supports parameters, variables, guid, resourceGroup, subscription, subscriptionResourceId, resourceId, extensionResourceId, tenantResourceId, concat, format, copyIndex, length and a few others.`);
  }
}
