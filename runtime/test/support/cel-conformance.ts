/**
 * Runs cel-spec conformance cases (the data shipped in @bufbuild/cel-spec, cel-spec
 * v0.25.1) through the runtime's CEL path: `celEnvironment` + `compileCel` + `run`, the
 * same functions conditions and effects use. A case's bindings and expected value are in
 * the proto3 JSON form of `cel.expr.Value`; both sides are brought to one comparable form.
 *
 * Outcomes: `pass`; `fail` (with what was expected and what came); `unsupported` when the
 * case needs something the runtime's CEL does not model at all (protobuf messages, custom
 * function declarations). Whether a case may fail is for the test's named skip list.
 */
import { Duration, UnsignedInt } from "@marcbachmann/cel-js/evaluator";
import { tests } from "@bufbuild/cel-spec/testdata/conformance.js";
import { Absent } from "../../src/cel/closures.js";
import { parseDuration } from "../../src/cel/duration.js";
import { celEnvironment } from "../../src/cel/environment.js";
import { celErrorMessage, compileCel } from "../../src/cel/program.js";

export interface Case {
  /** `file/section/name`, as in the skip list. */
  readonly id: string;
  readonly file: string;
  readonly section: string;
  readonly name: string;
  readonly original: Readonly<Record<string, unknown>>;
}

export type Outcome = { readonly kind: "pass" } | { readonly kind: "fail" | "unsupported"; readonly detail: string };

interface Suite {
  readonly name: string;
  readonly suites?: readonly Suite[];
  readonly tests?: readonly { readonly original: Readonly<Record<string, unknown>> & { readonly name?: string; readonly expr: string } }[];
}

export function conformanceCases(): Case[] {
  const cases: Case[] = [];
  for (const file of (tests as Suite).suites ?? []) {
    for (const section of file.suites ?? []) {
      for (const test of section.tests ?? []) {
        const name = test.original.name ?? test.original.expr;
        cases.push({ id: `${file.name}/${section.name}/${name}`, file: file.name, section: section.name, name, original: test.original });
      }
    }
  }
  return cases;
}

class Unsupported extends Error {}

type Json = Record<string, unknown>;

function obj(value: unknown): Json {
  return typeof value === "object" && value !== null ? (value as Json) : {};
}

// ---- types of declared variables ----

const PRIMITIVES: Record<string, string> = { INT64: "int", UINT64: "uint", DOUBLE: "double", STRING: "string", BOOL: "bool", BYTES: "bytes" };

function typeName(type: Json): string {
  if (typeof type.primitive === "string") {
    const name = PRIMITIVES[type.primitive];
    if (name !== undefined) return name;
  }
  if ("dyn" in type) return "dyn";
  if ("null" in type) return "null";
  if (type.listType !== undefined) return `list<${typeName(obj(obj(type.listType).elemType))}>`;
  if (type.mapType !== undefined) {
    const m = obj(type.mapType);
    return `map<${typeName(obj(m.keyType))}, ${typeName(obj(m.valueType))}>`;
  }
  if (type.wellKnown === "TIMESTAMP") return "google.protobuf.Timestamp";
  if (type.wellKnown === "DURATION") return "google.protobuf.Duration";
  throw new Unsupported(`declared type ${JSON.stringify(type)}`);
}

// ---- values: proto JSON → cel-js ----

function base64Bytes(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, "base64"));
}

function doubleOf(value: unknown): number {
  return typeof value === "number" ? value : Number(value);
}

function celValue(value: Json): unknown {
  if ("int64Value" in value) return BigInt(String(value.int64Value));
  if ("uint64Value" in value) return new UnsignedInt(BigInt(String(value.uint64Value)));
  if ("doubleValue" in value) return doubleOf(value.doubleValue);
  if ("stringValue" in value) return String(value.stringValue);
  if ("bytesValue" in value) return base64Bytes(String(value.bytesValue));
  if ("boolValue" in value) return Boolean(value.boolValue);
  if ("nullValue" in value) return null;
  if ("listValue" in value) return ((obj(value.listValue).values as Json[] | undefined) ?? []).map(celValue);
  if ("mapValue" in value) {
    const entries = ((obj(value.mapValue).entries as Json[] | undefined) ?? []).map((e) => [celValue(obj(e.key)), celValue(obj(e.value))] as const);
    if (entries.every(([k]) => typeof k === "string")) return Object.fromEntries(entries);
    return new Map(entries);
  }
  throw new Unsupported(`value ${JSON.stringify(value).slice(0, 80)}`);
}

// ---- one comparable form for both sides ----

function durationNanos(d: Duration): string {
  return (d.seconds * 1_000_000_000n + BigInt(d.nanos)).toString();
}

function canonical(value: unknown): unknown {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "bigint") return { int: value.toString() };
  if (typeof value === "number") return { double: Number.isNaN(value) ? "NaN" : value === 0 ? 0 : value };
  if (value instanceof UnsignedInt) return { uint: value.valueOf().toString() };
  if (value instanceof Uint8Array) return { bytes: Buffer.from(value).toString("hex") };
  if (value instanceof Date) return { timestamp: value.getTime() };
  if (value instanceof Duration) return { duration: durationNanos(value) };
  if (Array.isArray(value)) return value.map(canonical);
  if (value instanceof Map) return mapForm([...value.entries()]);
  if (typeof value === "object") {
    const name = (value as { name?: unknown }).name;
    if (value.constructor?.name === "Type" && typeof name === "string") return { type: name };
    if (value.constructor === Object || Object.getPrototypeOf(value) === null) return mapForm(Object.entries(value));
  }
  throw new Unsupported(`result of kind ${value?.constructor?.name ?? typeof value}`);
}

