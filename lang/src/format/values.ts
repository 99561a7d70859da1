/**
 * Prints the small pieces of `.paybill` syntax that always fit on one line: names,
 * values, arguments, annotations, selectors and fields.
 */
import type * as A from "../ast/nodes.js";

export const qualified = (name: A.QualifiedName): string => name.parts.map((p) => p.name).join(".");

export function printValue(value: A.Value): string {
  switch (value.kind) {
    case "String":
    case "Number":
    case "Duration":
      return value.raw;
    case "Bool":
      return value.value ? "true" : "false";
    case "Quantity":
      return [value.amount.raw, value.unit?.name, value.per === undefined ? undefined : `per ${value.per.name}`]
        .filter((part) => part !== undefined)
        .join(" ");
    case "List":
      return `[${value.items.map(printValue).join(", ")}]`;
    case "Ref": {
      const args = value.args === undefined ? "" : printArgs(value.args);
      const on = value.on === undefined ? "" : ` on ${qualified(value.on)}`;
      return `${qualified(value.name)}${args}${value.optional ? "?" : ""}${on}`;
    }
    case "Missing":
      return "";
  }
}

export function printArgs(args: readonly A.Arg[]): string {
  return `(${args.map((a) => (a.name === undefined ? printValue(a.value) : `${a.name.name}: ${printValue(a.value)}`)).join(", ")})`;
}

export function printAnnotation(annotation: A.Annotation): string {
  return `@${annotation.name.name}${annotation.args === undefined ? "" : printArgs(annotation.args)}`;
}

export function printKey(key: A.Ident | A.StringValue): string {
  return key.kind === "Ident" ? key.name : key.raw;
}

export function printPrincipal(selector: A.PrincipalSelector): string {
  switch (selector.kind) {
    case "AnyAgent":
      return "any agent";
    case "RoleSelector":
      return `role ${selector.role.name}`;
    case "AgentSelector":
      return selector.agent.name;
  }
}

export function printActionSelector(selector: A.ActionSelector): string {
  switch (selector.kind) {
    case "AnyAction":
      return "any action";
    case "DataAccess":
      return `${selector.op} ${qualified(selector.target)}`;
    case "ActionRef":
      return selector.action.name;
  }
}

/** A field as its columns: name, type, annotations (joined by the layout, maybe aligned). */
export function fieldColumns(field: A.Field): [string, string, string] {
  return [field.name.name, printValue(field.type), field.annotations.map(printAnnotation).join(" ")];
}
