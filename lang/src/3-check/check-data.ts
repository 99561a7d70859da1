/**
 * Entities, agents and actions: the schema agents work on and the operations they may
 * request.
 */
import type { ActionDecl, AgentDecl, Annotation, EffectDecl, EntityDecl, Field, HostEffect, Value } from "../ast/nodes.js";
import { didYouMean } from "../2-resolve/suggest.js";
import type { Unit } from "../2-resolve/symbols.js";
import { checkBody, isName, isNameList, isString } from "./attributes.js";
import { type CelType, T, typeName } from "./cel/cel-types.js";
import { celTypeOf, describeType, resolveFieldType, type TypedField } from "./field-types.js";
import { environment, recordType } from "./env.js";
import { checkReservedNames, RESERVED_TABLE_PREFIX } from "./reserved-names.js";
import type { State } from "./state.js";
import { unguardedOptionalReads } from "./effect-inputs.js";
import { checkReadMany } from "./read-many.js";
import { checkUntrustedField } from "./untrusted.js";

const FIELD_ANNOTATIONS = ["id", "pii", "unique", "index", "default", "renamed", "untrusted"];
const RESERVED_ACTION_NAMES = new Set(["read", "insert", "update", "delete", "any"]);

export function checkAnnotations(state: State, unit: Unit, annotations: readonly Annotation[], allowed: readonly string[], what: string): void {
  const seen = new Set<string>();
  for (const annotation of annotations) {
    const name = annotation.name.name;
    if (!allowed.includes(name)) {
      state.ctx.report("unknownAttribute", unit, annotation.span, `${what} has no annotation \`@${name}\``, didYouMean(name, allowed) ?? `the annotations are ${allowed.map((a) => `\`@${a}\``).join(", ")}`);
    } else if (seen.has(name)) {
      state.ctx.report("duplicateName", unit, annotation.span, `\`@${name}\` is written twice on ${what}`);
    }
    seen.add(name);
  }
}

function checkFieldNames(state: State, unit: Unit, fields: readonly Field[], owner: string): void {
  const seen = new Set<string>();
  for (const field of fields) {
    if (seen.has(field.name.name)) state.ctx.report("duplicateName", unit, field.name.span, `${owner} has two fields called \`${field.name.name}\``);
    seen.add(field.name.name);
  }
}

export function checkEntity(state: State, unit: Unit, entity: EntityDecl): void {
  const what = `entity \`${entity.name.name}\``;
  checkAnnotations(state, unit, entity.annotations, ["table"], what);
  checkFieldNames(state, unit, entity.fields, what);
  checkReservedNames(state, unit, entity);
  const fields = state.fieldsOf(entity);
  let ids = 0;
  for (const field of entity.fields) {
    checkAnnotations(state, unit, field.annotations, FIELD_ANNOTATIONS, `field \`${field.name.name}\``);
    if (field.annotations.some((a) => a.name.name === "id")) ids++;
    const typed = fields.find((f) => f.node === field);
    checkUntrustedField(state, unit, typed, field.annotations);
    const fallback = field.annotations.find((a) => a.name.name === "default");
    if (typed !== undefined && fallback !== undefined) checkDefault(state, unit, typed, fallback);
    const renamed = field.annotations.find((a) => a.name.name === "renamed");
    if (renamed !== undefined) checkRenamed(state, unit, entity, field, renamed);
  }
  if (ids === 0) {
    state.ctx.report("missingAttribute", unit, entity.name.span, `${what} has no \`@id\` field`, "mark the field that identifies a row, e.g. `id uuid @id`");
  } else if (ids > 1) {
    state.ctx.report("duplicateName", unit, entity.name.span, `${what} has ${ids} \`@id\` fields`, "an entity has exactly one `@id` field");
  }
}

/**
 * `@renamed(from: "old")`: the column's previous name, so the next migration renames rather
 * than drops and adds (spec/database.md). A lowercase column name, not the field's own and
 * not another field's.
 */
function checkRenamed(state: State, unit: Unit, entity: EntityDecl, field: Field, annotation: Annotation): void {
  const arg = annotation.args?.length === 1 ? annotation.args[0] : undefined;
  const from = arg !== undefined && (arg.name === undefined || arg.name.name === "from") && arg.value.kind === "String" ? arg.value.value : undefined;
  const help = 'write `@renamed(from: "old_name")`; remove it once every database is migrated';
  if (from === undefined || !/^[a-z_][a-z0-9_]*$/.test(from)) {
    state.ctx.report("attributeType", unit, annotation.span, "`@renamed` takes the column's previous name: `from:` and a lowercase name", help);
  } else if (from === field.name.name || entity.fields.some((f) => f.name.name === from)) {
    state.ctx.report("attributeType", unit, annotation.span, `\`@renamed\` of \`${field.name.name}\` names \`${from}\`, a field this entity still has`, help);
  }
}

