/**
 * What the checks of one project build up and share: typed fields of entities and action
 * inputs (computed once, on demand), the features plans grant, the clouds declared, and
 * the type of every CEL sub-expression (a side table keyed by node).
 */
import type { CelCall, CelExpr, CelLiteral } from "../ast/cel.js";
import type { ActionDecl, ConstDecl, DataAccess, Declaration, EntityDecl, Field, RefValue, WorkflowDecl } from "../ast/nodes.js";
import type { Modules } from "../2-resolve/modules.js";
import type { Declared, Namespace, Unit } from "../2-resolve/symbols.js";
import type { CelType } from "./cel/cel-types.js";
import type { Window, WindowScope } from "./cel/windows.js";
import { checkCel, checkCondition, checkSafety, type CelProblem } from "./cel/index.js";
import { type LookupFacts, UnitNames } from "./check-consts.js";
import type { Context } from "./context.js";
import { resolveFieldType, type TypedField } from "./field-types.js";
import { checkUntrustedOutsideCondition } from "./untrusted.js";

export class State {
  readonly unitOf = new Map<Declaration, Unit>();
  readonly entityFields = new Map<EntityDecl, readonly TypedField[]>();
  readonly inputFields = new Map<ActionDecl, readonly TypedField[]>();
  readonly contextFields = new Map<WorkflowDecl, readonly TypedField[]>();
  /** Each checked expression (by its root) → the types of its sub-expressions. */
  readonly celTypes = new Map<CelExpr, ReadonlyMap<CelExpr, CelType>>();
  /** Each checked `total(…)`/`count(…)` call → what it counts (cel/windows.ts). */
  readonly windows = new Map<CelCall, Window>();
  private readonly records = new Map<object, CelType>();
  readonly features = new Set<string>();
  /** What each data access selector (`read Ticket.email`) resolved to. */
  readonly dataAccess = new Map<DataAccess, { readonly entity: Declared; readonly field: string | undefined }>();
  clouds: Declared[] = [];
  /** Each constant's type (check-consts.ts), each reference to a constant, each checked lookup. */
  readonly constTypes = new Map<ConstDecl, CelType>();
  readonly constRefs = new Map<CelExpr, ConstDecl>();
  readonly lookups = new Map<CelCall, LookupFacts>();
  /** The type of `run` in conditions (run-context.ts), set before policies are checked. */
  run: CelType | undefined;
  /** The fields being typed, innermost last (a chain of references is short): a stack, not a set that grows and shrinks. */
  private readonly inProgress: Field[] = [];
  private readonly typedFields = new Map<Field, TypedField>();

  constructor(
    readonly ctx: Context,
    readonly modules: Modules,
  ) {
    for (const module of modules.modules.values()) for (const unit of module.units) for (const decl of unit.ast.declarations) this.unitOf.set(decl, unit);
  }

  /** The entity a type like `Customer.id` names (everything before the last part). */
  readonly entityOf = (unit: Unit, ref: RefValue): EntityDecl | undefined => {
    const parts = ref.name.parts.slice(0, -1);
    const name = parts.length === 1 ? parts[0] : { ...ref.name, parts, span: { start: ref.name.span.start, end: parts[parts.length - 1]?.span.end ?? ref.name.span.end } };
    if (name === undefined) return undefined;
    const symbol = this.ctx.resolve(unit, "entity", name);
    return symbol?.decl.kind === "Entity" ? symbol.decl : undefined;
  };

  private declared: Map<string, readonly string[]> | undefined;
  /** String literals that name a declaration (`tenant.plan == "enterprise"`), for rename and references. */
  readonly namedLiterals = new Map<CelLiteral, { readonly unit: Unit; readonly symbol: Declared }>();

  /** The one declaration of a kind with that name (none when the name is ambiguous across packages or the kind has no declarations). */
  declaredSymbol(kind: string, name: string): Declared | undefined {
    const namespace = ({ plan: "plan", agent: "agent", action: "action", workflow: "workflow" } as Record<string, Namespace | undefined>)[kind];
    if (namespace === undefined) return undefined;
    const found: Declared[] = [];
    for (const module of this.modules.modules.values()) {
      const symbol = module.table(namespace).get(name);
      if (symbol !== undefined && !symbol.unit.std) found.push(symbol);
    }
    return found.length === 1 ? found[0] : undefined;
  }

  /** The names the project declares of a kind, for strings compared with them (cel/cel-types.ts `Among`). */
  declaredNames(kind: "plan" | "feature" | "workflow" | "workflow state" | "agent" | "action"): readonly string[] {
    if (kind === "feature") return [...this.features].sort();
    if (this.declared === undefined) {
      const names = new Map<string, Set<string>>();
      const add = (k: string, name: string): void => {
        const set = names.get(k) ?? new Set<string>();
        set.add(name);
        names.set(k, set);
      };
      for (const [decl, unit] of this.unitOf) {
        if (unit.std) continue;
        if (decl.kind === "Plan") add("plan", decl.name.name);
        else if (decl.kind === "Agent") add("agent", decl.name.name);
        else if (decl.kind === "Action") add("action", decl.name.name);
        else if (decl.kind === "Workflow") {
          add("workflow", decl.name.name);
          for (const entry of decl.body) if (entry.kind === "State") add("workflow state", entry.name.name);
        }
      }
      this.declared = new Map([...names].map(([k, set]) => [k, [...set].sort()]));
    }
    return this.declared.get(kind) ?? [];
  }

