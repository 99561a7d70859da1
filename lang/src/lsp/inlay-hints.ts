/**
 * Inlay hints: the CEL type of each field read in a condition or expression, written after
 * it (`resource.amount: decimal`), from the types the checker gave it (the model's
 * `celTypes`). Only the end of a chain gets one (`resource.order.amount`, not
 * `resource.order` too), and not a call's target (`input.tags.exists(…)`). Only within the
 * asked range. Must not check anything.
 */
import { InlayHintKind, type InlayHint } from "vscode-languageserver/node";
import type { CelExpr } from "../ast/cel.js";
import type { Unit } from "../2-resolve/symbols.js";
import { type CelType, typeName } from "../3-check/cel/cel-types.js";
import type { Model } from "../3-check/model.js";
import type { Located } from "./locate.js";
import { toPosition } from "./positions.js";

const isNode = (value: unknown): value is Located =>
  typeof value === "object" && value !== null && "span" in value && typeof (value as { span: unknown }).span === "object";

export function inlayHints(model: Model | undefined, unit: Unit, start: number, end: number): InlayHint[] {
  if (model === undefined) return [];
  const hints: InlayHint[] = [];
  const visitCel = (node: Located, types: ReadonlyMap<CelExpr, CelType>, chained: boolean): void => {
    if (node.kind === "CelSelect" && !chained && node.span.end >= start && node.span.end <= end) {
      const type = types.get(node as CelExpr);
      if (type !== undefined) hints.push({ position: toPosition(unit.source, node.span.end), label: `: ${typeName(type)}`, kind: InlayHintKind.Type, paddingLeft: false });
    }
    for (const [key, value] of Object.entries(node)) {
      const link = (node.kind === "CelSelect" && key === "operand") || (node.kind === "CelCall" && key === "target");
      for (const child of Array.isArray(value) ? value : [value]) if (isNode(child) && child.kind?.startsWith("Cel") === true) visitCel(child, types, link);
    }
  };
  const visit = (node: Located): void => {
    if (node.span.end < start || node.span.start > end) return;
    const types = model.celTypes.get(node as CelExpr);
    if (types !== undefined) {
      visitCel(node, types, false);
      return;
    }
    for (const [key, value] of Object.entries(node)) {
      if (key === "span" || key === "comments") continue;
      for (const child of Array.isArray(value) ? value : [value]) if (isNode(child)) visit(child);
    }
  };
  visit(unit.ast);
  return hints;
}