/** `@default(…)`: a literal of the field's type; `now` for timestamps. */
function checkDefault(state: State, unit: Unit, field: TypedField, annotation: Annotation): void {
  const value = annotation.args?.[0]?.value;
  if (value === undefined || annotation.args?.length !== 1) {
    state.ctx.report("attributeType", unit, annotation.span, "`@default` takes one value", "e.g. `@default(false)`, `@default(\"open\")`, `@default(now)`");
    return;
  }
  const base = field.type.kind === "reference" ? field.type.target : field.type;
  const name = value.kind === "Ref" && value.name.parts.length === 1 ? value.name.parts[0]?.name : undefined;
  const ok = ((): boolean => {
    switch (base.kind) {
      case "enum":
        return (value.kind === "String" && base.values.includes(value.value)) || (name !== undefined && base.values.includes(name));
      case "scalar":
        switch (base.name) {
          case "bool":
            return value.kind === "Bool";
          case "int":
            return value.kind === "Number" && /^-?\d+$/.test(value.raw);
          case "decimal":
          case "money":
            return value.kind === "Number";
          case "timestamp":
            return name === "now";
          case "duration":
            return value.kind === "Duration";
          case "json":
            return true;
          default:
            return value.kind === "String";
        }
      default:
        return true;
    }
  })();
  if (!ok) state.ctx.report("attributeType", unit, value.span, `\`@default\` of \`${field.name}\` must have the field's type, \`${describeType(field.type)}\``);
}

export function checkAgent(state: State, unit: Unit, agent: AgentDecl): void {
  checkBody(state.ctx, unit, `agent \`${agent.name.name}\``, agent.name.span, agent.body, {
    roles: { expect: "a list of role names such as `[support]`", accepts: isNameList },
    description: { expect: "a string", accepts: isString },
    runs: { expect: "`required` (the agent acts only inside a workflow run)", accepts: isRequired },
  });
}

/** `runs = required`: the only value of an agent's `runs`. */
const isRequired = (v: Value): boolean => v.kind === "Ref" && isName(v) && v.name.parts.length === 1 && v.name.parts[0]?.name === "required";

/** The roles an agent declares. */
export function rolesOf(agent: AgentDecl): string[] {
  const entry = agent.body.find((e) => e.kind === "Attribute" && e.key.kind === "Ident" && e.key.name === "roles");
  if (entry?.kind !== "Attribute" || entry.value.kind !== "List") return [];
  return entry.value.items.flatMap((item) => (item.kind === "Ref" ? [item.name.parts.map((p) => p.name).join(".")] : []));
}

export function inputFieldsOf(state: State, unit: Unit, action: ActionDecl): readonly TypedField[] {
  const known = state.inputFields.get(action);
  if (known !== undefined) return known;
  const fields = action.body.flatMap((entry) =>
    entry.kind !== "Input"
      ? []
      : entry.fields.map(
          (field): TypedField => ({
            name: field.name.name,
            type: field.type.kind === "Ref" ? resolveFieldType(state.ctx, unit, field.type, state.entityOf, state.fieldOf) : { kind: "unknown" },
            optional: field.type.kind === "Ref" && field.type.optional,
            pii: false,
            node: field,
          }),
        ),
  );
  state.inputFields.set(action, fields);
  return fields;
}

/** The entity an action's effect works on, if it has one. */
export function effectOf(action: ActionDecl): EffectDecl | undefined {
  return action.body.find((e): e is EffectDecl => e.kind === "Effect");
}

