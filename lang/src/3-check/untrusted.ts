/**
 * Provenance in the language (spec/language.md §Provenance): `@untrusted` on an entity's
 * text fields, and where `untrusted(x)` may be called.
 *
 * - PB4110: `@untrusted` on a field that holds no text (only `string` and `list(string)`,
 *   also written as a reference to one: the runtime matches values as text).
 * - PB4111: `untrusted()` outside a policy condition (an effect's key or value, a test's
 *   input): nothing but a decision sees the run's untrusted values.
 * - PB4112: a rule that calls `untrusted()` for actions no workflow state allows: those
 *   actions are never taken in a run, where alone provenance is known, so the condition
 *   always errs (a forbid then denies every call, a permit never applies).
 */
import type { CelExpr } from "../ast/cel.js";
import { nodes } from "../ast/cel-walk.js";
import type { Annotation, PolicyDecl, WorkflowDecl } from "../ast/nodes.js";
import type { Unit } from "../2-resolve/symbols.js";
import type { FieldType, TypedField } from "./field-types.js";
import type { State } from "./state.js";

/** The `untrusted(…)` calls of an expression. */
export function untrustedCalls(expr: CelExpr): CelExpr[] {
  return [...nodes(expr)].filter((n) => n.kind === "CelCall" && n.target === undefined && n.fn === "untrusted");
}

function isText(type: FieldType): boolean {
  if (type.kind === "scalar") return type.name === "string";
  if (type.kind === "list") return isText(type.element);
  if (type.kind === "reference") return isText(type.target);
  return type.kind === "unknown";
}

/** PB4110 for `@untrusted` on `field` when it holds no text. */
export function checkUntrustedField(state: State, unit: Unit, field: TypedField | undefined, annotations: readonly Annotation[]): void {
  const marked = annotations.find((a) => a.name.name === "untrusted");
  if (marked === undefined || field === undefined || isText(field.type)) return;
  state.ctx.report(
    "untrustedNotText",
    unit,
    marked.span,
    `field \`${field.name}\` holds no text, so \`@untrusted\` cannot apply to it`,
    "mark the `string` (or `list(string)`) fields that can carry text from outside; the runtime remembers and matches untrusted values as text",
  );
}

/** PB4111 for each `untrusted()` call in an expression that is not a policy condition. */
export function checkUntrustedOutsideCondition(state: State, unit: Unit, expr: CelExpr): void {
  for (const call of untrustedCalls(expr)) {
    state.ctx.report(
      "untrustedOutsideCondition",
      unit,
      call.kind === "CelCall" ? call.fnSpan : call.span,
      "`untrusted()` can only be called in a policy condition",
      "an effect's key and values and a test's input are computed without the run's untrusted values; say in a `forbid` or `permit` what may not come from untrusted text",
    );
  }
}

/**
 * PB4112: rules whose condition calls `untrusted()` and whose actions (all named) are
 * allowed by no workflow state. A workflow allowing `any action` or a data operation
 * might allow them: no warning then.
 */
export function checkUntrustedRuns(state: State, policies: readonly [Unit, PolicyDecl][], workflows: readonly WorkflowDecl[]): void {
  const inRuns = new Set<string>();
  for (const workflow of workflows) {
    for (const entry of workflow.body) {
      if (entry.kind !== "State") continue;
      for (const part of entry.body) {
        if (part.kind !== "Allow") continue;
        for (const selector of part.actions) {
          if (selector.kind !== "ActionRef") return;
          inRuns.add(selector.action.name);
        }
      }
    }
  }
  for (const [unit, policy] of policies) {
    for (const rule of policy.body) {
      if (rule.kind !== "Rule" || rule.condition === undefined) continue;
      const call = untrustedCalls(rule.condition)[0];
      if (call === undefined || call.kind !== "CelCall") continue;
      if (rule.actions.length === 0 || !rule.actions.every((a) => a.kind === "ActionRef")) continue;
      const names = rule.actions.map((a) => (a.kind === "ActionRef" ? a.action.name : ""));
      if (names.some((n) => inRuns.has(n))) continue;
      const list = names.map((n) => `\`${n}\``).join(", ");
      state.ctx.report(
        "untrustedWithoutRun",
        unit,
        call.fnSpan,
        `\`untrusted()\` needs a workflow run, and no workflow state allows ${list}: the condition always errs, so ${rule.effect === "forbid" ? "this forbid denies every call" : "this permit never applies"}`,
        "allow the action in a workflow state and have the agent act in a run, or remove `untrusted()` from the condition",
      );
    }
  }
}
