/**
 * Totals over windows in the bundle: every `total(…)`/`count(…)` of a policy condition
 * becomes `context.totals["<key>"]`, the counter the runtime reads for the act (runtime's
 * `totalKey`), and the counter is listed in `Bundle.totals` so the runtime keeps it. The
 * runtime's CEL knows no `per` windows: this is the only form it sees.
 */
import type { CelCall, CelExpr, Model } from "@paybill/lang";
import { type TotalSpec, totalKey } from "@paybill/runtime/bundle-format";
import { sortedRecord } from "./values.js";

export class Totals {
  readonly #specs = new Map<string, TotalSpec>();

  constructor(private readonly model: Pick<Model, "windows">) {}

  /** The counter a checked `total(…)`/`count(…)` node reads, or undefined for any other node. */
  replace(e: CelExpr): CelExpr | undefined {
    return e.kind === "CelCall" && this.model.windows.size > 0 ? this.#counter(e) : undefined;
  }

  /** The counters the conditions read, by key; undefined when none does (the bundle has no `totals` then). */
  specs(): Readonly<Record<string, TotalSpec>> | undefined {
    if (this.#specs.size === 0) return undefined;
    return sortedRecord([...this.#specs]);
  }

  #counter(call: CelCall): CelExpr | undefined {
    const window = this.model.windows.get(call);
    if (window === undefined) return undefined;
    const spec: TotalSpec = {
      kind: window.kind,
      action: window.action.name,
      ...(window.field === undefined ? {} : { field: window.field }),
      per: window.per,
      type: window.type,
    };
    const key = totalKey(spec);
    this.#specs.set(key, spec);
    const span = call.span;
    const totals: CelExpr = { kind: "CelSelect", span, operand: { kind: "CelIdent", span, name: "context", absolute: false }, field: "totals", fieldSpan: span };
    return { kind: "CelIndex", span, operand: totals, index: { kind: "CelLiteral", span, type: "string", raw: JSON.stringify(key) } };
  }
}
