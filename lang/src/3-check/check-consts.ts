/**
 * Constants (`const payees = ["DE89…", "FR76…"]`) and the names CEL expressions resolve
 * through the project (cel/names.ts): constants by name or `alias.name`, and the entities
 * of lookups. A constant's value is a CEL literal — scalars, lists and maps of literals,
 * every list's elements (every map's keys, and values) of one type — typed once, on first
 * use. Emitters inline the value where a condition names it (the runtime builds a literal
 * list once, at load).
 */
import type { CelCall, CelExpr, CelIdent, CelLiteral, CelSelect } from "../ast/cel.js";
import type { ConstDecl, EntityDecl, Ident, QualifiedName } from "../ast/nodes.js";
import type { Declared, Unit } from "../2-resolve/symbols.js";
import { type CelType, checkCel, typeName } from "./cel/index.js";
import type { CelNames, LookupEntity, LookupKey } from "./cel/names.js";
import { environment, recordType } from "./env.js";
import type { State } from "./state.js";

/** The names a condition reads that a constant may not take (spec/language.md §8.4). */
const RESERVED = new Set([...environment({}).keys(), "resource", "lookups"]);

/** A checked lookup, for the emitters. */
export interface LookupFacts {
  readonly entity: Declared;
  readonly keys: readonly LookupKey[];
}

/** Reports a constant's problems (its type is computed on first use, by whoever asks first). */
export function checkConst(state: State, unit: Unit, decl: ConstDecl): void {
  if (RESERVED.has(decl.name.name)) {
    state.ctx.report("constReservedName", unit, decl.name.span, `a constant cannot be called \`${decl.name.name}\`: conditions read a variable of that name`, `rename it, e.g. \`${decl.name.name}_values\``);
  }
  constType(state, unit, decl);
}

export function constType(state: State, unit: Unit, decl: ConstDecl): CelType {
  const known = state.constTypes.get(decl);
  if (known !== undefined) return known;
  const notLiteral = [...literalProblems(decl.value)][0];
  let type: CelType;
  if (notLiteral !== undefined) {
    state.ctx.report("constNotLiteral", unit, notLiteral.span, "a constant's value must be a literal", "write the value itself: a string, number, bool, or a list or map of them (conditions compute; constants do not)");
    type = { kind: "error" };
  } else {
    const result = checkCel(decl.value, { variables: new Map() });
    state.celTypes.set(decl.value, result.types);
    const mixed = mixedAggregate(decl.value, result.types);
    type = result.type;
    if (mixed !== undefined) {
      state.ctx.report("constMixedTypes", unit, mixed.span, `the elements of this ${mixed.kind === "CelList" ? "list" : "map"} have different types`, "give every element the same type (`[\"a\", \"b\"]`, `[1, 2]`), or declare one constant per type");
      type = { kind: "error" };
    }
  }
  state.constTypes.set(decl, type);
  return type;
}

function* literalProblems(expr: CelExpr): Generator<CelExpr> {
  switch (expr.kind) {
    case "CelLiteral":
      return;
    case "CelUnary":
      if (expr.op === "-" && expr.operand.kind === "CelLiteral" && (expr.operand.type === "int" || expr.operand.type === "double")) return;
      yield expr;
      return;
    case "CelList":
      for (const e of expr.elements) yield* literalProblems(e);
      return;
    case "CelMap":
      for (const e of expr.entries) {
        yield* literalProblems(e.key);
        yield* literalProblems(e.value);
      }
      return;
    default:
      yield expr;
  }
}

function mixedAggregate(expr: CelExpr, types: ReadonlyMap<CelExpr, CelType>): CelExpr | undefined {
  const same = (list: readonly CelExpr[]): boolean => new Set(list.map((e) => typeName(types.get(e) ?? { kind: "dyn" }))).size <= 1;
  if (expr.kind === "CelList") {
    if (!same(expr.elements)) return expr;
    for (const e of expr.elements) {
      const inner = mixedAggregate(e, types);
      if (inner !== undefined) return inner;
    }
  }
  if (expr.kind === "CelMap") {
    if (!same(expr.entries.map((e) => e.key)) || !same(expr.entries.map((e) => e.value))) return expr;
    for (const e of expr.entries) {
      const inner = mixedAggregate(e.value, types);
      if (inner !== undefined) return inner;
    }
  }
  return undefined;
}

interface EntityLookup extends LookupEntity {
  readonly declared: Declared;
}

/** What CEL in `unit` resolves through the project; `lookups` only in policy conditions. */
export class UnitNames implements CelNames {
  constructor(
    private readonly state: State,
    private readonly unit: Unit,
    readonly lookups: boolean,
  ) {}

  constant(node: CelIdent | CelSelect): CelType | undefined {
    const name = nameOf(node);
    if (name === undefined) return undefined;
    const found = this.state.ctx.scope(this.unit).lookup("const", name);
    if (!found.ok || found.symbol.decl.kind !== "Const") return undefined;
    this.state.constRefs.set(node, found.symbol.decl);
    const unit = this.state.unitOf.get(found.symbol.decl) ?? this.unit;
    return constType(this.state, unit, found.symbol.decl);
  }

  constants(): readonly string[] {
    return this.state.ctx.scope(this.unit).visible("const");
  }

  entity(ident: CelIdent): LookupEntity | undefined {
    const found = this.state.ctx.scope(this.unit).lookup("entity", { kind: "Ident", span: ident.span, name: ident.name });
    if (!found.ok || found.symbol.decl.kind !== "Entity") return undefined;
    const decl: EntityDecl = found.symbol.decl;
    const indexed = new Set(decl.fields.filter((f) => f.annotations.some((a) => ["id", "unique", "index"].includes(a.name.name))).map((f) => f.name.name));
    const row = this.state.record(decl, () => recordType(found.symbol.name, this.state.fieldsOf(decl), "resource"));
    const entity: EntityLookup = { name: found.symbol.name, row, indexed, declared: found.symbol };
    return entity;
  }

  lookup(call: CelCall, entity: LookupEntity, keys: readonly LookupKey[]): void {
    this.state.lookups.set(call, { entity: (entity as EntityLookup).declared, keys });
  }

  values(kind: "plan" | "feature" | "workflow" | "workflow state" | "agent" | "action"): readonly string[] {
    return this.state.declaredNames(kind);
  }

  named(literal: CelLiteral, kind: "plan" | "feature" | "workflow" | "workflow state" | "agent" | "action", name: string): void {
    const symbol = this.state.declaredSymbol(kind, name);
    if (symbol !== undefined) this.state.namedLiterals.set(literal, { unit: this.unit, symbol });
  }
}

function nameOf(node: CelIdent | CelSelect): Ident | QualifiedName | undefined {
  if (node.kind === "CelIdent") return node.absolute ? undefined : { kind: "Ident", span: node.span, name: node.name };
  const operand = node.operand;
  if (operand.kind !== "CelIdent" || operand.absolute) return undefined;
  const parts: Ident[] = [
    { kind: "Ident", span: operand.span, name: operand.name },
    { kind: "Ident", span: node.fieldSpan, name: node.field },
  ];
  return { kind: "QualifiedName", span: node.span, parts };
}
