/**
 * The types of CEL values as the checker sees them, and how they print in messages.
 *
 * `message` types stand for everything with named fields: entities (`resource`), action
 * inputs (`input`), and the runtime's own records (`principal`, `tenant`, `context`).
 * `nullable` marks an optional field: it behaves as its inner type and may be compared
 * with `null`. `error` is the type of an expression already reported, so one mistake is
 * reported once.
 */

export type PrimitiveName = "bool" | "int" | "uint" | "double" | "string" | "bytes" | "null" | "timestamp" | "duration";

/**
 * The values a string may take when they are names the project declares (a plan, a feature,
 * a workflow state…) or an enum's values: a string literal compared with such a string must
 * be one of them (PB3011), since any other value never matches. The set of a project kind is
 * answered by the checker of the project (`CelNames.values`); an enum's is its own.
 */
export type Among =
  | { readonly kind: "plan" | "feature" | "workflow" | "workflow state" | "agent" | "action" }
  | { readonly kind: "tenant state" | "enum"; readonly values: readonly string[] };

export type CelType =
  /**
   * `max`: for a string, the most characters it may have (`string(max: n)`, a uuid, an enum), read by the cost bound.
   * `among`: for a string, the names it is one of (above); the type is `string` all the same.
   */
  | { readonly kind: "primitive"; readonly name: PrimitiveName; readonly max?: number; readonly among?: Among }
  | { readonly kind: "list"; readonly element: CelType; readonly max?: number }
  | { readonly kind: "map"; readonly key: CelType; readonly value: CelType; readonly max?: number }
  | { readonly kind: "message"; readonly name: string; readonly fields: ReadonlyMap<string, CelField> }
  | { readonly kind: "nullable"; readonly inner: CelType }
  | { readonly kind: "dyn" }
  | { readonly kind: "error" };

export interface CelField {
  readonly type: CelType;
  /** What the field is, for hover and messages ("`Ticket.status`, enum(open, closed)"). */
  readonly doc?: string;
  /** Entity fields marked `@pii`. */
  readonly pii?: boolean;
}

const primitive = (name: PrimitiveName): CelType => ({ kind: "primitive", name });

export const T = {
  bool: primitive("bool"),
  int: primitive("int"),
  uint: primitive("uint"),
  double: primitive("double"),
  string: primitive("string"),
  bytes: primitive("bytes"),
  null: primitive("null"),
  timestamp: primitive("timestamp"),
  duration: primitive("duration"),
  dyn: { kind: "dyn" } as CelType,
  error: { kind: "error" } as CelType,
  list: (element: CelType, max?: number): CelType => (max === undefined ? { kind: "list", element } : { kind: "list", element, max }),
  map: (key: CelType, value: CelType): CelType => ({ kind: "map", key, value }),
  /** A string of at most `max` characters (the cost bound reads it; the type is `string`). */
  cappedString: (max: number): CelType => ({ kind: "primitive", name: "string", max }),
  /** A string that is one of `among` (a name the project declares, an enum's value). */
  named: (among: Among, max?: number): CelType => (max === undefined ? { kind: "primitive", name: "string", among } : { kind: "primitive", name: "string", max, among }),
  nullable: (inner: CelType): CelType => (inner.kind === "nullable" ? inner : { kind: "nullable", inner }),
  message: (name: string, fields: Record<string, CelType | CelField>): CelType => ({
    kind: "message",
    name,
    fields: new Map(Object.entries(fields).map(([k, v]) => [k, "kind" in v ? { type: v } : v])),
  }),
} as const;

/** How a type is written in a message: `int`, `list(string)`, `Ticket`, `string?`. */
export function typeName(type: CelType): string {
  switch (type.kind) {
    case "primitive":
      return type.name;
    case "list":
      return `list(${typeName(type.element)})`;
    case "map":
      return `map(${typeName(type.key)}, ${typeName(type.value)})`;
    case "message":
      return type.name;
    case "nullable":
      return `${typeName(type.inner)}?`;
    case "dyn":
      return "dyn";
    case "error":
      return "error";
  }
}
