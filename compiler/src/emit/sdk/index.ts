/**
 * The SDK emitter: a bundle → `out/sdk/index.ts`, the project's names as TypeScript types
 * and a typed facade over the runtime for host services (spec/sdk.md). Written only when
 * the project declares something host code calls (an action, a workflow or an entity).
 */
import type { Bundle } from "@paybill/runtime";
import { sdkTs } from "./sdk-ts.js";

export { sdkTs } from "./sdk-ts.js";

/** Relative to the output directory. */
export const SDK_FILE = "sdk/index.ts";

export function sdkFile(bundle: Bundle): { readonly path: string; readonly text: string } | undefined {
  const empty = [bundle.actions, bundle.workflows, bundle.entities].every((map) => Object.keys(map).length === 0);
  return empty ? undefined : { path: SDK_FILE, text: sdkTs(bundle) };
}
