/**
 * A small timing harness shared by the benchmarks in bench/.
 *
 * `measure(fn)` runs `fn` a few times untimed (warm-up: JIT, inline caches, lazily built
 * tables), then times repeated runs with process.hrtime.bigint until it has at least
 * `minRuns` samples and either `maxRuns` samples or `maxTimeMs` spent. It reports the
 * median and p90 (nearest rank), which are robust to the odd GC pause, rather than the mean.
 *
 * Memory is measured only when the process runs with --expose-gc (`node --expose-gc
 * bench/run.mjs`): heap used after a forced full GC. Without it, memory rows are skipped.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

/** @typedef {{ samplesMs: number[], runs: number, medianMs: number, p90Ms: number, minMs: number, maxMs: number, meanMs: number }} Stats */

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Summary statistics of samples in milliseconds. */
export function stats(samplesMs) {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return {
    samplesMs,
    runs: samplesMs.length,
    medianMs: median(sorted),
    p90Ms: percentile(sorted, 90),
    minMs: sorted[0],
    maxMs: sorted[sorted.length - 1],
    meanMs: samplesMs.reduce((a, b) => a + b, 0) / samplesMs.length,
  };
}

/** A value the optimizer cannot prove unused. */
export let sink;

/**
 * Times `fn` (sync or async). Its result is kept in `sink` so the work is not optimized away.
 * @returns {Promise<Stats>}
 */
export async function measure(fn, { warmup = 2, minRuns = 5, maxRuns = 30, maxTimeMs = 5000 } = {}) {
  for (let i = 0; i < warmup; i++) sink = await fn();
  const samples = [];
  const began = process.hrtime.bigint();
  const budget = BigInt(Math.round(maxTimeMs * 1e6));
  while (samples.length < minRuns || (samples.length < maxRuns && process.hrtime.bigint() - began < budget)) {
    const t0 = process.hrtime.bigint();
    sink = await fn();
    const t1 = process.hrtime.bigint();
    samples.push(Number(t1 - t0) / 1e6);
  }
  return stats(samples);
}

export const gcAvailable = typeof globalThis.gc === "function";

/** Heap used after a forced full GC, in bytes; undefined without --expose-gc. */
export function heapUsedAfterGC() {
  if (!gcAvailable) return undefined;
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
}

/**
 * Heap retained by what `build()` returns: heap after GC with the result alive, minus heap
 * after GC before building it. Undefined without --expose-gc.
 */
export function retainedBy(build) {
  if (!gcAvailable) return undefined;
  sink = undefined;
  const before = heapUsedAfterGC();
  sink = build(); // kept alive through the second GC
  const after = heapUsedAfterGC();
  sink = undefined;
  return { retainedBytes: after - before, heapUsedBytes: after };
}

// ---- formatting ----

export const MB = 1e6;
export const fmtInt = (n) => Math.round(n).toLocaleString("en-US");
export const fmtMB = (bytes) => `${(bytes / MB).toFixed(bytes >= 10 * MB ? 1 : 2)} MB`;
export function fmtMs(ms) {
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  if (ms >= 0.1) return `${ms.toFixed(2)} ms`;
  return `${(ms * 1000).toFixed(2)} µs`;
}
export function fmtRate(perSecond, unit) {
  if (perSecond >= 100) return `${fmtInt(perSecond)} ${unit}`;
  if (perSecond >= 10) return `${perSecond.toFixed(1)} ${unit}`;
  return `${perSecond.toFixed(2)} ${unit}`;
}
export function fmtRatio(ratio) {
  return ratio >= 1 ? `${ratio.toFixed(2)}×` : `${ratio.toFixed(ratio >= 0.1 ? 3 : 4)}×`;
}

/**
 * A row of a benchmark's table. Every cell is display text; `data` holds the raw numbers
 * (written by `run.mjs --json`).
 * @typedef {{ name: string, size?: string, median?: string, p90?: string, rate?: string, note?: string, data?: object }} Row
 * @typedef {{ rows: Row[], summary?: string[] }} BenchResult
 */

const COLUMNS = [
  ["name", "benchmark"],
  ["size", "size"],
  ["median", "median"],
  ["p90", "p90"],
  ["rate", "throughput"],
  ["note", "note"],
];

/** Renders rows as an aligned text table. */
export function table(rows) {
  const cells = [COLUMNS.map(([, title]) => title), ...rows.map((row) => COLUMNS.map(([key]) => row[key] ?? ""))];
  const widths = COLUMNS.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const rightAligned = new Set([2, 3, 4]);
  const line = (r) =>
    r
      .map((cell, i) => (rightAligned.has(i) ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  return [line(cells[0]), rule, ...cells.slice(1).map(line)].join("\n");
}

// ---- processes timed whole ----

export const GNU_TIME = "/usr/bin/time";

/** Whether GNU time is there and reports a peak RSS (`-f %M`). */
export function hasGnuTime() {
  if (!existsSync(GNU_TIME)) return false;
  const probe = spawnSync(GNU_TIME, ["-f", "%M", process.execPath, "-e", "0"], { encoding: "utf8" });
  return probe.status === 0 && /^\d+$/.test(probe.stderr.trim().split("\n").at(-1) ?? "");
}

/**
 * Runs a command to completion: wall-clock ms from spawn to exit, and (`withTime`) its peak
 * RSS in KiB under GNU time, taken off the end of its stderr.
 */
export function spawnTimed(command, args, { withTime = false, cwd, env } = {}) {
  const [file, argv] = withTime ? [GNU_TIME, ["-f", "%M", command, ...args]] : [command, args];
  const t0 = process.hrtime.bigint();
  const out = spawnSync(file, argv, { cwd, env, encoding: "utf8", maxBuffer: 512 * 2 ** 20 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (out.error) throw out.error;
  let stderr = out.stderr;
  let rssKB;
  if (withTime) {
    const lines = stderr.trimEnd().split("\n");
    const last = lines.at(-1) ?? "";
    if (/^\d+$/.test(last)) {
      rssKB = Number(last);
      stderr = lines.slice(0, -1).join("\n");
    }
  }
  return { ms, status: out.status, stdout: out.stdout, stderr, rssKB, command: [command, ...args].join(" ") };
}

