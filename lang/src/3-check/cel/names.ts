/**
 * Names a CEL expression may use besides its variables, answered by the checker of the
 * project around it: declared constants (`const payees = [...]`) and, in policy
 * conditions, the entities a lookup (`exists(Payee, p, p.iban == input.recipient)`) reads.
 * The CEL checker stays free of modules and scopes: it asks through this interface.
 */
import type { CelCall, CelIdent, CelLiteral, CelSelect } from "../../ast/cel.js";
import type { CelType } from "./cel-types.js";

/** An entity as a lookup sees it: its row type and the fields an index covers (`@id`, `@unique`, `@index`). */
export interface LookupEntity {
  readonly name: string;
  readonly row: CelType;
  readonly indexed: ReadonlySet<string>;
}

/** One equality of a lookup's predicate: `row.field == value`. */
export interface LookupKey {
  readonly field: string;
  readonly value: import("../../ast/cel.js").CelExpr;
}

export interface CelNames {
  /** The type of the constant `ident` (or `alias.name`) names here, recording the reference; undefined when none. */
  constant(node: CelIdent | CelSelect): CelType | undefined;
  /** Every constant visible without qualification (for did-you-mean). */
  constants(): readonly string[];
  /** The entity `ident` names; undefined when lookups are not allowed here (`allowed: false`) or it names none. */
  entity(ident: CelIdent): LookupEntity | undefined;
  /** Whether lookups may be written here (policy conditions only). */
  readonly lookups: boolean;
  /** Records a checked lookup for the emitters. */
  lookup(call: CelCall, entity: LookupEntity, keys: readonly LookupKey[]): void;
  /** The names the project declares of a kind (its plans, features, workflows…), for a string compared with one. */
  values(kind: "plan" | "feature" | "workflow" | "workflow state" | "agent" | "action"): readonly string[];
  /** Records that a literal names a declaration of that kind (rename and references follow it). */
  named(literal: CelLiteral, kind: "plan" | "feature" | "workflow" | "workflow state" | "agent" | "action", name: string): void;
}
