/**
 * How a declaration reads in hover and completion: its kind and name, where it lives, the
 * comment written above it, for entities and actions their fields with types, and for a
 * constant its type and value. Must not find symbols (see `occurrences.ts`).
 */
import type { Declared } from "../2-resolve/symbols.js";
import { NAMESPACE_WORDS } from "../2-resolve/symbols.js";
import type { Model } from "../3-check/model.js";
import { describeType, type TypedField } from "../3-check/field-types.js";
import { describeConst } from "./hover-data.js";

export function describeSymbol(symbol: Declared, model: Model | undefined): string {
  const lines = ["```paybill", `${symbol.decl.kind.toLowerCase()} ${symbol.name}`, "```", `${NAMESPACE_WORDS[symbol.namespace]} in module \`${symbol.module.name}\``];
  const fields =
    symbol.decl.kind === "Entity" ? model?.entityFields.get(symbol.decl) : symbol.decl.kind === "Action" ? model?.inputFields.get(symbol.decl) : undefined;
  if (fields !== undefined && fields.length > 0) {
    lines.push("", symbol.decl.kind === "Entity" ? "fields:" : "input:");
    for (const f of fields) lines.push(`- \`${f.name}\`: ${describeField(f)}`);
  }
  if (symbol.decl.kind === "Const") lines.splice(0, 3, describeConst(symbol.decl, model));
  const doc = docComment(symbol);
  if (doc !== "") lines.push("", doc);
  return lines.join("\n");
}

/** What a function does, for the functions of our own (the standard ones are CEL's). */
export const FUNCTION_DOCS: Readonly<Record<string, string>> = {
  untrusted:
    "`untrusted(value) -> bool`: true when the value, normalised (case, whitespace), equals or contains (or is contained in, 4 characters or more) a value that untrusted output returned in this workflow run: an `@untrusted` field a read returned, or a tool result the host reported. Errs outside a run (a forbid then denies).",
};

export function describeField(field: TypedField): string {
  const marked = (name: string): boolean => field.node.annotations.some((a) => a.name.name === name);
  return `${describeType(field.type)}${field.optional ? "?" : ""}${field.pii || marked("pii") ? " (pii)" : ""}${marked("secret") ? " (secret: never stored in the audit)" : ""}${marked("untrusted") ? " (untrusted: a read in a run records its value for `untrusted()`)" : ""}`;
}

/** The comments right above a declaration, with nothing but blank space in between. */
export function docComment(symbol: Declared): string {
  const { text } = symbol.unit.source;
  const comments = symbol.unit.ast.comments;
  const found: string[] = [];
  let limit = symbol.decl.span.start;
  for (let i = comments.length - 1; i >= 0; i--) {
    const c = comments[i];
    if (c === undefined || c.span.end > limit) continue;
    if (text.slice(c.span.end, limit).trim() !== "") break;
    found.unshift(c.block ? c.text.slice(2, -2).trim() : c.text.replace(/^\/\/\s?/, ""));
    limit = c.span.start;
  }
  return found.join("\n");
}
