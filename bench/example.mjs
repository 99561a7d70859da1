/**
 * What the database benchmarks share: the example project compiled by a real
 * `paybillc build` process (into a temporary directory, removed again), and the PostgreSQL
 * server they measure beside PGlite (PAYBILL_BENCH_DATABASE_URL, default the local server).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadBundle } from "@paybill/runtime";
import pg from "pg";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const PAYBILLC = join(ROOT, "compiler", "bin", "paybillc.js");
export const HELPDESK = join(ROOT, "examples", "helpdesk");
export const PG_URL = process.env.PAYBILL_BENCH_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/test";

/** The bundle `paybillc build <project>` writes, loaded. */
export function compileBundle(project) {
  const dir = mkdtempSync(join(tmpdir(), "paybill-bench-build-"));
  try {
    const result = spawnSync(process.execPath, [PAYBILLC, "build", project, "--out", dir], { encoding: "utf8" });
    if (result.status !== 0) throw new Error(`paybillc build failed (exit ${result.status}):\n${result.stderr}${result.stdout}`);
    return loadBundle(readFileSync(join(dir, "bundle.json"), "utf8"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Why the server cannot be used, or undefined when it answers. */
export async function unreachable(url) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query("select 1");
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message || error.constructor.name : String(error);
  } finally {
    await client.end().catch(() => {});
  }
}

export function redactUrl(url) {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");
}

/**
 * Runs `measureOne` on PGlite, then on the PostgreSQL server when it answers; when it does
 * not, one row says so (never a silently shorter table).
 */
export async function onBothBackends(label, measureOne) {
  const rows = [];
  const summary = [];
  for (const backend of ["pglite", "postgres"]) {
    if (backend === "postgres") {
      const problem = await unreachable(PG_URL);
      if (problem !== undefined) {
        const note = `NOT MEASURED: PostgreSQL at ${redactUrl(PG_URL)} is unreachable (${problem}); set PAYBILL_BENCH_DATABASE_URL`;
        rows.push({ name: `postgres: ${label}`, size: "", median: "", p90: "", rate: "", note, data: { unreachable: problem } });
        summary.push(`${label} on PostgreSQL: not measured, the server is unreachable (${problem})`);
        continue;
      }
    }
    const measured = await measureOne(backend);
    rows.push(...measured.rows);
    summary.push(...measured.summary);
  }
  return { rows, summary };
}