function keyText(key: unknown): string {
  if (typeof key === "string") return key;
  if (typeof key === "bigint" || typeof key === "boolean") return String(key);
  if (key instanceof UnsignedInt) return key.valueOf().toString();
  return JSON.stringify(canonical(key));
}

function mapForm(entries: readonly (readonly [unknown, unknown])[]): unknown {
  return { map: entries.map(([k, v]) => [keyText(k), canonical(v)] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)) };
}

function expectedForm(value: Json): unknown {
  if ("typeValue" in value) return { type: String(value.typeValue) };
  if ("objectValue" in value) {
    const o = obj(value.objectValue);
    const type = String(o["@type"] ?? "");
    if (type.endsWith("google.protobuf.Timestamp")) return { timestamp: Date.parse(String(o.value)) };
    if (type.endsWith("google.protobuf.Duration")) {
      const d = parseDuration(String(o.value));
      if (d !== undefined) return { duration: durationNanos(d) };
    }
    throw new Unsupported(`expected message ${type}`);
  }
  if ("listValue" in value) return ((obj(value.listValue).values as Json[] | undefined) ?? []).map(expectedForm);
  if ("mapValue" in value) {
    const entries = ((obj(value.mapValue).entries as Json[] | undefined) ?? []).map((e) => [celValue(obj(e.key)), e.value] as const);
    return { map: entries.map(([k, v]) => [keyText(k), expectedForm(obj(v))] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)) };
  }
  if ("enumValue" in value) throw new Unsupported("expected enum value");
  return canonical(celValue(value));
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

// ---- running one case ----

/** What the closures (cel/closures.ts) did with a case, next to cel-js alone. */
export type FastOutcome =
  | { readonly kind: "answered" | "declined" | "not-compiled" | "unsupported" }
  | { readonly kind: "disagree"; readonly detail: string };

function prepared(c: Case): { expr: string; variables: Record<string, string>; bindings: Record<string, unknown> } {
  const o = c.original;
  if (typeof o.container === "string" && o.container !== "") throw new Unsupported(`container ${o.container}`);
  if (o.checkOnly === true) throw new Unsupported("a type-check-only case");
  const variables: Record<string, string> = {};
  for (const decl of (o.typeEnv as Json[] | undefined) ?? []) {
    if (decl.function !== undefined) throw new Unsupported("a function declaration");
    variables[String(decl.name)] = typeName(obj(obj(decl.ident).type));
  }
  const bindings: Record<string, unknown> = {};
  for (const [name, b] of Object.entries(obj(o.bindings))) {
    bindings[name] = celValue(obj(obj(b).value));
    variables[name] ??= "dyn";
  }
  return { expr: String(o.expr), variables, bindings };
}

/**
 * The closures alone against cel-js alone on one case: wherever the closures give a value,
 * cel-js must give the same value (not an error); where they throw, cel-js decides.
 */
export function runFastCase(c: Case): FastOutcome {
  let p: ReturnType<typeof prepared>;
  try {
    p = prepared(c);
  } catch (e) {
    if (e instanceof Unsupported) return { kind: "unsupported" };
    throw e;
  }
  const compiled = compileCel(celEnvironment(p.variables), p.expr);
  if (!compiled.ok || !compiled.program.fast) return { kind: "not-compiled" };
  let fast: unknown;
  try {
    fast = compiled.program.runFast(p.bindings);
  } catch {
    return { kind: "declined" };
  }
  let reference: unknown;
  try {
    reference = compiled.program.runCelJs(p.bindings);
  } catch (e) {
    // The closures' error as a value (an absent field, a division by zero): cel-js's own error, same message.
    if (fast instanceof Absent) return celErrorMessage(e) === fast.message ? { kind: "answered" } : { kind: "disagree", detail: `closures erred with ${fast.message}, cel-js with ${celErrorMessage(e)}` };
    return { kind: "disagree", detail: `closures gave ${String(fast)}, cel-js erred: ${e instanceof Error ? e.message.split("\n", 1)[0] : String(e)}` };
  }
  if (fast instanceof Absent) return { kind: "disagree", detail: `closures erred with ${fast.message}, cel-js gave a value` };
  try {
    const [a, b] = [JSON.stringify(canonical(fast)), JSON.stringify(canonical(reference))];
    return a === b ? { kind: "answered" } : { kind: "disagree", detail: `closures gave ${a}, cel-js ${b}` };
  } catch (e) {
    if (e instanceof Unsupported) return { kind: "unsupported" };
    throw e;
  }
}

export function runCase(c: Case): Outcome {
  const o = c.original;
  try {
    const { expr, variables, bindings } = prepared(c);
    const env = celEnvironment(variables);
    const compiled = compileCel(env, expr);
    let result: unknown;
    let error: string | undefined;
    if (!compiled.ok) error = compiled.message;
    else {
      try {
        result = compiled.program.run(bindings);
      } catch (e) {
        error = e instanceof Error ? e.message.split("\n", 1)[0] : String(e);
      }
    }
    if (o.evalError !== undefined || o.anyEvalErrors !== undefined) {
      return error !== undefined ? { kind: "pass" } : { kind: "fail", detail: `expected an error, got ${JSON.stringify(canonical(result))}` };
    }
    if (error !== undefined) return { kind: "fail", detail: `error: ${error}` };
    const expected = o.value === undefined ? (o.typedResult === undefined ? true : expectedForm(obj(obj(o.typedResult).result))) : expectedForm(obj(o.value));
    const actual = canonical(result);
    return same(actual, expected) ? { kind: "pass" } : { kind: "fail", detail: `expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}` };
  } catch (e) {
    if (e instanceof Unsupported) return { kind: "unsupported", detail: e.message };
    return { kind: "fail", detail: `harness: ${e instanceof Error ? e.message : String(e)}` };
  }
}
