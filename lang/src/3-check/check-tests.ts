/**
 * `test` blocks: everything they name resolves, and their records match the schemas they
 * fill (a `given` row its entity, a `do` input its action).
 */
import type { RecordLiteral, TestDecl } from "../ast/nodes.js";
import { didYouMean } from "../2-resolve/suggest.js";
import type { Unit } from "../2-resolve/symbols.js";
import { assignable, inputFieldsOf } from "./check-data.js";
import { statesOf } from "./check-workflows.js";
import { typeName } from "./cel/cel-types.js";
import { celTypeOf, type TypedField } from "./field-types.js";
import type { State } from "./state.js";

export function checkTest(state: State, unit: Unit, test: TestDecl): void {
  const name = test.name.kind === "String" ? test.name.value : "";
  const what = `test \`${name}\``;
  const count = (kind: string) => test.body.filter((s) => s.kind === kind).length;
  for (const [kind, word] of [["As", "as"], ["Do", "do"], ["Expect", "expect"]] as const) {
    if (count(kind) === 0) state.ctx.report("missingAttribute", unit, test.name.span, `${what} has no \`${word}\` step`, "a test says who acts (`as`), what they do (`do`) and the decision it expects (`expect`)");
    if (count(kind) > 1) state.ctx.report("duplicateName", unit, test.body.filter((s) => s.kind === kind)[1]?.span ?? test.span, `${what} has more than one \`${word}\` step`);
  }
  for (const statement of test.body) {
    switch (statement.kind) {
      case "As": {
        state.ctx.resolve(unit, "agent", statement.agent);
        if (statement.workflow === undefined) break;
        const workflow = state.ctx.resolve(unit, "workflow", statement.workflow);
        if (statement.state !== undefined && workflow?.decl.kind === "Workflow") {
          const states = statesOf(workflow.decl).map((s) => s.name.name);
          if (!states.includes(statement.state.name)) {
            state.ctx.report("unknownName", unit, statement.state.span, `workflow \`${workflow.name}\` has no state \`${statement.state.name}\``, didYouMean(statement.state.name, states));
          }
        }
        break;
      }
      case "TenantIs":
        state.ctx.resolve(unit, "tenant", statement.tenant);
        break;
      case "GivenRecord": {
        const entity = state.ctx.resolve(unit, "entity", statement.entity);
        if (entity?.decl.kind === "Entity") checkRecord(state, unit, statement.record, state.fieldsOf(entity.decl), `entity \`${entity.name}\``, false);
        break;
      }
      case "Do": {
        const action = state.ctx.resolve(unit, "action", statement.action);
        if (action?.decl.kind === "Action") {
          const fields = inputFieldsOf(state, state.unitOf.get(action.decl) ?? unit, action.decl);
          checkRecord(state, unit, statement.input, fields, `the input of \`${action.name}\``, true);
        }
        break;
      }
      case "Expect":
        for (const policy of statement.by) state.ctx.resolve(unit, "policy", policy);
        break;
      case "GivenApproval":
        break;
    }
  }
}

/** Fields exist, values have their types, and (for inputs) every required field is given. */
function checkRecord(state: State, unit: Unit, record: RecordLiteral, fields: readonly TypedField[], what: string, complete: boolean): void {
  const given = new Set<string>();
  for (const entry of record.fields) {
    if (given.has(entry.name.name)) state.ctx.report("duplicateName", unit, entry.name.span, `\`${entry.name.name}\` is given twice`);
    given.add(entry.name.name);
    const field = fields.find((f) => f.name === entry.name.name);
    const type = state.checkExpression(unit, entry.value, new Map(), false);
    if (field === undefined) {
      state.ctx.report("recordMismatch", unit, entry.name.span, `${what} has no field \`${entry.name.name}\``, didYouMean(entry.name.name, fields.map((f) => f.name)));
      continue;
    }
    const target = celTypeOf(field.type, field.optional);
    if (!assignable(type, target)) {
      const help = typeName(target).startsWith("double") && typeName(type) === "int" ? "write a decimal point, e.g. `250.0`" : undefined;
      state.ctx.report("recordMismatch", unit, entry.value.span, `\`${field.name}\` has type \`${typeName(target)}\`, but this has type \`${typeName(type)}\``, help);
    } else if (field.type.kind === "enum" && entry.value.kind === "CelLiteral" && entry.value.type === "string") {
      const value = entry.value.raw.slice(1, -1);
      if (!field.type.values.includes(value)) {
        state.ctx.report("recordMismatch", unit, entry.value.span, `\`${value}\` is not a value of \`${field.name}\``, didYouMean(value, field.type.values) ?? `its values are ${field.type.values.map((v) => `\`${v}\``).join(", ")}`);
      }
    }
  }
  if (!complete) return;
  const missing = fields.filter((f) => !f.optional && !given.has(f.name)).map((f) => `\`${f.name}\``);
  if (missing.length > 0) state.ctx.report("recordMismatch", unit, record.span, `${what} also needs ${missing.join(", ")}`);
}
