/**
 * `require approval from G … timeout D` rules and `group` declarations (spec/language.md
 * §5.7, §5.7.1): the group resolves to a declared `group` (PB2002 with did-you-mean
 * otherwise), the timeout is within bounds (PB4120), and the rule names actions, not fields
 * (PB4121: a field of a read is redacted or shown, it cannot wait for anyone).
 */
import type { GroupDecl, Rule, RuleApproval } from "../ast/nodes.js";
import type { Unit } from "../2-resolve/symbols.js";
import { checkBody, isString } from "./attributes.js";
import type { Context } from "./context.js";
import type { State } from "./state.js";

/** The shortest and longest a rule's approval may wait: one second and one year. */
export const MIN_APPROVAL_TIMEOUT_MS = 1_000;
export const MAX_APPROVAL_TIMEOUT_MS = 365 * 24 * 3_600_000;

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

export function checkGroup(ctx: Context, unit: Unit, decl: GroupDecl): void {
  checkBody(ctx, unit, `group \`${decl.name.name}\``, decl.name.span, decl.body, {
    description: { expect: "a string", accepts: isString },
  });
}

export function checkRuleApproval(state: State, unit: Unit, rule: Rule, approval: RuleApproval): void {
  state.ctx.resolve(unit, "group", approval.group);
  const timeout = approval.timeout;
  if (timeout !== undefined) {
    const match = /^(\d+)([a-z]+)$/.exec(timeout.raw);
    const ms = match === null ? Number.NaN : Number(match[1]) * (UNIT_MS[match[2] ?? ""] ?? Number.NaN);
    if (!(ms >= MIN_APPROVAL_TIMEOUT_MS && ms <= MAX_APPROVAL_TIMEOUT_MS)) {
      state.ctx.report(
        "approvalTimeout",
        unit,
        timeout.span,
        `an approval's \`timeout\` must be from 1s to 365d, and \`${timeout.raw}\` is ${ms < MIN_APPROVAL_TIMEOUT_MS ? "shorter" : "longer"}`,
        "give a duration such as `timeout 24h`, or leave `timeout` out to let the approval wait until it is granted or rejected",
      );
    }
  }
  for (const selector of rule.actions) {
    if (selector.kind === "DataAccess" && selector.target.parts.length > 1 && state.dataAccess.get(selector)?.field !== undefined) {
      state.ctx.report(
        "approvalOnField",
        unit,
        selector.span,
        "an approval waits on an action, and a field of a read is only shown or hidden",
        `name the action or the whole rows (\`read ${selector.target.parts.slice(0, -1).map((p) => p.name).join(".")}\`); hide a field with \`forbid … to read E.f\``,
      );
    }
  }
}
