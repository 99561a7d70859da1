/**
 * The format of `out/terraform/manifest.json`, shared by the compiler that writes it
 * (compiler/src/emit/terraform/manifest.ts) and the provisioners that read it (stacks.ts):
 * every stack (its cloud, region, isolation model, plans, static tenants, whether it takes
 * tenants as data, and the SHA-256 of its file) and every static tenant's stack. A file of
 * its own, with no imports, exported as `@paybill/server/terraform-manifest` so that the
 * compiler does not load the server to write it.
 */
export const MANIFEST_FORMAT = "paybill-terraform";
export const MANIFEST_VERSION = 1;

/** The comment a kept resource carries in its stack: kept, not destroyed, when its owner offboards. */
export const KEPT_AT_OFFBOARDING = "paybill: kept when its tenant offboards";

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
