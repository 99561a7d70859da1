/**
 * The checked model: what every emitter reads. Immutable; what the checker learned about
 * nodes lives in side tables keyed by node, never on the nodes.
 */
import type { CelCall, CelExpr, CelLiteral } from "../ast/cel.js";
import type { ActionDecl, ConstDecl, EntityDecl, Ident, QualifiedName, WorkflowDecl } from "../ast/nodes.js";
import type { LookupFacts } from "./check-consts.js";
import type { Module, Declared, Unit } from "../2-resolve/symbols.js";
import type { CelType } from "./cel/cel-types.js";
import type { Window } from "./cel/windows.js";
import type { TypedField } from "./field-types.js";

export interface Model {
  /** Every module, the project's and the standard library's, by name. */
  readonly modules: ReadonlyMap<string, Module>;
  /** The project's files (not the standard library's), sorted by name. */
  readonly units: readonly Unit[];
  /** Reference → the declaration it names. */
  readonly references: ReadonlyMap<Ident | QualifiedName, Declared>;
  readonly entityFields: ReadonlyMap<EntityDecl, readonly TypedField[]>;
  readonly inputFields: ReadonlyMap<ActionDecl, readonly TypedField[]>;
  /** A workflow's `context { … }` fields, typed (only workflows that declare one). */
  readonly contextFields?: ReadonlyMap<WorkflowDecl, readonly TypedField[]>;
  /** Each checked CEL expression (by its root node) → the type of every sub-expression. */
  readonly celTypes: ReadonlyMap<CelExpr, ReadonlyMap<CelExpr, CelType>>;
  /** Each `total(…)`/`count(…)` call of a policy condition → what it counts. */
  readonly windows: ReadonlyMap<CelCall, Window>;
  /** The type of `run` in conditions: `{ context }` with every workflow's context fields (run-context.ts). */
  readonly run?: CelType;
  /** Every feature some plan grants. */
  readonly features: ReadonlySet<string>;
  /** A CEL name (`payees`, `alias.payees`) → the constant it names; emitters inline its value. */
  readonly constants: ReadonlyMap<CelExpr, ConstDecl>;
  /** Each lookup `exists(Entity, row, …)` of a policy condition → its entity and equalities. */
  readonly lookups: ReadonlyMap<CelCall, LookupFacts>;
  /** String literals that name a plan, agent, action or workflow (`tenant.plan == "enterprise"`), with their file: rename follows them. */
  readonly namedLiterals?: ReadonlyMap<CelLiteral, { readonly unit: Unit; readonly symbol: Declared }>;
}
