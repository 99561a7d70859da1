/**
 * The Terraform emitter as `paybillc build` runs it: the same stacks as `emitTerraform`
 * (index.ts), each either synthesized or — when a build record (project/build-record.ts)
 * holds a stack made from the same spec by the same code, still on disk unchanged — read
 * back from the previous build. cdktn and the cloud mappings are loaded only when a stack
 * has to be synthesized, so a build whose infrastructure did not change never loads them.
 * Many stacks (a silo tenant each) are shared out to worker threads, one per spare core:
 * each stack's text depends on its spec alone, so they are the texts made in one thread.
 */
import type { Model } from "@paybill/lang";
import { readInfra } from "./infra.js";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { layout, type StackSpec } from "./layout.js";
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
    const missing = specs.flatMap((_spec, i) => (texts[i] === undefined ? [i] : []));
    const made = await synthesize(missing.map((i) => specs[i] as StackSpec));
    for (const [k, i] of missing.entries()) {
      const text = made[k] as string;
      texts[i] = text;
      await cache.store(stackFile((specs[i] as StackSpec).name), text);
    }
  }
  const stacks = specs.map((spec, i) => ({ spec, text: texts[i] as string }));
  return { stacks, manifest: manifestOf(stacks) };
}

/** Below this many stacks, starting workers (each loads cdktn) costs more than it saves. */
const WORKER_MIN_STACKS = 96;
const MAX_WORKERS = 3;

/** The stacks' texts, in order: this thread makes the first share, workers the others. */
async function synthesize(specs: readonly StackSpec[]): Promise<string[]> {
  const { synthStack, withScratch } = await import("./stack.js");
  const here = (list: readonly StackSpec[]): string[] => withScratch((outdir) => list.map((spec) => synthStack(spec, outdir)));
  const workerFile = new URL("./synth-worker.js", import.meta.url);
  const workers = Math.min(MAX_WORKERS, availableParallelism() - 1, Math.floor(specs.length / (WORKER_MIN_STACKS / 2)) - 1);
  // Run from the sources (the tests), there is no built worker to start: one thread does it all.
  if (specs.length < WORKER_MIN_STACKS || workers < 1 || !import.meta.url.endsWith(".js")) return here(specs);
  const share = Math.ceil(specs.length / (workers + 1));
  const chunks = Array.from({ length: workers + 1 }, (_, k) => specs.slice(k * share, (k + 1) * share));
  const started = chunks.slice(1).map((chunk) =>
    new Promise<string[]>((resolve, reject) => {
      const worker = new Worker(workerFile, { workerData: { specs: chunk } });
      worker.once("message", (texts: string[]) => resolve(texts));
      worker.once("error", reject);
      worker.once("exit", (code) => reject(new Error(`a synthesis worker exited with ${code} before it answered`)));
    }).catch(() => here(chunk)), // a worker that cannot run: its share is made here
  );
  const first = here(chunks[0] ?? []);
  return [first, ...(await Promise.all(started))].flat();
}

/** The stack's file, relative to the output directory. */
export function stackFile(name: string): string {
  return `terraform/${name}/cdk.tf.json`;
}
