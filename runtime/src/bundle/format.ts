/**
 * The bundle: the one input of the runtime, written by `paybillc build` to `out/bundle.json`
 * (spec/bundle.md is the authority; spec/bundle.schema.json its JSON Schema).
 *
 * Everything is plain JSON, names are resolved (no imports, no aliases: a name is the
 * declaration's own name), maps are objects with sorted keys, and lists whose order means
 * nothing are sorted, so the same project gives the same bytes on any machine in any file
 * order. `hash` is `sha256:` + the hex SHA-256 of the canonical JSON of the bundle without
 * its `hash` and `signature` members (canonical.ts).
 */

export const BUNDLE_FORMAT = "paybill-bundle";
/** The version of the bundle format the compiler writes (the newest this runtime reads). */
export const BUNDLE_FORMAT_VERSION = 2;
/** Every version this runtime reads: 1 is 2 without `secret` on input fields (spec/bundle.md, Versions). */
export const BUNDLE_FORMAT_VERSIONS: readonly number[] = [1, 2];

export interface Bundle {
  readonly format: typeof BUNDLE_FORMAT;
  readonly version: 1 | typeof BUNDLE_FORMAT_VERSION;
  readonly hash: string;
  /** `paybillc build --release N`: the build's place in the project's releases (the runtime refuses to go back, spec/bundle.md). */
  readonly release?: number;
  /** `paybillc build --sign KEY`: an ed25519 signature over `hash`; not part of the hash (signature.ts). */
  readonly signature?: BundleSignature;
  readonly entities: Readonly<Record<string, EntitySchema>>;
  readonly actions: Readonly<Record<string, ActionSchema>>;
  readonly agents: Readonly<Record<string, AgentSpec>>;
  /**
   * The declared approval groups (`group account_holder { … }`), sorted; written only when
   * there is one. An approval of such a group is granted only by an approver the host says
   * belongs to it (spec/runtime.md, Approvals).
   */
  readonly groups?: readonly string[];
  /** Sorted by name. */
  readonly policies: readonly PolicySpec[];
  readonly workflows: Readonly<Record<string, WorkflowSpec>>;
  readonly plans: Readonly<Record<string, PlanSpec>>;
  /** The static tenants declared in `.paybill` files; more onboard at run time. */
  readonly tenants: Readonly<Record<string, TenantSpec>>;
  /** The counters policies read (`total(…)`, `count(…)`), by `totalKey`; absent when none does. */
  readonly totals?: Readonly<Record<string, TotalSpec>>;
}

/** A bundle's signature: `value` signs `paybill-bundle:` + the bundle's `hash` with the key whose id is `key`. */
export interface BundleSignature {
  readonly algorithm: "ed25519";
  /** `sha256:` + the hex SHA-256 of the public key's DER (SubjectPublicKeyInfo). */
  readonly key: string;
  /** The 64-byte ed25519 signature, base64. */
  readonly value: string;
}

// ---- data ----

/** A field's type, as declared (`Entity.field` references resolved to their target). */
export type FieldType =
  | { readonly kind: "uuid" }
  | { readonly kind: "string"; readonly max?: number }
  | { readonly kind: "int" }
  | { readonly kind: "decimal"; readonly precision?: number; readonly scale?: number }
  | { readonly kind: "money" }
  | { readonly kind: "bool" }
  | { readonly kind: "timestamp" }
  | { readonly kind: "duration" }
  | { readonly kind: "json" }
  | { readonly kind: "enum"; readonly values: readonly string[] }
  | { readonly kind: "list"; readonly element: FieldType; readonly max?: number };

export interface FieldSchema {
  readonly name: string;
  readonly type: FieldType;
  readonly optional: boolean;
  readonly pii: boolean;
  /** `@secret` (version 2, action input fields only): never stored, in the audit nor in approvals; written only when true. */
  readonly secret?: boolean;
  /** `Ticket.id` for a field declared as a reference to another entity's field. */
  readonly references?: { readonly entity: string; readonly field: string };
  /** Only in entities: `@id`, `@unique`, `@default(…)` (a CEL literal, or `now`). */
  readonly id?: boolean;
  readonly unique?: boolean;
  readonly default?: string;
  /**
   * `@untrusted` (entity text fields only; written only when true): the field can carry text
   * from outside, so a read effect that returns it records its value in the run (spec/runtime.md §Provenance).
   */
  readonly untrusted?: boolean;
}

