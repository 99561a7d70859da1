/**
 * The Terraform emitter as `paybillc build` runs it: the same stacks as `emitTerraform`
 * (index.ts), each either synthesized or — when a build record (project/build-record.ts)
 * holds a stack made from the same spec by the same code, still on disk unchanged — read
 * back from the previous build. cdktn and the cloud mappings are loaded only when a stack
 * has to be synthesized, so a build whose infrastructure did not change never loads them.
 */
import type { Model } from "@paybill/lang";
import { readInfra } from "./infra.js";
import { layout } from "./layout.js";
import { manifestOf } from "./manifest.js";
import type { TerraformOutput } from "./index.js";

/** Where earlier stacks are looked up and new ones recorded; keyed by stack file. */
export interface StackCache {
  /** The text of the stack file at `path` made from `spec`, if it can be reused. */
  lookup(path: string, spec: unknown): Promise<string | undefined>;
  /** A stack looked up and not found, now synthesized. */
  store(path: string, text: string): Promise<void>;
}

export async function emitTerraformReusing(model: Model, cache: StackCache): Promise<TerraformOutput | undefined> {
  const infra = readInfra(model);
  if (infra.clouds.size === 0) return undefined;
  const specs = layout(infra);
  const texts: (string | undefined)[] = [];
  for (const spec of specs) texts.push(await cache.lookup(stackFile(spec.name), spec));
  if (texts.some((t) => t === undefined)) {
    const { synthStack, withScratch } = await import("./stack.js");
    const made = withScratch((outdir) => specs.flatMap((spec, i) => (texts[i] === undefined ? [{ i, text: synthStack(spec, outdir) }] : [])));
    for (const { i, text } of made) {
      texts[i] = text;
      await cache.store(stackFile((specs[i] as { name: string }).name), text);
    }
  }
  const stacks = specs.map((spec, i) => ({ spec, text: texts[i] as string }));
  return { stacks, manifest: manifestOf(stacks) };
}

/** The stack's file, relative to the output directory. */
export function stackFile(name: string): string {
  return `terraform/${name}/cdk.tf.json`;
}
