/**
 * Entities, agents and actions: the data agents work on, who they are, and the operations
 * they may request, each with its input schema and its one declared effect.
 */
import { type Diagnostic, diagnostic, type EffectDecl, type HostEffect, type Model, type RowFilterNode, rowFilter, snakeCase, unguardedOptionalReads } from "@paybill/lang";
import type { ActionSchema, AgentSpec, EffectSpec, EntitySchema, RowFilter } from "@paybill/runtime";
import { cel, enumNamesAsStrings } from "./cel.js";
import { inlineNames } from "./inline.js";
import { entityField, inputField } from "./fields.js";
import type { Names } from "./names.js";
import type { Included } from "./select.js";
import { baseType } from "./types.js";
import { attribute, nameOf, sortedUnique, stringOf, unexpected } from "./values.js";

export function entity(model: Model, { decl, unit }: Included<"Entity">, diagnostics: Diagnostic[]): EntitySchema {
  const fields = model.entityFields.get(decl) ?? unexpected(`entity \`${decl.name.name}\` without typed fields`);
  const key = fields.find((f) => f.node.annotations.some((a) => a.name.name === "id")) ?? unexpected(`entity \`${decl.name.name}\` without an \`@id\``);
  const annotation = decl.annotations.find((a) => a.name.name === "table");
  let table = snakeCase(decl.name.name);
  if (annotation !== undefined) {
    const given = annotation.args?.length === 1 && annotation.args[0]?.name === undefined ? stringOf(annotation.args[0]?.value) : undefined;
    if (given === undefined || !/^[a-z_][a-z0-9_]*$/.test(given)) {
      diagnostics.push(
        diagnostic("attributeType", unit.source, annotation.span, "`@table` takes one table name: a string of lowercase letters, digits and `_`", 'write `@table("tickets")`'),
      );
    } else table = given;
  }
  return { name: decl.name.name, table, key: key.name, fields: fields.map(entityField) };
}

export function agent({ decl }: Included<"Agent">): AgentSpec {
  const roles = attribute(decl.body, "roles");
  const description = stringOf(attribute(decl.body, "description")?.value);
  return {
    name: decl.name.name,
    roles: roles?.value.kind === "List" ? sortedUnique(roles.value.items.map(nameOf)) : [],
    ...(description === undefined ? {} : { description }),
    ...(attribute(decl.body, "runs") === undefined ? {} : { runs: "required" as const }),
  };
}

export function action(model: Model, names: Names, { decl }: Included<"Action">): ActionSchema {
  const input = model.inputFields.get(decl) ?? unexpected(`action \`${decl.name.name}\` without typed input`);
  const effect = decl.body.find((e): e is EffectDecl => e.kind === "Effect");
  const host = decl.body.some((e): e is HostEffect => e.kind === "HostEffect");
  const description = stringOf(attribute(decl.body, "description")?.value);
  const requires = decl.body.flatMap((e) => (e.kind === "RequiresFeature" ? [e.feature.name] : []));
  const optional = new Set(input.filter((f) => f.optional).map((f) => f.name));
  return {
    name: decl.name.name,
    input: input.map(inputField),
    ...(effect === undefined ? {} : { effect: effectOf(model, names, effect, optional) }),
    ...(host ? { host: true as const } : {}),
    requires: sortedUnique(requires),
    ...(description === undefined ? {} : { description }),
  };
}

function effectOf(model: Model, names: Names, effect: EffectDecl, optional: ReadonlySet<string>): EffectSpec {
  const target = names.declared(effect.entity, "entity");
  if (target.decl.kind !== "Entity") return unexpected("an effect on something other than an entity");
  const fields = model.entityFields.get(target.decl) ?? [];
  const set = effect.assignments?.map((assignment) => {
    const field = fields.find((f) => f.name === assignment.field.name);
    const type = field === undefined ? undefined : baseType(field.type);
    const values = new Set(type?.kind === "enum" ? type.values : []);
    // An update keeps the field when an optional input its value reads unguarded is absent.
    const keep = effect.op === "update" ? [...new Set(unguardedOptionalReads(assignment.value, optional).map((r) => r.field))] : [];
    return { field: assignment.field.name, value: cel(enumNamesAsStrings(inlineNames(model, assignment.value), values)), ...(keep.length === 0 ? {} : { keep }) };
  });
  const where = effect.where === undefined ? undefined : rowFilter(effect.where);
  const filter = where === undefined || "problem" in where ? undefined : filterOf(where.filter);
  return {
    op: effect.op,
    entity: target.name,
    ...(effect.key === undefined ? {} : { key: cel(inlineNames(model, effect.key)) }),
    ...(set === undefined ? {} : { set }),
    ...(effect.many === true ? { many: { ...(filter === undefined ? {} : { where: filter }), limit: Number(effect.limit?.raw ?? 0) } } : {}),
  };
}

/** A checked list read's `where` as the bundle's filter (row-filter.ts). */
function filterOf(node: RowFilterNode): RowFilter {
  if (node.kind !== "compare") return node.kind === "and" ? { all: node.parts.map(filterOf) } : { any: node.parts.map(filterOf) };
  return { field: node.field, op: node.op, value: cel(node.value) };
}
