/**
 * The functions a Paybill condition may call, as data: cel-spec's standard functions that
 * the runtime implements, plus `lowerAscii`/`upperAscii` from cel-go's strings extension.
 * Adding a function here is all the checker needs; the runtime must implement it too.
 *
 * Macros (`has`, `all`, `exists`, …) are not functions and live in `macros.ts`.
 */
import { type CelType, T, typeName } from "./cel-types.js";

/** A parameter: a concrete type, any list, any map, or anything. */
export type Param = CelType | "list" | "map" | "any";

export interface Overload {
  /** Present for a method call `x.f(…)`, absent for a global call `f(…)`. */
  readonly receiver?: Param;
  readonly params: readonly Param[];
  readonly result: CelType;
}

const global = (params: readonly Param[], result: CelType): Overload => ({ params, result });
const method = (receiver: Param, params: readonly Param[], result: CelType): Overload => ({ receiver, params, result });
const conversions = (from: readonly CelType[], to: CelType): Overload[] => from.map((t) => global([t], to));

const SIZED: readonly Param[] = [T.string, T.bytes, "list", "map"];
const TIMESTAMP_GETTERS = [
  "getFullYear", "getMonth", "getDayOfYear", "getDayOfMonth", "getDate", "getDayOfWeek", "getHours", "getMinutes", "getSeconds",
  "getMilliseconds",
];
const DURATION_GETTERS = new Set(["getHours", "getMinutes", "getSeconds", "getMilliseconds"]);

function build(): Map<string, readonly Overload[]> {
  const table = new Map<string, Overload[]>();
  const add = (name: string, ...overloads: Overload[]): void => {
    table.set(name, [...(table.get(name) ?? []), ...overloads]);
  };
  add("size", ...SIZED.map((t) => global([t], T.int)), ...SIZED.map((t) => method(t, [], T.int)));
  for (const name of ["contains", "startsWith", "endsWith"]) add(name, method(T.string, [T.string], T.bool));
  add("matches", method(T.string, [T.string], T.bool), global([T.string, T.string], T.bool));
  for (const name of ["lowerAscii", "upperAscii"]) add(name, method(T.string, [], T.string));
  add("int", ...conversions([T.int, T.uint, T.double, T.string, T.timestamp], T.int));
  add("uint", ...conversions([T.int, T.uint, T.double, T.string], T.uint));
  add("double", ...conversions([T.int, T.uint, T.double, T.string], T.double));
  add("string", ...conversions([T.int, T.uint, T.double, T.string, T.bytes, T.bool, T.timestamp, T.duration], T.string));
  add("bytes", ...conversions([T.string, T.bytes], T.bytes));
  add("bool", ...conversions([T.bool, T.string], T.bool));
  add("timestamp", ...conversions([T.string, T.timestamp], T.timestamp));
  add("duration", ...conversions([T.string, T.duration], T.duration));
  add("dyn", global(["any"], T.dyn));
  // Whether a value equals one in the run's context, normalised (spec/runtime.md §Run context).
  add("from_context", ...[T.string, T.int, T.uint, T.double, T.bool].map((t) => global([t], T.bool)));
  // Provenance (spec/language.md): whether the value, normalised, appeared in untrusted output in this run.
  add("untrusted", ...[T.string, T.int, T.uint, T.double, T.bool].map((t) => global([t], T.bool)));
  for (const name of TIMESTAMP_GETTERS) {
    // The optional argument is a time zone: `context.time.getHours("Europe/Paris")`.
    add(name, method(T.timestamp, [], T.int), method(T.timestamp, [T.string], T.int));
    if (DURATION_GETTERS.has(name)) add(name, method(T.duration, [], T.int));
  }
  return table;
}

export const FUNCTIONS: ReadonlyMap<string, readonly Overload[]> = build();

/** Names of functions and macros, for "did you mean" and for `x.size` without `()`. */
export const FUNCTION_NAMES: ReadonlySet<string> = new Set([...FUNCTIONS.keys(), "has", "all", "exists", "exists_one", "map", "filter"]);

export function paramName(param: Param): string {
  return param === "list" ? "list" : param === "map" ? "map" : param === "any" ? "any" : typeName(param);
}

/** `string.contains(string) -> bool`, `size(list) -> int` */
export function signature(name: string, overload: Overload): string {
  const params = overload.params.map(paramName).join(", ");
  const receiver = overload.receiver === undefined ? "" : `${paramName(overload.receiver)}.`;
  return `${receiver}${name}(${params}) -> ${typeName(overload.result)}`;
}
