/** Where the SDK goes and whether a bundle has one, without loading the SDK emitter (ts-morph). */
import type { Bundle } from "@paybill/runtime";

/** Relative to the output directory. */
export const SDK_FILE = "sdk/index.ts";

/** Whether the project declares something host code calls: an action, a workflow or an entity. */
export function hasSdk(bundle: Pick<Bundle, "actions" | "workflows" | "entities">): boolean {
  return [bundle.actions, bundle.workflows, bundle.entities].some((map) => Object.keys(map).length > 0);
}