  /** An entity's typed fields, each typed once. */
  readonly fieldsOf = (entity: EntityDecl): readonly TypedField[] => {
    const known = this.entityFields.get(entity);
    if (known !== undefined) return known;
    const fields = entity.fields.map((field) => this.typedField(entity, field));
    this.entityFields.set(entity, fields);
    return fields;
  };

  /** One field of an entity by name, for a reference type such as `Customer.id`. */
  readonly fieldOf = (entity: EntityDecl, name: string): TypedField | undefined => {
    const field = entity.fields.find((f) => f.name.name === name);
    return field === undefined ? undefined : this.typedField(entity, field);
  };

  /**
   * A field's type. Entities may refer to each other (`Order.customer` is `Customer.id`,
   * `Customer.last_order` is `Order.id`); only a chain of field types leading back to the
   * same field is a cycle, and it is reported once.
   */
  private typedField(entity: EntityDecl, field: Field): TypedField {
    const known = this.typedFields.get(field);
    if (known !== undefined) return known;
    const unit = this.unitOf.get(entity);
    const name = field.name.name;
    const optional = field.type.kind === "Ref" && field.type.optional;
    const pii = field.annotations.some((a) => a.name.name === "pii");
    if (unit === undefined || field.type.kind !== "Ref") return { name, type: { kind: "unknown" }, optional, pii, node: field };
    if (this.inProgress.includes(field)) {
      this.ctx.report("unknownType", unit, field.type.span, `the type of \`${entity.name.name}.${name}\` refers back to itself`, "give one field of the chain a type of its own, such as `uuid`");
      return { name, type: { kind: "unknown" }, optional, pii, node: field };
    }
    this.inProgress.push(field);
    const type = resolveFieldType(this.ctx, unit, field.type, this.entityOf, this.fieldOf);
    this.inProgress.pop();
    // The same shape as every other typed field (`inputFieldsOf`): reads of them stay monomorphic.
    const typed: TypedField = { name, type, optional, pii, node: field };
    this.typedFields.set(field, typed);
    return typed;
  }

  /** The message type of an entity's rows or an action's input, built once. */
  record(owner: EntityDecl | ActionDecl, build: () => CelType): CelType {
    let type = this.records.get(owner);
    if (type === undefined) {
      type = build();
      this.records.set(owner, type);
    }
    return type;
  }

  private readonly ids = new Map<object, number>();
  private readonly sharedRecords = new Map<string, CelType>();

  /** A type built once per set of declarations (in any order). */
  shared(owners: readonly object[], build: () => CelType): CelType {
    const key = owners
      .map((o) => {
        const id = this.ids.get(o) ?? this.ids.size;
        this.ids.set(o, id);
        return id;
      })
      .sort((a, b) => a - b)
      .join(",");
    let type = this.sharedRecords.get(key);
    if (type === undefined) {
      type = build();
      this.sharedRecords.set(key, type);
    }
    return type;
  }

  /** Type-checks a CEL expression; `condition` also requires it to be a `bool`; `lookups` allows `exists(Entity, …)`; `windows` allows `total(…)`/`count(…)`. */
  checkExpression(unit: Unit, expr: CelExpr, variables: ReadonlyMap<string, CelType>, condition: boolean, lookups = false, windows?: WindowScope): CelType {
    const env = { variables, names: new UnitNames(this, unit, lookups), ...(windows === undefined ? {} : { windows }) };
    const result = condition ? checkCondition(expr, env) : checkCel(expr, env);
    if (!condition) checkUntrustedOutsideCondition(this, unit, expr);
    this.celTypes.set(expr, result.types);
    this.reportAll(unit, result.problems);
    if (result.problems.length === 0) this.reportAll(unit, checkSafety(expr, result.types));
    return result.type;
  }

  private reportAll(unit: Unit, problems: readonly CelProblem[]): void {
    for (const p of problems) {
      if (p.kind === "celUndeclared" && /`resource`/.test(p.message)) {
        this.ctx.report(
          p.kind,
          unit,
          p.span,
          "`resource` is not available here: this rule's actions do not work on one existing row",
          "`resource` is the row an action's `effect read`, `update` or `delete` works on; a rule whose actions insert, have no effect, or touch different entities cannot use it",
        );
      } else {
        this.ctx.report(p.kind, unit, p.span, p.message, p.help);
      }
    }
  }
}
