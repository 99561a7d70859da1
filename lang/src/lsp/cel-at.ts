/**
 * CEL under a cursor: the innermost CEL node at an offset, the expression root it belongs
 * to and the types the checker gave that expression (the model's `celTypes` side table).
 * Must not present anything.
 */
import type { CelExpr } from "../ast/cel.js";
import type { Unit } from "../2-resolve/symbols.js";
import type { CelType } from "../3-check/cel/cel-types.js";
import type { Model } from "../3-check/model.js";
import { type Located, pathAt } from "./locate.js";

export interface CelAt {
  readonly node: CelExpr;
  /** The types of every sub-expression of the node's checked expression. */
  readonly types: ReadonlyMap<CelExpr, CelType>;
  /** The path from the file to the node (outermost first). */
  readonly path: readonly Located[];
}

const isCel = (node: Located): boolean => node.kind?.startsWith("Cel") === true;

export function celAt(model: Model | undefined, unit: Unit, offset: number): CelAt | undefined {
  if (model === undefined) return undefined;
  const path = pathAt(unit.ast, offset);
  let types: ReadonlyMap<CelExpr, CelType> | undefined;
  let node: CelExpr | undefined;
  for (const n of path) {
    if (!isCel(n)) continue;
    types ??= model.celTypes.get(n as CelExpr);
    node = n as CelExpr;
  }
  if (node === undefined || types === undefined) return undefined;
  return { node, types, path };
}

/** The fields a value of this type has (through `?`), if it is a record. */
export function fieldsOf(type: CelType | undefined): CelType & { kind: "message" } | undefined {
  if (type === undefined) return undefined;
  if (type.kind === "nullable") return fieldsOf(type.inner);
  return type.kind === "message" ? type : undefined;
}
