/**
 * The variables a CEL expression may use, with their types: `principal`, `action`,
 * `input`, `resource`, `tenant` and `context` (DESIGN.md), built from the declarations an
 * expression is about. The runtime fills them with values of exactly these shapes.
 */
import type { Field } from "../ast/nodes.js";
import { type CelField, type CelType, T } from "./cel/cel-types.js";
import { celTypeOf, describeType, type TypedField } from "./field-types.js";

/** Caps on runtime-made lists, so conditions over them have a static cost bound. */
export const MAX_ROLES = 32;
export const MAX_FEATURES = 64;
export const MAX_APPROVALS = 16;
export const MAX_LIMITS = 64;

/** A tenant's lifecycle states (spec/control-plane.md), what `tenant.state` may be. */
export const TENANT_STATES = ["pending", "provisioning", "provisioning_failed", "active", "suspended", "offboarding", "offboarded"];

export const PRINCIPAL = T.message("principal", {
  id: { type: T.named({ kind: "agent" }), doc: "the agent's name" },
  roles: { type: T.list(T.string, MAX_ROLES), doc: "the agent's roles" },
});

export const ACTION = T.message("action", { name: { type: T.named({ kind: "action" }), doc: "the action's name" } });

export const TENANT = T.message("tenant", {
  id: { type: T.string, doc: "the tenant's id" },
  plan: { type: T.named({ kind: "plan" }), doc: "the name of the tenant's plan" },
  state: { type: T.named({ kind: "tenant state", values: TENANT_STATES }), doc: TENANT_STATES.map((s) => `\`${s}\``).join(", ") },
  region: { type: T.string, doc: "the tenant's region" },
  features: { type: T.list(T.named({ kind: "feature" }), MAX_FEATURES), doc: "the features of the tenant's plan" },
  limits: { type: { kind: "map", key: T.string, value: T.int, max: MAX_LIMITS }, doc: "the limits of the tenant's plan" },
});

const APPROVAL = T.message("approval", {
  group: { type: T.string, doc: "the group that approved, e.g. `finance`" },
  by: { type: T.string, doc: "who approved" },
  at: { type: T.timestamp, doc: "when" },
});

export const CONTEXT = T.message("context", {
  time: { type: T.timestamp, doc: "the time of the request" },
  approvals: { type: T.list(APPROVAL, MAX_APPROVALS), doc: "approvals granted to the workflow run" },
  workflow: {
    type: T.message("workflow run", {
      name: { type: T.named({ kind: "workflow" }), doc: "the workflow's name" },
      state: { type: T.named({ kind: "workflow state" }), doc: "the run's current state" },
    }),
    doc: "the workflow run the request belongs to",
  },
  budget: {
    type: T.message("budget", {
      steps: { type: T.int, doc: "steps left" },
      writes: { type: T.int, doc: "writes left" },
      deadline: { type: T.timestamp, doc: "when the run's deadline passes" },
    }),
    doc: "what the run has left",
  },
});

/** A message type for an entity row or an action's input. */
export function recordType(name: string, fields: readonly TypedField[], owner: string): CelType {
  // No prototype: a field may be called `__proto__`, which on a plain object would set the prototype.
  // A map, not an object: a field may be called `__proto__`. Docs are written when hover or
  // completion reads them, not on every check.
  const entries = new Map<string, CelField>();
  for (const f of fields) entries.set(f.name, new RecordField(celTypeOf(f.type, f.optional), f, owner));
  return { kind: "message", name, fields: entries };
}

/** A record's field; its doc ("`Order.status`, enum(open, closed)") is built on first read. */
class RecordField implements CelField {
  private written: string | undefined;
  readonly pii: boolean;

  constructor(
    readonly type: CelType,
    private readonly field: TypedField,
    private readonly owner: string,
  ) {
    this.pii = field.pii;
  }

  /** The field's declaration (in an entity, or an action's input). */
  get node(): Field {
    return this.field.node;
  }

  get doc(): string {
    this.written ??= `\`${this.owner}.${this.field.name}\`, ${describeType(this.field.type)}${this.field.optional ? "?" : ""}`;
    return this.written;
  }
}

/** Fields present with the same type in every record: what `input` offers when a rule names several actions. */
export function commonFields(records: readonly (readonly TypedField[])[]): TypedField[] {
  const [first, ...rest] = records;
  if (first === undefined) return [];
  return first.filter((f) =>
    rest.every((other) => other.some((g) => g.name === f.name && g.optional === f.optional && describeType(g.type) === describeType(f.type))),
  );
}

export interface EnvParts {
  readonly input?: CelType;
  readonly resource?: CelType;
  /** `run` (a rule's condition only): `{ context }`, the run's trusted context (run-context.ts). */
  readonly run?: CelType;
  /** Extra names, such as an enum's values when assigning to an enum field. */
  readonly extra?: ReadonlyMap<string, CelType>;
}

export function environment(parts: EnvParts): Map<string, CelType> {
  const variables = new Map<string, CelType>([
    ["principal", PRINCIPAL],
    ["action", ACTION],
    ["tenant", TENANT],
    ["context", CONTEXT],
    ["input", parts.input ?? T.message("input", {})],
  ]);
  if (parts.resource !== undefined) variables.set("resource", parts.resource);
  if (parts.run !== undefined) variables.set("run", parts.run);
  for (const [name, type] of parts.extra ?? []) variables.set(name, type);
  return variables;
}