export interface EntitySchema {
  readonly name: string;
  /** `@table("tickets")`, else the entity's name in snake_case. */
  readonly table: string;
  /** The `@id` field's name. */
  readonly key: string;
  /** In declaration order (the order of columns). */
  readonly fields: readonly FieldSchema[];
}

export type DataOp = "read" | "insert" | "update" | "delete";

/** One CEL expression: its canonical source (the formatter's printing of it). */
export interface Cel {
  readonly cel: string;
}

export interface EffectSpec {
  readonly op: DataOp;
  readonly entity: string;
  /** The row's key, for read, update and delete. */
  readonly key?: Cel;
  /**
   * For insert and update, in source order. An enum value written as a name is a string literal here.
   * `keep` (update only): the optional inputs the value reads without `has(…)`; when one of them is
   * absent the field is not assigned and keeps its value (spec/language.md, "Optional inputs in effects").
   */
  readonly set?: readonly { readonly field: string; readonly value: Cel; readonly keep?: readonly string[] }[];
  /** A list read (`effect read many E where … limit N`): the rows `where` selects, at most `limit` (≤ 100), by key. */
  readonly many?: { readonly where?: RowFilter; readonly limit: number };
}

/**
 * A list read's `where` as the runtime runs it in SQL: `all` (and) and `any` (or) of
 * comparisons of one field of the row with a value (CEL over the effect's variables, not the row).
 */
export type RowFilter =
  | { readonly all: readonly RowFilter[] }
  | { readonly any: readonly RowFilter[] }
  | { readonly field: string; readonly op: "==" | "!=" | "<" | "<=" | ">" | ">="; readonly value: Cel };

export interface ActionSchema {
  readonly name: string;
  /** The input's fields in declaration order; no other key is accepted. */
  readonly input: readonly FieldSchema[];
  readonly effect?: EffectSpec;
  /** `effect host`: the host performs the action once allowed and reports the outcome (spec/runtime.md, "Host effects"). */
  readonly host?: true;
  /** `requires feature x`, sorted. */
  readonly requires: readonly string[];
  readonly description?: string;
}

export interface AgentSpec {
  readonly name: string;
  /** Sorted. */
  readonly roles: readonly string[];
  readonly description?: string;
  /** `runs = required`: the agent acts only inside a workflow run; an act without one is denied. Absent: it may act outside runs. */
  readonly runs?: "required";
}

// ---- policies ----

/**
 * What a rule applies to. Agents are resolved at build time: `role billing` becomes the
 * agents holding that role; `any agent` is `"*"`.
 */
export type ActionSelector =
  | { readonly kind: "action"; readonly action: string }
  /** `read Ticket`, or `read Ticket.email` with `field`. */
  | { readonly kind: "data"; readonly op: DataOp; readonly entity: string; readonly field?: string }
  | { readonly kind: "any" };

/** The declared types a condition was checked against (spec/language.md §8.4). */
export interface ConditionTypes {
  /** `action:<name>`, `common:<a>,<b>` (the fields several actions share), `dyn` (any action) or `none`. */
  readonly input: string;
  /** `entity:<name>` or `none`. */
  readonly resource: string;
}

export interface RuleSpec {
  /** `<policy>#<n>`: the policy's name and the rule's index in it, from 0. */
  readonly id: string;
  /** `require`: `require approval from G …` (with `approval`): never allows by itself. */
  readonly effect: "permit" | "forbid" | "require";
  /** Sorted agent names, or `["*"]` for any agent. */
  readonly agents: readonly string[];
  /** In source order. */
  readonly actions: readonly ActionSelector[];
  /** Absent: the rule applies unconditionally. */
  readonly when?: Cel & { readonly types: ConditionTypes };
  /**
   * The lookups `exists(Entity, row, …)` the condition reads, as `lookups["<id>/<n>"]` (the
   * n-th from 0): the runtime answers each with one indexed query before deciding. Absent
   * when there are none.
   */
  readonly lookups?: readonly LookupSpec[];
  /** Only with effect `require`: the declared group whose approval the action waits for, and how long it may wait. */
  readonly approval?: { readonly group: string; readonly timeoutMs?: number };
}

