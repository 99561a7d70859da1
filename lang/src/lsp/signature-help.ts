/**
 * Signature help inside a CEL call: the overloads of the function (cel/functions.ts) or the
 * form of the macro or Paybill function whose parentheses hold the cursor, with the
 * argument being written. Read from the text before the cursor, not the tree, since the
 * call is usually unfinished while it is typed: the innermost unclosed `(`, the name before
 * it (a method when a `.` precedes the name), and the commas at its depth.
 */
import type { SignatureHelp, SignatureInformation } from "vscode-languageserver/node";
import { FUNCTIONS, paramName } from "../3-check/cel/functions.js";
import { typeName } from "../3-check/cel/cel-types.js";

/** Macros and Paybill's own functions: their forms, parameter names and what they do. */
const FORMS: Readonly<Record<string, readonly { readonly label: string; readonly params: readonly string[]; readonly doc: string }[]>> = {
  has: [{ label: "has(x.field) -> bool", params: ["x.field"], doc: "whether the field is set (an optional field that is absent or null is not)" }],
  all: [{ label: "list.all(x, condition) -> bool", params: ["x", "condition"], doc: "whether the condition holds for every element" }],
  exists: [
    { label: "list.exists(x, condition) -> bool", params: ["x", "condition"], doc: "whether the condition holds for some element" },
    { label: "exists(Entity, row, condition) -> bool", params: ["Entity", "row", "condition"], doc: "whether one of the tenant's rows of the entity satisfies the condition (a lookup on an index, policy conditions only)" },
  ],
  exists_one: [{ label: "list.exists_one(x, condition) -> bool", params: ["x", "condition"], doc: "whether the condition holds for exactly one element" }],
  filter: [{ label: "list.filter(x, condition) -> list", params: ["x", "condition"], doc: "the elements for which the condition holds" }],
  map: [
    { label: "list.map(x, value) -> list", params: ["x", "value"], doc: "each element's value" },
    { label: "list.map(x, condition, value) -> list", params: ["x", "condition", "value"], doc: "the values of the elements for which the condition holds" },
  ],
  total: [{ label: "total(action.field, per period) -> int | double", params: ["action.field", "per period"], doc: "the sum of the field over the tenant's performed acts of the action in the current UTC period (hour, day, month)" }],
  count: [{ label: "count(action, per period) -> int", params: ["action", "per period"], doc: "how many acts of the action the tenant performed in the current UTC period" }],
};

const DOCS: Readonly<Record<string, string>> = {
  from_context: "whether the value equals, normalised, a value of the run's trusted context",
  untrusted: "whether the value, normalised, appeared in untrusted output in this run",
  matches: "whether the string matches the RE2 pattern",
};

/** How far back the scan for the call starts (from a line's beginning): a condition is shorter. */
const LOOK_BACK = 4000;

/**
 * Where the cursor is in a call: the function's name, whether it is a method, and the
 * argument's index. A forward scan of the text before the cursor, from a line's beginning
 * well before it, keeping the open brackets (and for each `(` its call) and skipping strings
 * and `//` comments, so a bracket inside a string does not count.
 */
export function callAt(text: string, offset: number): { name: string; method: boolean; argument: number } | undefined {
  const from = offset <= LOOK_BACK ? 0 : text.lastIndexOf("\n", offset - LOOK_BACK) + 1;
  const open: { bracket: string; call?: { name: string; method: boolean }; commas: number }[] = [];
  for (let i = from; i < offset; i++) {
    const c = text[i] as string;
    if (c === '"' || c === "'") {
      // To the closing quote on this line (an escaped quote does not close); unclosed: the cursor is in it.
      let j = i + 1;
      while (j < offset && text[j] !== c && text[j] !== "\n") j += text[j] === "\\" && text[j + 1] !== "\n" ? 2 : 1;
      i = j;
    } else if (c === "/" && text[i + 1] === "/") {
      const end = text.indexOf("\n", i);
      if (end < 0 || end >= offset) return undefined;
      i = end;
    } else if (c === "(") {
      const name = /([A-Za-z_][A-Za-z0-9_]*)\s*$/.exec(text.slice(Math.max(from, i - 64), i));
      const method = name !== null && text.slice(from, i - name[0].length).trimEnd().endsWith(".");
      open.push({ bracket: c, ...(name === null ? {} : { call: { name: name[1] as string, method } }), commas: 0 });
    } else if (c === "[" || c === "{") open.push({ bracket: c, commas: 0 });
    else if (c === ")" || c === "]" || c === "}") open.pop();
    else if (c === ",") {
      const top = open[open.length - 1];
      if (top !== undefined) top.commas++;
    }
  }
  const top = open[open.length - 1];
  if (top?.bracket !== "(" || top.call === undefined) return undefined;
  return { name: top.call.name, method: top.call.method, argument: top.commas };
}

export function signatureHelp(text: string, offset: number): SignatureHelp | null {
  const call = callAt(text, offset);
  if (call === undefined) return null;
  const signatures: SignatureInformation[] = [];
  const form = FORMS[call.name];
  if (form !== undefined) {
    for (const f of form) {
      // `exists(Entity, …)` is the global form; `list.exists(…)` the method.
      if (call.name === "exists" && f.label.startsWith("exists(") === call.method) continue;
      signatures.push({ label: f.label, documentation: f.doc, parameters: f.params.map((label) => ({ label })) });
    }
  } else {
    for (const overload of FUNCTIONS.get(call.name) ?? []) {
      if ((overload.receiver !== undefined) !== call.method) continue;
      const params = overload.params.map(paramName);
      const receiver = overload.receiver === undefined ? "" : `${paramName(overload.receiver)}.`;
      const doc = DOCS[call.name];
      signatures.push({
        label: `${receiver}${call.name}(${params.join(", ")}) -> ${typeName(overload.result)}`,
        parameters: params.map((label) => ({ label })),
        ...(doc === undefined ? {} : { documentation: doc }),
      });
    }
  }
  if (signatures.length === 0) return null;
  // The first signature with enough parameters for the argument being written.
  const active = Math.max(0, signatures.findIndex((s) => (s.parameters?.length ?? 0) > call.argument));
  return { signatures, activeSignature: active, activeParameter: call.argument };
}
