/**
 * `<project>/paybill-placements.json`, the committed record of where each static tenant
 * lives (spec/infrastructure.md §7): its plan, isolation model, cloud, region and stack.
 * `paybillc build` writes it beside the project's `migrations/` and, like them, it is
 * committed: the isolation-change guard (PB9004) compares the new placements with it, so a
 * fresh checkout with no `out/` still knows that a tenant was silo and is now declared
 * pooled. Without the file (a project built before it existed), the previous build's
 * `out/terraform/manifest.json` is the comparison, as before.
 */
import { bundleText } from "../bundle/json.js";
import type { Manifest, TenantEntry } from "./manifest.js";

export const PLACEMENTS_FILE = "paybill-placements.json";
export const PLACEMENTS_FORMAT = "paybill-placements";
export const PLACEMENTS_VERSION = 1;

export interface Placements {
  readonly format: typeof PLACEMENTS_FORMAT;
  readonly version: typeof PLACEMENTS_VERSION;
  readonly tenants: Readonly<Record<string, TenantEntry>>;
}

export function placementsOf(manifest: Manifest): Placements {
  return { format: PLACEMENTS_FORMAT, version: PLACEMENTS_VERSION, tenants: manifest.tenants };
}

export function placementsText(placements: Placements): string {
  return bundleText(placements);
}

const FIELDS = ["plan", "isolation", "cloud", "region", "stack"] as const;

/** The record in `text`, or what is wrong with it (a record that cannot be read is never taken as "no record"). */
export function parsePlacements(text: string): { readonly ok: true; readonly placements: Placements } | { readonly ok: false; readonly problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, problem: "it is not JSON" };
  }
  const record = isRecord(value) ? value : undefined;
  if (record?.format !== PLACEMENTS_FORMAT) return { ok: false, problem: `its \`format\` is not "${PLACEMENTS_FORMAT}"` };
  if (record.version !== PLACEMENTS_VERSION) return { ok: false, problem: `its \`version\` is not ${PLACEMENTS_VERSION}` };
  const tenants = record.tenants;
  if (!isRecord(tenants)) return { ok: false, problem: "`tenants` is not an object" };
  for (const [name, entry] of Object.entries(tenants)) {
    if (!isRecord(entry) || FIELDS.some((field) => typeof entry[field] !== "string")) {
      return { ok: false, problem: `tenant \`${name}\` does not have ${FIELDS.map((f) => `\`${f}\``).join(", ")} as strings` };
    }
  }
  return { ok: true, placements: value as Placements };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
