/**
 * What one check keeps for the next (the language server checks the same project again
 * on every keystroke, and a tree keeps the nodes of the declarations an edit did not touch):
 * results that are a function of a node's content alone, by node. A node's content never
 * changes (the language server may move its span, which none of these results holds), so
 * a result found here is the one checking again would build. Weak maps: a node let go
 * takes its results with it.
 */
import type { ActionDecl, EntityDecl, RefValue } from "../ast/nodes.js";
import type { CelType } from "./cel/cel-types.js";
import { recordType } from "./env.js";
import type { FieldType, TypedField } from "./field-types.js";

/**
 * Field types resolved without a diagnostic, a lookup of another declaration or a
 * reference recorded (`uuid`, `string(max: 320)`, `enum(open, closed)`, `list(string)`):
 * what the type's own node says, nothing else.
 */
export const ownFieldTypes = new WeakMap<RefValue, FieldType>();

interface BuiltRecord {
  readonly name: string;
  readonly owner: string;
  readonly fields: readonly TypedField[];
  readonly type: CelType;
}

const records = new WeakMap<EntityDecl | ActionDecl, BuiltRecord>();

/**
 * `recordType(name, fields, owner)` for `decl`, the one built before when it was built
 * from the same name and the same fields (each field's name, flags, node and very type
 * object: types from `ownFieldTypes` are the same object every time).
 */
export function memoRecord(decl: EntityDecl | ActionDecl, name: string, fields: readonly TypedField[], owner: string): CelType {
  const known = records.get(decl);
  if (known !== undefined && known.name === name && known.owner === owner && sameFields(known.fields, fields)) return known.type;
  const type = recordType(name, fields, owner);
  records.set(decl, { name, owner, fields, type });
  return type;
}

function sameFields(a: readonly TypedField[], b: readonly TypedField[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const f = a[i] as TypedField;
    const g = b[i] as TypedField;
    if (f.type !== g.type || f.name !== g.name || f.optional !== g.optional || f.pii !== g.pii || f.node !== g.node) return false;
  }
  return true;
}
