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

export const MANIFEST_FORMAT = "paybill-terraform";
export const MANIFEST_VERSION = 1;

export interface StackEntry {
  readonly file: string;
  readonly sha256: string;
  readonly cloud: string;
  readonly provider: string;
  readonly region: string;
  readonly isolation: string;
  readonly mode: "shared" | "tenant" | "dynamic";
  /** Whether the stack iterates over a `tenants` variable (onboarding is a data change). */
  readonly tenantsVariable: boolean;
  readonly plans: readonly string[];
  readonly tenants: readonly string[];
}

export interface TenantEntry {
  readonly plan: string;
  readonly isolation: string;
  readonly cloud: string;
  readonly region: string;
  readonly stack: string;
}

export interface Manifest {
  readonly format: typeof MANIFEST_FORMAT;
  readonly version: typeof MANIFEST_VERSION;
  readonly stacks: Readonly<Record<string, StackEntry>>;
  readonly tenants: Readonly<Record<string, TenantEntry>>;
}

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

/** A previous build's manifest, or undefined when the text is not one (then there is nothing to compare with). */
export function parseManifest(text: string): Manifest | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== "object" || value === null) return undefined;
    const m = value as Partial<Manifest>;
    if (m.format !== MANIFEST_FORMAT || m.version !== MANIFEST_VERSION || typeof m.stacks !== "object" || typeof m.tenants !== "object") return undefined;
    return m as Manifest;
  } catch {
    return undefined;
  }
}