/** A lookup: does a row of `entity`, in the tenant, have every `field` equal to its `value`? */
export interface LookupSpec {
  readonly entity: string;
  /** At least one field has an index (`@id`, `@unique`, `@index`); each value is CEL over the request (no row, `resource` or `context`). */
  readonly where: readonly { readonly field: string; readonly value: string }[];
  /** Only with effect `require`: the declared group whose approval the action waits for, and how long it may wait. */
  readonly approval?: { readonly group: string; readonly timeoutMs?: number };
}

export interface PolicySpec {
  readonly name: string;
  readonly rules: readonly RuleSpec[];
  /** Other attributes (`severity = "critical"`), as JSON values. */
  readonly attributes?: Readonly<Record<string, unknown>>;
}

// ---- totals ----

/**
 * A counter a condition reads: `total(send_money.amount, per day)` is `{ kind: "total",
 * action: "send_money", field: "amount", per: "day", type: "double" }`, read in the
 * condition's CEL as `context.totals["total send_money.amount per day"]` (its `totalKey`).
 * It counts the tenant's performed acts of `action` in the current UTC `per` window
 * (spec/runtime.md §Totals).
 */
export interface TotalSpec {
  readonly kind: "total" | "count";
  readonly action: string;
  /** For `total`: the summed input field (`int`, `decimal` or `money`). */
  readonly field?: string;
  /** A quota period: `second`, `minute`, `hour`, `day`, `week`, `month`, `year`. */
  readonly per: string;
  /** The CEL type policies see: `int`, or `double` for a total of a `decimal` or `money` field. */
  readonly type: "int" | "double";
}

/** The name a counter has in `Bundle.totals`, in `context.totals` and in its database row. */
export function totalKey(spec: Pick<TotalSpec, "kind" | "action" | "field" | "per">): string {
  return `${spec.kind} ${spec.action}${spec.field === undefined ? "" : `.${spec.field}`} per ${spec.per}`;
}

// ---- workflows ----

export interface StateSpec {
  readonly name: string;
  readonly allow: readonly ActionSelector[];
  /** Sorted. */
  readonly next: readonly string[];
  /** `await approval from "finance"`: allowed actions wait for this group. */
  readonly approval?: string;
  readonly final: boolean;
  /** `timeout = 24h`, in milliseconds. */
  readonly timeoutMs?: number;
  /**
   * The edges of `next` that say more than their target, by target: `by agent` (the run's
   * agent may take it; every edge is the host's) and the guard `when <cel>`. Absent when no
   * edge of the state says either (every edge is then `by host`, unguarded).
   */
  readonly edges?: Readonly<Record<string, EdgeSpec>>;
}

/** `next s by agent when <cel>`: who besides the host may take the edge, and its guard (sees `tenant` and `context`). */
export interface EdgeSpec {
  readonly by?: "agent";
  readonly when?: Cel;
}

export interface WorkflowSpec {
  readonly name: string;
  readonly agent: string;
  readonly budget: { readonly steps?: number; readonly writes?: number; readonly deadlineMs?: number };
  readonly start: string;
  readonly states: Readonly<Record<string, StateSpec>>;
  /**
   * The run's trusted context (`context { … }`), present only when the workflow declares
   * one: the host gives these values at `runs.start`, validated as an action's input is
   * (spec/runtime.md §Run context). Conditions read them as `run.context.<field>`.
   */
  readonly context?: readonly FieldSchema[];
}

// ---- control plane ----

/** `1000 per day` is `{ amount: 1000, per: "day" }`; `3` is `{ amount: 3 }`. */
export interface Quantity {
  readonly amount: number;
  readonly unit?: string;
  readonly per?: string;
}

export interface PlanSpec {
  readonly name: string;
  readonly isolation: { readonly model: string; readonly cloud?: string };
  /** `price = custom` is `"custom"`. */
  readonly price?: Quantity | "custom";
  readonly trialDays?: number;
  readonly graceDays?: number;
  /** `retention = 30 days`: how long an offboarded tenant's data is kept before it may be erased (absent: no wait). */
  readonly retentionDays?: number;
  readonly limits: Readonly<Record<string, Quantity>>;
  /** Sorted. */
  readonly features: readonly string[];
}

export interface TenantSpec {
  readonly name: string;
  readonly plan: string;
  readonly cloud?: string;
  readonly region?: string;
}
