/**
 * A worker thread that synthesizes some of a build's stacks (reuse.ts hands out the work):
 * the stack specs come in `workerData`, their file texts go back in the same order. Each
 * stack depends on its spec alone, so the texts are those the main thread would make.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { StackSpec } from "./layout.js";
import { synthStack, withScratch } from "./stack.js";

const specs = (workerData as { specs: readonly StackSpec[] }).specs;
parentPort?.postMessage(withScratch((outdir) => specs.map((spec) => synthStack(spec, outdir))));
