/**
 * A string literal compared with a string that is one of a known set of names (a plan, a
 * feature, a workflow state, an enum's value…, cel/cel-types.ts `Among`): a literal outside
 * the set never matches, so the comparison is a mistake (PB3011) — `tenant.plan ==
 * "enterprsie"` would otherwise check clean and its rule silently never apply.
 */
import type { CelExpr } from "../../ast/cel.js";
import { didYouMean } from "../../2-resolve/suggest.js";
import type { Among, CelType } from "./cel-types.js";
import type { Checker } from "./checker.js";
import { unwrap } from "./type-utils.js";

const LISTED = 8;

/** What a value of `among` is, in a message: "a plan", "a value of `enum(open, closed)`". */
function what(among: Among): string {
  switch (among.kind) {
    case "enum":
      return `a value of \`enum(${among.values.join(", ")})\``;
    case "tenant state":
      return "a tenant state";
    case "workflow state":
      return "a state of any workflow";
    default:
      return `${/^[aeiou]/.test(among.kind) ? "an" : "a"} ${among.kind} of this project`;
  }
}

/** The literal's text when it is a plain quoted string (no escapes, not raw or triple-quoted). */
function plainText(node: CelExpr): string | undefined {
  if (node.kind !== "CelLiteral" || node.type !== "string") return undefined;
  const match = /^(["'])([^"'\\\n]*)\1$/.exec(node.raw);
  return match?.[2];
}

/**
 * Checks `literal` against the names `type` is one of; reports PB3011 when it is none of
 * them. Nothing to check (another type, not a plain literal): true.
 */
export function checkNamedValue(c: Checker, type: CelType, literal: CelExpr): boolean {
  const inner = unwrap(type);
  if (inner.kind !== "primitive" || inner.among === undefined) return true;
  const text = plainText(literal);
  if (text === undefined) return true;
  const among = inner.among;
  const values = "values" in among ? among.values : c.names?.values(among.kind);
  if (values === undefined) return true;
  if (values.includes(text)) {
    if (!("values" in among) && literal.kind === "CelLiteral") c.names?.named(literal, among.kind, text);
    return true;
  }
  const listed = values.slice(0, LISTED).map((v) => `\`${v}\``);
  const help = didYouMean(text, values) ?? (values.length === 0 ? "nothing is declared that it could be" : `it can be ${listed.join(", ")}${values.length > LISTED ? ", …" : ""}`);
  c.report("celUnknownValue", literal.span, `\`${text}\` is not ${what(among)}, so this comparison never holds`, help);
  return false;
}
