/**
 * Which compiled stack a provisioning step acts on, read from `<out>/terraform/manifest.json`
 * (spec/infrastructure.md §2, §7). A static tenant lives in the stack the build put it in;
 * a tenant onboarded at run time lives in the cell of its plan's isolation model, cloud and
 * region: the pooled or bridge stack (`mode: shared`) or the silo dynamic stack
 * (`mode: dynamic`). Pure: the manifest is read by `readManifest`, the lookup does no I/O.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { type Manifest, parseManifest, type StackEntry } from "./manifest.js";
import type { Placement } from "./types.js";

export type { Manifest, StackEntry };

export interface StackFound {
  readonly ok: true;
  readonly name: string;
  readonly stack: StackEntry;
  /** The tenant is declared in `.paybill` and baked into the stack (not in its `tenants` variable). */
  readonly static: boolean;
}

export interface StackMissing {
  readonly ok: false;
  readonly problem: string;
  readonly help: string;
}

export const MANIFEST_PATH = "terraform/manifest.json";

/** The manifest under `outDir`, or why it cannot be used. */
export async function readManifest(outDir: string): Promise<{ ok: true; manifest: Manifest } | StackMissing> {
  const path = join(outDir, MANIFEST_PATH);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    return { ok: false, problem: `there is no Terraform manifest at ${path}`, help: "run `paybillc build <project>` first (a project that declares a `cloud` gets Terraform stacks)" };
  }
  const manifest = parseManifest(text);
  if (manifest === undefined) return { ok: false, problem: `${path} is not a Paybill Terraform manifest`, help: "run `paybillc build <project>` again to rewrite it" };
  return { ok: true, manifest };
}

/** The stack that holds `tenant` when placed as `placement`. */
export function stackFor(manifest: Manifest, tenant: string, placement: Placement): StackFound | StackMissing {
  const declared = manifest.tenants[tenant];
  if (declared !== undefined && declared.plan === placement.plan && declared.isolation === placement.isolation) {
    const stack = manifest.stacks[declared.stack];
    if (stack !== undefined) return { ok: true, name: declared.stack, stack, static: true };
  }
  const candidates = Object.entries(manifest.stacks).filter(
    ([, s]) =>
      s.mode !== "tenant" &&
      s.isolation === placement.isolation &&
      s.plans.includes(placement.plan) &&
      (placement.cloud === undefined || s.cloud === placement.cloud) &&
      (placement.region === undefined || s.region === placement.region),
  );
  const where = describe(placement);
  const [first, second] = candidates;
  if (first === undefined) {
    return {
      ok: false,
      problem: `no compiled stack serves ${where}`,
      help: "run `paybillc build` after declaring the plan's cloud and region (a tenant's region needs a cell there: a static tenant in it, or the cloud's own region)",
    };
  }
  if (second !== undefined) {
    return {
      ok: false,
      problem: `${candidates.length} stacks serve ${where}: ${candidates.map(([name]) => `\`${name}\``).join(", ")}`,
      help: "give the tenant a region (`--region`) or a cloud (`--cloud`) so one stack is meant",
    };
  }
  return { ok: true, name: first[0], stack: first[1], static: false };
}

function describe(p: Placement): string {
  const parts = [`plan \`${p.plan}\` (${p.isolation})`];
  if (p.cloud !== undefined) parts.push(`cloud \`${p.cloud}\``);
  if (p.region !== undefined) parts.push(`region \`${p.region}\``);
  return parts.join(" in ");
}
