/**
 * Plans and static tenants: what a tenant pays, how it is isolated and on which cloud,
 * what it may use (limits, features), and the tenants declared in the project's files.
 */
import type { Names } from "./names.js";
import type { PlanSpec, Quantity, TenantSpec } from "@paybill/runtime";
import type { Included } from "./select.js";
import { attribute, block, DAY_MS, durationMs, entryKey, nameOf, quantityOf, sortedRecord, sortedUnique, stringOf, unexpected } from "./values.js";

/**
 * A plan's cloud is the one its `isolation … on` names, else the project's only cloud
 * (spec/language.md §8.2); with several clouds the checker requires `on`.
 */
export function plan(names: Names, clouds: readonly string[], { decl }: Included<"Plan">): PlanSpec {
  const isolation = attribute(decl.body, "isolation")?.value;
  if (isolation?.kind !== "Ref") return unexpected(`plan \`${decl.name.name}\` without an isolation model`);
  const cloud = isolation.on !== undefined ? names.name(isolation.on, "cloud") : clouds.length === 1 ? clouds[0] : undefined;
  const price = attribute(decl.body, "price")?.value;
  const trial = attribute(decl.body, "trial")?.value;
  const grace = attribute(decl.body, "grace")?.value;
  const retention = attribute(decl.body, "retention")?.value;
  const limits = block(decl.body, "limits")?.entries ?? [];
  const features = attribute(decl.body, "features")?.value;
  return {
    name: decl.name.name,
    isolation: { model: names.name(isolation.name, "isolation"), ...(cloud === undefined ? {} : { cloud }) },
    ...(price === undefined ? {} : { price: price.kind === "Ref" ? ("custom" as const) : quantityOf(price) }),
    ...(trial === undefined ? {} : { trialDays: durationMs(trial) / DAY_MS }),
    ...(grace === undefined ? {} : { graceDays: durationMs(grace) / DAY_MS }),
    ...(retention === undefined ? {} : { retentionDays: durationMs(retention) / DAY_MS }),
    limits: sortedRecord(
      limits.map((entry): [string, Quantity] => {
        if (entry.kind !== "Attribute") return unexpected("a block among a plan's limits");
        return [entryKey(entry), quantityOf(entry.value)];
      }),
    ),
    features: features?.kind === "List" ? sortedUnique(features.items.map(nameOf)) : [],
  };
}

/** A tenant's cloud is its own `cloud`, else its plan's. */
export function tenant(names: Names, plans: Readonly<Record<string, PlanSpec>>, { decl }: Included<"Tenant">): TenantSpec {
  const planRef = attribute(decl.body, "plan")?.value;
  if (planRef?.kind !== "Ref") return unexpected(`tenant \`${decl.name.name}\` without a plan`);
  const planName = names.name(planRef.name, "plan");
  const cloudRef = attribute(decl.body, "cloud")?.value;
  const cloud = cloudRef?.kind === "Ref" ? names.name(cloudRef.name, "cloud") : plans[planName]?.isolation.cloud;
  const region = stringOf(attribute(decl.body, "region")?.value);
  return {
    name: decl.name.name,
    plan: planName,
    ...(cloud === undefined ? {} : { cloud }),
    ...(region === undefined ? {} : { region }),
  };
}
