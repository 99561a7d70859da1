/**
 * The SDK emitter: a bundle → `out/sdk/index.ts`, the project's names as TypeScript types
 * and a typed facade over the runtime for host services (spec/sdk.md). Written only when
 * the project declares something host code calls (an action, a workflow or an entity).
 */
import type { Bundle } from "@paybill/runtime";
import { hasSdk, SDK_FILE } from "./file.js";
import { sdkTs } from "./sdk-ts.js";

export { hasSdk, SDK_FILE } from "./file.js";
export { sdkTs } from "./sdk-ts.js";

export function sdkFile(bundle: Bundle): { readonly path: string; readonly text: string } | undefined {
  return hasSdk(bundle) ? { path: SDK_FILE, text: sdkTs(bundle) } : undefined;
}
