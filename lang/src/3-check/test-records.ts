/**
 * A record of a `test` step against the fields it fills: a `given` row its entity's, a `do`
 * input its action's, a `given context` its workflow's context. Fields exist, values have
 * their types (no implicit conversion, as in conditions; an enum's value is one of its
 * values) and, for a complete record, every required field is given. Which code each
 * mismatch is reported with is the caller's: test rows and inputs share PB3009, a run
 * context has its own (PB4102–PB4104) as `runs.start` refuses each case with its own code.
 */
import type { RecordLiteral } from "../ast/nodes.js";
import { didYouMean } from "../2-resolve/suggest.js";
import type { Unit } from "../2-resolve/symbols.js";
import type { DiagnosticKind } from "../diagnostics/catalog.js";
import { assignable } from "./check-data.js";
import { typeName } from "./cel/cel-types.js";
import { celTypeOf, type TypedField } from "./field-types.js";
import type { State } from "./state.js";

export interface RecordCodes {
  readonly unknown: DiagnosticKind;
  readonly type: DiagnosticKind;
  readonly missing: DiagnosticKind;
}

/** Rows and inputs: every mismatch is PB3009. */
export const TEST_RECORD: RecordCodes = { unknown: "recordMismatch", type: "recordMismatch", missing: "recordMismatch" };

export interface RecordCheck {
  /** What the record fills, for messages: `entity \`Ticket\``, `the input of \`refund\``. */
  readonly what: string;
  /** Whether every required field must be given. */
  readonly complete: boolean;
  readonly codes: RecordCodes;
  /** The help line of a missing field's report. */
  readonly missingHelp?: string;
}

export function checkRecord(state: State, unit: Unit, record: RecordLiteral, fields: readonly TypedField[], check: RecordCheck): void {
  const { what, codes } = check;
  const given = new Set<string>();
  for (const entry of record.fields) {
    if (given.has(entry.name.name)) state.ctx.report("duplicateName", unit, entry.name.span, `\`${entry.name.name}\` is given twice`);
    given.add(entry.name.name);
    const field = fields.find((f) => f.name === entry.name.name);
    const type = state.checkExpression(unit, entry.value, new Map(), false);
    if (field === undefined) {
      const names = fields.map((f) => f.name);
      const help = didYouMean(entry.name.name, names) ?? (codes.unknown === "recordMismatch" ? undefined : `its fields are ${names.map((n) => `\`${n}\``).join(", ") || "none"}`);
      state.ctx.report(codes.unknown, unit, entry.name.span, `${what} has no field \`${entry.name.name}\``, help);
      continue;
    }
    const target = celTypeOf(field.type, field.optional);
    if (!assignable(type, target)) {
      const help = typeName(target).startsWith("double") && typeName(type) === "int" ? "write a decimal point, e.g. `250.0`" : undefined;
      state.ctx.report(codes.type, unit, entry.value.span, `\`${field.name}\` has type \`${typeName(target)}\`, but this has type \`${typeName(type)}\``, help);
    } else if (field.type.kind === "enum" && entry.value.kind === "CelLiteral" && entry.value.type === "string") {
      const value = entry.value.raw.slice(1, -1);
      if (!field.type.values.includes(value)) {
        state.ctx.report(codes.type, unit, entry.value.span, `\`${value}\` is not a value of \`${field.name}\``, didYouMean(value, field.type.values) ?? `its values are ${field.type.values.map((v) => `\`${v}\``).join(", ")}`);
      }
    }
  }
  if (!check.complete) return;
  const missing = fields.filter((f) => !f.optional && !given.has(f.name)).map((f) => `\`${f.name}\``);
  if (missing.length > 0) state.ctx.report(codes.missing, unit, record.span, `${what} also needs ${missing.join(", ")}`, check.missingHelp);
}
