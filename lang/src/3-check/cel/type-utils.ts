/**
 * Relations between CEL types that every rule of the checker shares: looking through
 * `nullable`, joining two types into one (branches of `?:`, elements of a list literal)
 * and whether two values may be compared with `==`.
 *
 * Owns no checking rule and reports nothing; callers decide what a failed relation means.
 */
import { type CelType, T, typeName } from "./cel-types.js";

/** The type a value behaves as: a `nullable` field behaves as its inner type. */
export function unwrap(type: CelType): CelType {
  return type.kind === "nullable" ? unwrap(type.inner) : type;
}

export const isError = (type: CelType): boolean => type.kind === "error";
export const isDyn = (type: CelType): boolean => type.kind === "dyn";
export const isPrimitive = (type: CelType, ...names: string[]): boolean =>
  type.kind === "primitive" && (names.length === 0 || names.includes(type.name));

/** A list type with an optional size cap (the `max` the cost bound reads). */
export function listOf(element: CelType, max: number | undefined): CelType {
  return T.list(element, max);
}

/** A map type with an optional size cap. */
export function mapOf(key: CelType, value: CelType, max: number | undefined): CelType {
  return max === undefined ? { kind: "map", key, value } : { kind: "map", key, value, max };
}

/** `max` of two caps, or no cap when either side has none. */
const joinMax = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined || b === undefined ? undefined : Math.max(a, b);

/**
 * The least type both values fit, or undefined when there is none (`int` and `string`).
 * `dyn` absorbs everything; `null` with a type `X` gives `X?`; `int` and `double` do not
 * join (CEL has no implicit numeric conversion).
 */
export function join(a: CelType, b: CelType): CelType | undefined {
  if (a.kind === "error") return b;
  if (b.kind === "error") return a;
  if (a.kind === "dyn" || b.kind === "dyn") return T.dyn;
  const aNull = isPrimitive(a, "null");
  const bNull = isPrimitive(b, "null");
  if (aNull && bNull) return T.null;
  if (aNull) return T.nullable(b);
  if (bNull) return T.nullable(a);
  if (a.kind === "nullable" || b.kind === "nullable") {
    const inner = join(unwrap(a), unwrap(b));
    return inner === undefined ? undefined : inner.kind === "dyn" ? inner : T.nullable(inner);
  }
  switch (a.kind) {
    case "primitive":
      if (b.kind !== "primitive" || a.name !== b.name) return undefined;
      return a.max === b.max ? a : a.max === undefined || b.max === undefined ? { kind: "primitive", name: a.name } : { kind: "primitive", name: a.name, max: Math.max(a.max, b.max) };
    case "list": {
      if (b.kind !== "list") return undefined;
      const element = join(a.element, b.element);
      return element === undefined ? undefined : listOf(element, joinMax(a.max, b.max));
    }
    case "map": {
      if (b.kind !== "map") return undefined;
      const key = join(a.key, b.key);
      const value = join(a.value, b.value);
      return key === undefined || value === undefined ? undefined : mapOf(key, value, joinMax(a.max, b.max));
    }
    case "message":
      return b.kind === "message" && a.name === b.name ? a : undefined;
  }
  return undefined;
}

/** Joins all types, falling back to `dyn` when they have nothing in common (list literals). */
export function joinAll(types: readonly CelType[]): CelType {
  let result: CelType | undefined;
  for (const type of types) {
    if (result === undefined) result = type;
    else result = join(result, type) ?? T.dyn;
  }
  return result ?? T.dyn;
}

/** Types `null` may be compared with: the optional, the dynamic and the reference-like. */
const acceptsNull = (type: CelType): boolean =>
  type.kind === "nullable" ||
  type.kind === "dyn" ||
  type.kind === "message" ||
  type.kind === "list" ||
  type.kind === "map" ||
  isPrimitive(type, "null");

/**
 * Whether `a == b` type-checks: the same type once `nullable` is looked through, or
 * either side `dyn`, or `null` against something that can be null. Numbers of different
 * kinds are not equal-comparable (`1 == 1.0` is an error, as in cel-go).
 */
export function equalComparable(a: CelType, b: CelType): boolean {
  if (a.kind === "error" || b.kind === "error") return true;
  if (isPrimitive(a, "null")) return acceptsNull(b);
  if (isPrimitive(b, "null")) return acceptsNull(a);
  const ua = unwrap(a);
  const ub = unwrap(b);
  if (ua.kind === "dyn" || ub.kind === "dyn") return true;
  switch (ua.kind) {
    case "primitive":
      return ub.kind === "primitive" && ua.name === ub.name;
    case "list":
      return ub.kind === "list" && equalComparable(ua.element, ub.element);
    case "map":
      return ub.kind === "map" && equalComparable(ua.key, ub.key) && equalComparable(ua.value, ub.value);
    case "message":
      return ub.kind === "message" && ua.name === ub.name;
  }
  return false;
}

/** "`a`", "`a` or `b`", "`a`, `b` or `c`": a list of types for a message. */
export function typeList(types: readonly CelType[]): string {
  const names = [...new Set(types.map((t) => `\`${typeName(t)}\``))];
  if (names.length <= 1) return names[0] ?? "";
  return `${names.slice(0, -1).join(", ")} or ${names[names.length - 1]}`;
}

/** Structural identity, size caps ignored. */
export const sameType = (a: CelType, b: CelType): boolean => a.kind === b.kind && typeName(a) === typeName(b);
