/**
 * The help line of a type mismatch: how to turn the value that was found into the type
 * that was expected (`write \`100.0\``, `convert it with \`double(…)\``, `quote it`).
 *
 * Suggestions only; the rule that a mismatch is an error lives with each operator.
 */
import type { CelExpr } from "../../ast/cel.js";
import { decodeString } from "../../1-parse/strings.js";
import type { CelType } from "./cel-types.js";
import { unwrap } from "./type-utils.js";

const INTEGER = /^-?[0-9]+$/;
const DECIMAL = /^-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;

/** The text a string literal holds, when the node is one. */
function stringLiteralValue(node: CelExpr): string | undefined {
  return node.kind === "CelLiteral" && node.type === "string" ? decodeString(node.raw).value : undefined;
}

/** How to write a number literal as the expected numeric type, if it can be. */
function numberAs(expected: string, node: CelExpr): string | undefined {
  if (node.kind !== "CelLiteral") return undefined;
  const raw = node.raw;
  if (node.type === "int" && INTEGER.test(raw)) {
    if (expected === "double") return `${raw}.0`;
    if (expected === "uint" && !raw.startsWith("-")) return `${raw}u`;
  }
  if (node.type === "uint" && expected === "int") return raw.slice(0, -1);
  if (node.type === "uint" && expected === "double" && INTEGER.test(raw.slice(0, -1))) return `${raw.slice(0, -1)}.0`;
  if (node.type === "double" && (expected === "int" || expected === "uint")) {
    const whole = /^(-?[0-9]+)\.0*$/.exec(raw);
    if (whole?.[1] !== undefined && !(expected === "uint" && whole[1].startsWith("-"))) return expected === "uint" ? `${whole[1]}u` : whole[1];
  }
  return undefined;
}

const NUMERIC = ["int", "uint", "double"];

export function mismatchHelp(expectedType: CelType, foundType: CelType, node: CelExpr): string | undefined {
  const expected = unwrap(expectedType);
  const found = unwrap(foundType);
  if (expected.kind !== "primitive" || found.kind !== "primitive") return undefined;
  const e = expected.name;
  const f = found.name;
  const text = stringLiteralValue(node);

  if (NUMERIC.includes(e)) {
    if (NUMERIC.includes(f)) {
      const literal = numberAs(e, node);
      return literal === undefined ? `convert it with \`${e}(…)\`` : `write \`${literal}\` instead`;
    }
    if (f === "string" && text !== undefined && DECIMAL.test(text.trim())) {
      const number = text.trim();
      const written = e === "double" && INTEGER.test(number) ? `${number}.0` : e === "uint" ? `${number}u` : number;
      return `remove the quotes: \`${written}\``;
    }
    if (f === "string") return `write a number, or convert the string with \`${e}(…)\``;
    return undefined;
  }
  if (e === "string") {
    if (node.kind === "CelLiteral" && node.type !== "null" && node.type !== "bytes") return `quote it: \`"${node.raw}"\``;
    if (f !== "null") return "convert it with `string(…)`";
    return undefined;
  }
  if (e === "bool" && f === "string" && (text === "true" || text === "false")) return `remove the quotes: \`${text}\``;
  if (e === "timestamp" && f === "string") {
    return `convert it with \`timestamp(${node.kind === "CelLiteral" ? node.raw : '"2024-01-01T00:00:00Z"'})\``;
  }
  if (e === "duration" && f === "string") return `convert it with \`duration(${node.kind === "CelLiteral" ? node.raw : '"1h"'})\``;
  if (e === "bytes" && f === "string") return node.kind === "CelLiteral" ? `write \`b${node.raw}\`` : "convert it with `bytes(…)`";
  return undefined;
}
