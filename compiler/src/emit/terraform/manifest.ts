/**
 * `out/terraform/manifest.json`: every stack (its cloud, region, isolation model, plans,
 * static tenants, whether it takes tenants as data, and the SHA-256 of its file) and every
 * static tenant's stack. It is what the next build compares itself with (`changes.ts`),
 * and what a CI job reads to know which stacks to plan.
 */
import { createHash } from "node:crypto";
import { bundleText } from "../bundle/json.js";
import { sortedRecord } from "../bundle/values.js";
import { type StackSpec, takesTenants } from "./layout.js";
import { MANIFEST_FORMAT, MANIFEST_VERSION, type Manifest, type StackEntry, type TenantEntry } from "@paybill/server/terraform-manifest";

export { MANIFEST_FORMAT, MANIFEST_VERSION, type Manifest, parseManifest, type StackEntry, type TenantEntry } from "@paybill/server/terraform-manifest";

export function manifestOf(stacks: readonly { readonly spec: StackSpec; readonly text: string }[]): Manifest {
  const tenants: [string, TenantEntry][] = [];
  const entries = stacks.map(({ spec, text }): [string, StackEntry] => {
    for (const t of spec.tenants) tenants.push([t.name, { plan: t.plan, isolation: spec.isolation.name, cloud: spec.cloud.name, region: spec.region, stack: spec.name }]);
    return [
      spec.name,
      {
        file: `${spec.name}/cdk.tf.json`,
        sha256: createHash("sha256").update(text).digest("hex"),
        cloud: spec.cloud.name,
        provider: spec.cloud.provider,
        region: spec.region,
        isolation: spec.isolation.name,
        mode: spec.mode,
        tenantsVariable: takesTenants(spec),
        plans: spec.plans.map((p) => p.name),
        tenants: spec.tenants.map((t) => t.name),
      },
    ];
  });
  return { format: MANIFEST_FORMAT, version: MANIFEST_VERSION, stacks: sortedRecord(entries), tenants: sortedRecord(tenants) };
}

export function manifestText(manifest: Manifest): string {
  return bundleText(manifest);
}
