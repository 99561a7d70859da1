/**
 * Stripe (spec/control-server.md, "Stripe"): webhook events verified with the official
 * package (`stripe.webhooks.constructEvent`, the endpoint's signing secret) and mapped to
 * Paybill's billing events (runtime/src/control/billing.ts), applied once per Stripe event
 * id — the runtime keeps the id, so a replayed event changes nothing:
 *
 * - `invoice.paid`, `invoice.payment_succeeded` → `payment_succeeded`
 * - `invoice.payment_failed` → `payment_failed`
 * - `customer.subscription.deleted` → `subscription_canceled`
 * - `customer.subscription.updated` leaving `trialing` → `trial_ended` (`paid` when it became `active`)
 * - `customer.subscription.trial_will_end` (three days' notice) is acknowledged, nothing applied.
 *
 * The tenant is the `paybill_tenant` metadata of the subscription (on an invoice: its
 * subscription's metadata as Stripe copies it onto the invoice, or the invoice's own).
 * Usage is pushed as meter events (`paybill_<metric>`), one per tenant, metric and period,
 * identified so that Stripe takes each once; a dry run returns them without sending.
 */
import type { BillingEvent, UsageRow } from "@paybill/runtime";
import type Stripe from "stripe";

// The package (~23 MB) is loaded by the first webhook or push, not when the server starts.
const stripeModule = async (): Promise<typeof Stripe> => (await import("stripe")).default;

export interface StripeOptions {
  /** The webhook endpoint's signing secret (`whsec_…`). */
  readonly webhookSecret: string;
  /** The secret API key, for pushing meter events (absent: dry runs only). */
  readonly apiKey?: string;
  /** Tenant → Stripe customer id, for meter events (default: the tenant's id as the customer key). */
  readonly customers?: Readonly<Record<string, string>>;
}

export type Mapped = { readonly event: BillingEvent } | { readonly ignored: string };

/** Verifies the signature (throws Stripe's signature error when it does not match) and parses the event. */
export async function verifyStripeEvent(payload: string, signature: string, secret: string): Promise<Stripe.Event> {
  return (await stripeModule()).webhooks.constructEvent(payload, signature, secret);
}

function metadataTenant(object: Record<string, unknown>): string | undefined {
  const candidates: unknown[] = [
    (object.metadata as Record<string, unknown> | undefined)?.paybill_tenant,
    ((object.subscription_details as Record<string, unknown> | undefined)?.metadata as Record<string, unknown> | undefined)?.paybill_tenant,
    (((object.parent as Record<string, unknown> | undefined)?.subscription_details as Record<string, unknown> | undefined)?.metadata as Record<string, unknown> | undefined)?.paybill_tenant,
  ];
  const found = candidates.find((c) => typeof c === "string" && c !== "");
  return found as string | undefined;
}

export function mapStripeEvent(event: Stripe.Event): Mapped {
  const object = event.data.object as unknown as Record<string, unknown>;
  const tenant = metadataTenant(object);
  const at = new Date(event.created * 1000).toISOString();
  const of = (type: BillingEvent["type"], extra: { paid?: boolean } = {}): Mapped =>
    tenant === undefined ? { ignored: `${event.type} without \`paybill_tenant\` metadata` } : { event: { id: `stripe:${event.id}`, type, tenant, at, ...extra } };
  switch (event.type) {
    case "invoice.paid":
    case "invoice.payment_succeeded":
      return of("payment_succeeded");
    case "invoice.payment_failed":
      return of("payment_failed");
    case "customer.subscription.deleted":
      return of("subscription_canceled");
    case "customer.subscription.updated": {
      const before = (event.data.previous_attributes as Record<string, unknown> | undefined)?.status;
      const now = object.status;
      if (before === "trialing" && now !== "trialing") return of("trial_ended", { paid: now === "active" });
      return { ignored: "a subscription update that does not end a trial" };
    }
    case "customer.subscription.trial_will_end":
      return { ignored: "the trial ends in three days: nothing to apply until it does" };
    default:
      return { ignored: `${event.type} is not a billing event Paybill applies` };
  }
}

export interface MeterEvent {
  readonly event_name: string;
  readonly identifier: string;
  readonly timestamp: number;
  readonly payload: Record<string, string>;
}

/** The meter events of a period's usage rows (the plan's price line is Stripe's own subscription, not metered). */
export function meterEvents(rows: readonly UsageRow[], options: Pick<StripeOptions, "customers">): MeterEvent[] {
  return rows
    .filter((row) => row.metric !== "plan_price")
    .map((row) => {
      const [year, month] = row.period.split("-").map(Number);
      // The last second of the period: the usage belongs to it.
      const end = Date.UTC(year ?? 1970, month ?? 1, 1) / 1000 - 1;
      return {
        event_name: `paybill_${row.metric}`,
        identifier: `paybill:${row.tenant}:${row.metric}:${row.period}`,
        timestamp: end,
        payload: { stripe_customer_id: options.customers?.[row.tenant] ?? row.tenant, value: String(row.quantity) },
      };
    });
}

/** Sends the events to Stripe (the billing meter API). */
export async function pushMeterEvents(apiKey: string, events: readonly MeterEvent[]): Promise<void> {
  const stripe = new (await stripeModule())(apiKey);
  for (const event of events) await stripe.billing.meterEvents.create(event);
}
