/**
 * The readable transcript: each state's tools as offered to the agent, each call it makes,
 * and the runtime's answer with its reasons. Ids the host knows print as labels
 * (`ticket:kettle`), so two runs print the same text.
 */
import type { ActResult, Reason } from "@paybill/runtime";
import { LABELS } from "./seed.js";

export function line(text = ""): void {
  process.stdout.write(`${text}\n`);
}

/** JSON, with every id the host knows written as its label, inside strings too. */
export function label(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "string" ? labelText(v) : v));
}

export function labelText(text: string): string {
  let out = text;
  for (const [id, name] of LABELS) out = out.replaceAll(id, name);
  return out;
}

export function reasonText(reason: Reason): string {
  return "policy" in reason ? `${reason.kind} ${reason.policy}` : `${reason.kind}: ${reason.message}`;
}

/** A reason as the audit log stores it (plain JSON), read back without trusting its shape. */
export function storedReasonText(reason: unknown): string {
  if (typeof reason !== "object" || reason === null) return JSON.stringify(reason);
  const { kind, policy, message } = reason as Record<string, unknown>;
  return typeof policy === "string" ? `${String(kind)} ${policy}` : `${String(kind)}: ${String(message)}`;
}

export function offered(state: string, actions: readonly string[]): void {
  line(`[${state}] tools offered: ${actions.length === 0 ? "none" : actions.join(", ")}`);
}

export function call(action: string, input: unknown, why: string): void {
  line(`  call ${action} ${label(input)}  -- ${why}`);
}

export function answer(action: string, result: ActResult): void {
  line(`    ${result.decision.toUpperCase().padEnd(7)} ${action}: ${labelText(result.reasons.map(reasonText).join("; "))}`);
}
