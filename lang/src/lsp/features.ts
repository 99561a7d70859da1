/**
 * Features as names: a feature is declared by the plans that grant it (`features = [a, b]`)
 * and named by actions that require it (`requires feature a`). Every place a feature is
 * written, for definition (the plans that grant it), references and rename. Features have no
 * declaration of their own, so they are keyed by name. Built per analysis; cached. Must not
 * present anything.
 */
import type { ActionDecl, PlanDecl } from "../ast/nodes.js";
import type { Unit } from "../2-resolve/symbols.js";
import type { Analysis } from "./analysis.js";
import type { FieldOccurrence } from "./fields.js";

const cache = new WeakMap<Analysis, Map<string, FieldOccurrence[]>>();

function index(analysis: Analysis): Map<string, FieldOccurrence[]> {
  const cached = cache.get(analysis);
  if (cached !== undefined) return cached;
  const byName = new Map<string, FieldOccurrence[]>();
  const add = (name: string, occurrence: FieldOccurrence): void => {
    byName.set(name, [...(byName.get(name) ?? []), occurrence]);
  };
  for (const unit of analysis.units.values()) {
    if (unit.std) continue;
    for (const decl of unit.ast.declarations) {
      if (decl.kind === "Plan") {
        for (const entry of (decl as PlanDecl).body) {
          if (entry.kind !== "Attribute" || entry.key.kind !== "Ident" || entry.key.name !== "features" || entry.value.kind !== "List") continue;
          for (const item of entry.value.items) {
            if (item.kind !== "Ref" || item.name.parts.length !== 1) continue;
            add(item.name.parts.map((p) => p.name).join("."), { unit, span: item.name.span, declaration: true });
          }
        }
      }
      if (decl.kind === "Action") {
        for (const entry of (decl as ActionDecl).body) if (entry.kind === "RequiresFeature") add(entry.feature.name, { unit, span: entry.feature.span, declaration: false });
      }
    }
  }
  cache.set(analysis, byName);
  return byName;
}

/** The feature written at `offset` of `unit`, and the span of its name there. */
export function featureAt(analysis: Analysis, unit: Unit, offset: number): { name: string; span: FieldOccurrence["span"] } | undefined {
  for (const [name, list] of index(analysis)) for (const o of list) if (o.unit === unit && o.span.start <= offset && offset <= o.span.end) return { name, span: o.span };
  return undefined;
}

export function featureOccurrences(analysis: Analysis, name: string): readonly FieldOccurrence[] {
  return index(analysis).get(name) ?? [];
}
