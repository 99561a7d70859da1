/**
 * Totals over windows in policy conditions (spec/language.md §8.8):
 * `total(send_money.amount, per day)` is the sum of a numeric input field over the tenant's
 * performed acts of that action in the current UTC day, `count(send_money, per hour)` the
 * number of them. The checker resolves the action and the field through a `WindowScope`
 * (only a policy condition has one), types the call (`int`, or `double` for a total of a
 * `decimal` or `money` field) and records what it counts for the bundle.
 */
import type { CelCall, CelExpr } from "../../ast/cel.js";
import { didYouMean } from "../../2-resolve/suggest.js";
import type { Declared } from "../../2-resolve/symbols.js";
import { PERIODS } from "../attributes.js";
import { type CelType, T, typeName } from "./cel-types.js";
import type { Checker } from "./checker.js";
import { unwrap } from "./type-utils.js";

/** The functions that count over a window. */
export const WINDOW_FUNCTIONS: ReadonlySet<string> = new Set(["total", "count"]);

/** What a checked `total(…)` or `count(…)` counts. */
export interface Window {
  readonly kind: "total" | "count";
  /** The counted action. */
  readonly action: Declared;
  /** For `total`: the summed input field. */
  readonly field?: string;
  /** `day`, … (spec/language.md §8.8). */
  readonly per: string;
  /** `int`, or `double` for a total of a `decimal` or `money` field. */
  readonly type: "int" | "double";
}

/** The actions a condition's windows may count, as seen from the condition's file. */
export interface WindowScope {
  /** The action called `name` here and its input fields' types, or undefined. */
  action(name: string): { readonly declared: Declared; readonly fields: ReadonlyMap<string, CelType> } | undefined;
  /** The names of the actions visible here (for did-you-mean). */
  names(): readonly string[];
  /** Keeps what a checked call counts. */
  record(call: CelCall, window: Window): void;
}

const SHAPES = {
  total: "`total(send_money.amount, per day)`: an action's numeric input field and a window",
  count: "`count(send_money, per hour)`: an action and a window",
} as const;

/** Types `total(…)`/`count(…)`, or a `per` window on another function. */
export function checkWindow(c: Checker, expr: CelCall, name: string): CelType {
  if (name !== "total" && name !== "count") {
    const span = expr.per?.span ?? expr.fnSpan;
    return c.report("windowShape", span, `\`per\` windows belong to \`total\` and \`count\`, not \`${name}\``, "write `total(send_money.amount, per day)` or `count(send_money, per hour)`");
  }
  const scope = c.windows;
  if (scope === undefined) {
    return c.report("windowOutsidePolicy", expr.fnSpan, `\`${name}\` counts the tenant's performed actions: it can only be used in a policy condition`, "move the check into a policy's `when`");
  }
  const arg = expr.args[0];
  if (expr.args.length !== 1 || arg === undefined) return c.report("windowShape", expr.fnSpan, `\`${name}\` takes one ${name === "total" ? "field" : "action"} and a window`, `write ${SHAPES[name]}`);
  if (expr.per === undefined) {
    return c.report("windowPeriod", expr.span, `\`${name}\` needs a window`, `add one: \`${name}(${name === "total" ? "send_money.amount" : "send_money"}, per day)\`, with \`per\` one of ${periodList()}`);
  }
  if (!PERIODS.has(expr.per.name)) {
    return c.report("windowPeriod", expr.per.span, `unknown window \`per ${expr.per.name}\``, didYouMean(expr.per.name, PERIODS) ?? `a window is one of ${periodList()}`);
  }
  const target = name === "count" ? arg : arg.kind === "CelSelect" ? arg.operand : undefined;
  if (target?.kind !== "CelIdent" || target.absolute) return c.report("windowShape", arg.span, `\`${name}\` counts an action named here`, `write ${SHAPES[name]}`);
  const action = scope.action(target.name);
  if (action === undefined) return c.report("windowUnknownAction", target.span, `no action is called \`${target.name}\``, didYouMean(target.name, scope.names()) ?? "name an action declared or imported in this file");
  if (name === "count") {
    scope.record(expr, { kind: "count", action: action.declared, per: expr.per.name, type: "int" });
    return T.int;
  }
  const field = (arg as Extract<CelExpr, { kind: "CelSelect" }>).field;
  const fieldSpan = (arg as Extract<CelExpr, { kind: "CelSelect" }>).fieldSpan;
  const type = action.fields.get(field);
  if (type === undefined) return c.report("windowField", fieldSpan, `action \`${target.name}\` has no input field \`${field}\``, didYouMean(field, action.fields.keys()));
  const inner = unwrap(type);
  const numeric = inner.kind === "primitive" && (inner.name === "int" || inner.name === "double") ? inner.name : undefined;
  if (numeric === undefined) {
    return c.report("windowField", fieldSpan, `\`total\` adds numbers: \`${target.name}.${field}\` is a \`${typeName(type)}\``, `total an \`int\`, \`decimal\` or \`money\` field, or count the actions: \`count(${target.name}, per ${expr.per.name})\``);
  }
  scope.record(expr, { kind: "total", action: action.declared, field, per: expr.per.name, type: numeric });
  return numeric === "int" ? T.int : T.double;
}

/** What a checked window counts, in words (hover): "the sum of `amount` over the tenant's performed `send_money` acts in the current UTC day". */
export function describeWindow(window: Window): string {
  const what = window.kind === "total" ? `the sum of \`${window.field ?? ""}\` over` : "the number of";
  const per = window.per === "week" ? "ISO week" : window.per;
  return `${what} the tenant's performed \`${window.action.name}\` acts in the current UTC ${per}`;
}

/** The completions a condition offers for windows. */
export const WINDOW_COMPLETIONS: readonly { readonly label: string; readonly detail: string; readonly doc: string }[] = [
  { label: "total", detail: "total(action.field, per day)", doc: "the sum of a numeric input field over the tenant's performed acts of an action in the current UTC window" },
  { label: "count", detail: "count(action, per hour)", doc: "the number of the tenant's performed acts of an action in the current UTC window" },
];

function periodList(): string {
  return [...PERIODS].map((p) => `\`${p}\``).join(", ");
}
