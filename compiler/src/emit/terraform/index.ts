/**
 * The Terraform emitter: a checked model → one `cdk.tf.json` per stack plus the manifest
 * (spec/infrastructure.md). Pure and deterministic: no file system (but cdktn's scratch
 * directory, made and removed in stack.ts), no clock; stacks are
 * built from the model's declarations in sorted order, every file's keys are sorted, and
 * logical ids are the mapping's fixed names, so the same project gives the same bytes.
 *
 * A project without clouds has no infrastructure: no stacks, and `build` writes no
 * `terraform/` folder.
 */
import type { Model } from "@paybill/lang";
import { readInfra } from "./infra.js";
import { layout, type StackSpec } from "./layout.js";
import { type Manifest, manifestOf } from "./manifest.js";
import { synthStack, withScratch } from "./stack.js";

export { type Changes, changesBetween, describeChanges } from "./changes.js";
export { type Manifest, manifestText, parseManifest } from "./manifest.js";
export { PLACEMENTS_FILE, type Placements, parsePlacements, placementsOf, placementsText } from "./placements.js";

export interface TerraformOutput {
  readonly stacks: readonly { readonly spec: StackSpec; readonly text: string }[];
  readonly manifest: Manifest;
}

export function emitTerraform(model: Model): TerraformOutput | undefined {
  const infra = readInfra(model);
  if (infra.clouds.size === 0) return undefined;
  const stacks = withScratch((outdir) => layout(infra).map((spec) => ({ spec, text: synthStack(spec, outdir) })));
  return { stacks, manifest: manifestOf(stacks) };
}
