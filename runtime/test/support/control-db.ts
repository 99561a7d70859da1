/**
 * The runtime the control-plane tests share, per test file and backend: the store bundle
 * (support/store-bundle.ts) with plans that differ in placement and grace, so plan changes
 * can stay in their stack or move, and grace periods can run out:
 *
 *   business, free, unlimited  pooled, no cloud (the store bundle's), no grace
 *   grace7                     pooled, 7 days of grace, 2 agent actions a day
 *   team_aws                   pooled on aws (another placement than business)
 *   enterprise                 silo on aws
 *   trial3                     pooled, a 3-day trial, 2 days of grace, 0 usd per month
 *   priced                     pooled, 99 usd per month, 5 seats, a 40-day trial
 *   yearly, weekly, contract   pooled, 1200 usd per year, 7 eur per week, custom
 *
 * The clock is movable (`clock.offsetMs`); tenants get fresh ids (`freshId`).
 */
import { randomUUID } from "node:crypto";
import { bundleHash } from "../../src/bundle/canonical.js";
import type { Bundle, PlanSpec } from "../../src/bundle/format.js";
import type { Runtime } from "../../src/runtime.js";
import type { Database } from "../../src/store/adapter.js";
import { adminOf, type Backend, sharedTestRuntime } from "./store-db.js";
import { storeBundle } from "./store-bundle.js";

const EXTRA_PLANS: Record<string, PlanSpec> = {
  grace7: { name: "grace7", isolation: { model: "pooled" }, graceDays: 7, limits: { agent_actions: { amount: 2, per: "day" } }, features: ["tickets"] },
  team_aws: { name: "team_aws", isolation: { model: "pooled", cloud: "aws" }, limits: {}, features: ["refunds", "tickets"] },
  enterprise: { name: "enterprise", isolation: { model: "silo", cloud: "aws" }, limits: {}, features: ["refunds", "tickets"] },
  priced: { name: "priced", isolation: { model: "pooled" }, price: { amount: 99, unit: "usd", per: "month" }, trialDays: 40, limits: { seats: { amount: 5 } }, features: ["tickets"] },
  yearly: { name: "yearly", isolation: { model: "pooled" }, price: { amount: 1200, unit: "usd", per: "year" }, limits: {}, features: ["tickets"] },
  weekly: { name: "weekly", isolation: { model: "pooled" }, price: { amount: 7, unit: "eur", per: "week" }, limits: {}, features: ["tickets"] },
  contract: { name: "contract", isolation: { model: "pooled" }, price: "custom", limits: {}, features: ["tickets"] },
  trial3: { name: "trial3", isolation: { model: "pooled" }, price: { amount: 0, unit: "usd", per: "month" }, trialDays: 3, graceDays: 2, limits: {}, features: ["tickets"] },
};

export function controlBundle(): Bundle {
  const { hash: _hash, ...base } = storeBundle();
  const plans = Object.fromEntries(Object.entries({ ...base.plans, ...EXTRA_PLANS }).sort(([a], [b]) => (a < b ? -1 : 1)));
  const body = { ...base, plans };
  return { ...body, hash: bundleHash(body) };
}

export interface ControlRuntime {
  readonly runtime: Runtime;
  readonly admin: Database;
  readonly clock: { offsetMs: number };
}

/** The shared test runtime (store-db.ts) on the control bundle. */
export function sharedControlRuntime(backend: Backend, file: string): ControlRuntime {
  return sharedTestRuntime(backend, file, controlBundle());
}

/** A tenant id nobody else uses. */
export function freshId(prefix = "t"): string {
  return `${prefix}-${randomUUID().slice(0, 12)}`;
}

/** Counts rows of a query (`from …` text and its parameters). */
export async function count(runtime: Runtime, from: string, params: readonly unknown[]): Promise<number> {
  const [row] = await adminOf(runtime).query<{ n: number }>(`select count(*)::int as n from ${from}`, params);
  return Number(row?.n);
}