export function checkAction(state: State, unit: Unit, action: ActionDecl): void {
  const what = `action \`${action.name.name}\``;
  if (RESERVED_ACTION_NAMES.has(action.name.name)) {
    state.ctx.report("reservedActionName", unit, action.name.span, `an action cannot be called \`${action.name.name}\``, "`read`, `insert`, `update`, `delete` and `any` name data operations in policies; choose another name");
  }
  if (action.name.name.startsWith(RESERVED_TABLE_PREFIX)) {
    // The MCP server's own tools (`paybill_status`, `paybill_move`) and records (`paybill:…`) live there: an action of that name would be shadowed by one.
    state.ctx.report(
      "runtimeActionName",
      unit,
      action.name.span,
      `action \`${action.name.name}\` starts with \`${RESERVED_TABLE_PREFIX}\`, which names the runtime's own tools (\`paybill_status\`, \`paybill_move\`)`,
      `choose a name that does not start with \`${RESERVED_TABLE_PREFIX}\``,
    );
  }
  checkBody(state.ctx, unit, what, action.name.span, action.body, { description: { expect: "a string", accepts: isString } });
  const inputs = action.body.filter((e) => e.kind === "Input");
  for (const extra of inputs.slice(1)) state.ctx.report("duplicateName", unit, extra.span, `${what} has two \`input\` blocks`, "merge them into one");
  for (const input of inputs.slice(0, 1)) {
    checkFieldNames(state, unit, input.fields, `the input of ${what}`);
    for (const field of input.fields) checkAnnotations(state, unit, field.annotations, ["pii", "secret"], `input \`${field.name.name}\``);
  }
  const input = state.record(action, () => recordType(`${action.name.name} input`, inputFieldsOf(state, unit, action), "input"));
  // `effect host` counts as the action's one effect.
  const effects = action.body.filter((e): e is EffectDecl | HostEffect => e.kind === "Effect" || e.kind === "HostEffect");
  for (const extra of effects.slice(1)) state.ctx.report("duplicateName", unit, extra.span, `${what} has more than one \`effect\``, "an action performs one effect; split it into two actions");
  const effect = effects[0];
  if (effect !== undefined && effect.kind === "Effect") {
    checkEffect(state, unit, effect, input);
    checkEffectInputs(state, unit, effect, inputFieldsOf(state, unit, action));
  }
  for (const entry of action.body) {
    if (entry.kind !== "RequiresFeature") continue;
    if (!state.features.has(entry.feature.name)) {
      state.ctx.report(
        "featureNotGranted",
        unit,
        entry.feature.span,
        `no plan grants the feature \`${entry.feature.name}\`, so no tenant could ever run ${what}`,
        didYouMean(entry.feature.name, state.features) ?? `add \`${entry.feature.name}\` to the \`features\` of a plan`,
      );
    }
  }
}

function checkEffect(state: State, unit: Unit, effect: EffectDecl, input: CelType): void {
  const symbol = state.ctx.resolve(unit, "entity", effect.entity);
  const entity = symbol?.decl.kind === "Entity" ? symbol.decl : undefined;
  const fields = entity === undefined ? [] : state.fieldsOf(entity);
  const env = environment({ input });
  const needsKey = effect.op === "update" || effect.op === "delete";
  if (effect.key === undefined && needsKey) {
    state.ctx.report("missingAttribute", unit, effect.entity.span, `\`effect ${effect.op}\` needs the key of the row`, `write \`effect ${effect.op} ${effect.entity.parts.map((p) => p.name).join(".")}(input.id)\``);
  }
  if (effect.key !== undefined) {
    if (effect.op === "insert") {
      state.ctx.report("attributeType", unit, effect.key.span, "`effect insert` takes no key: the row is new", "remove the `( … )`");
    } else {
      const keyType = state.checkExpression(unit, effect.key, env, false);
      const id = fields.find((f) => f.node.annotations.some((a) => a.name.name === "id"));
      if (id !== undefined) expectAssignable(state, unit, effect.key.span, keyType, celTypeOf(id.type), `the key of \`${entity?.name.name}\``);
    }
  }
  checkReadMany(state, unit, effect, input, entity);
  const writes = effect.op === "insert" || effect.op === "update";
  if (effect.assignments === undefined) {
    if (writes) state.ctx.report("missingAttribute", unit, effect.span, `\`effect ${effect.op}\` needs \`set { … }\` with the fields it writes`);
    return;
  }
  if (!writes) {
    state.ctx.report("attributeType", unit, effect.span, `\`effect ${effect.op}\` writes no fields`, "remove `set { … }`");
    return;
  }
  const assigned = new Set<string>();
  for (const assignment of effect.assignments) {
    const name = assignment.field.name;
    if (assigned.has(name)) state.ctx.report("duplicateName", unit, assignment.field.span, `\`${name}\` is set twice`);
    assigned.add(name);
    const field = fields.find((f) => f.name === name);
    if (entity !== undefined && field === undefined) {
      state.ctx.report("unknownName", unit, assignment.field.span, `entity \`${entity.name.name}\` has no field \`${name}\``, didYouMean(name, fields.map((f) => f.name)));
    }
    const target = field?.type.kind === "reference" ? field.type.target : field?.type;
    // An enum field accepts its values as bare names: `set { status = closed }`.
    const extra = target?.kind === "enum" ? new Map(target.values.map((v): [string, CelType] => [v, T.string])) : undefined;
    const valueType = state.checkExpression(unit, assignment.value, environment({ input, extra }), false);
    if (field === undefined) continue;
    expectAssignable(state, unit, assignment.value.span, valueType, celTypeOf(field.type, field.optional), `\`${entity?.name.name}.${name}\``);
    if (target?.kind === "enum" && assignment.value.kind === "CelLiteral" && assignment.value.type === "string") {
      const literal = assignment.value.raw.slice(1, -1);
      if (!target.values.includes(literal)) {
        state.ctx.report("attributeType", unit, assignment.value.span, `\`${literal}\` is not a value of \`${describeType(target)}\``, didYouMean(literal, target.values));
      }
    }
  }
  if (effect.op === "insert" && entity !== undefined) checkInsertSetsRequired(state, unit, effect, entity.name.name, fields, assigned);
}

/**
 * An insert must set every field the row cannot do without (not optional, no `@default`, not
 * a uuid `@id`, which the runtime generates): else every call fails at run time with a
 * not-null violation.
 */
function checkInsertSetsRequired(state: State, unit: Unit, effect: EffectDecl, entity: string, fields: readonly TypedField[], assigned: ReadonlySet<string>): void {
  const annotated = (f: TypedField, name: string): boolean => f.node.annotations.some((a) => a.name.name === name);
  const generated = (f: TypedField): boolean => annotated(f, "id") && f.type.kind === "scalar" && f.type.name === "uuid";
  const missing = fields.filter((f) => !f.optional && !assigned.has(f.name) && !annotated(f, "default") && !generated(f)).map((f) => f.name);
  if (missing.length === 0) return;
  const names = missing.map((n) => `\`${n}\``).join(", ");
  state.ctx.report(
    "insertMissingField",
    unit,
    effect.entity.span,
    `\`effect insert ${entity}\` leaves ${names} unset, and ${missing.length === 1 ? "it is" : "they are"} required: every call would fail`,
    `set ${missing.length === 1 ? "it" : "them"} in \`set { … }\` (\`${missing[0]} = input.${missing[0]}\`), or make the field optional (\`?\`) or give it \`@default(…)\``,
  );
}

/**
 * PB4040: an effect's key, value or `where` reads an optional input no `has(…)` tests
 * (effect-inputs.ts). Not an update's values: there an omitted input keeps the field
 * (spec/language.md, "Optional inputs in effects"; the bundle's `keep`).
 */
function checkEffectInputs(state: State, unit: Unit, effect: EffectDecl, fields: readonly TypedField[]): void {
  const optional = new Set(fields.filter((f) => f.optional).map((f) => f.name));
  const values = effect.op === "update" ? [] : (effect.assignments ?? []).map((a) => a.value);
  const expressions = [...(effect.key === undefined ? [] : [effect.key]), ...values, ...(effect.where === undefined ? [] : [effect.where])];
  for (const expr of expressions) {
    for (const read of unguardedOptionalReads(expr, optional)) {
      state.ctx.report(
        "optionalInputInEffect",
        unit,
        read.span,
        `the effect reads the optional input \`${read.field}\`, which is absent when the agent leaves it out`,
        `make it required (drop the \`?\`), or write \`has(input.${read.field}) ? input.${read.field} : <a value>\``,
      );
    }
  }
}

function unwrap(type: CelType): CelType {
  return type.kind === "nullable" ? type.inner : type;
}

/** CEL's assignment rule: same type, or either side `dyn`; `null` only into an optional field. */
export function assignable(value: CelType, target: CelType): boolean {
  if (value.kind === "error" || target.kind === "error" || value.kind === "dyn" || target.kind === "dyn") return true;
  if (value.kind === "primitive" && value.name === "null") return target.kind === "nullable";
  const v = unwrap(value);
  const t = unwrap(target);
  if (v.kind === "dyn" || t.kind === "dyn") return true;
  if (v.kind !== t.kind) return false;
  if (v.kind === "primitive" && t.kind === "primitive") return v.name === t.name;
  if (v.kind === "list" && t.kind === "list") return assignable(v.element, t.element);
  if (v.kind === "map" && t.kind === "map") return assignable(v.key, t.key) && assignable(v.value, t.value);
  return typeName(v) === typeName(t);
}

function expectAssignable(state: State, unit: Unit, span: { start: number; end: number }, value: CelType, target: CelType, what: string): void {
  if (assignable(value, target)) return;
  const help = unwrap(target).kind === "primitive" && (unwrap(target) as { name: string }).name === "double" && typeName(value) === "int" ? "write a decimal point: `0.0`, not `0`" : undefined;
  state.ctx.report("celTypeMismatch", unit, span, `${what} has type \`${typeName(target)}\`, but this has type \`${typeName(value)}\``, help);
}
