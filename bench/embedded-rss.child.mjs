/**
 * Run by embedded.bench.mjs in a fresh process (with --expose-gc): the resident memory one
 * runtime on PGlite adds to a process. It imports @paybill/runtime, then opens runtimes on
 * new data directories (the template cached) one after the other, each given the entity
 * tables (as `serve` without `--database`), reading its tenants and deciding once, and prints one JSON line: RSS after the import and after each open
 * (after a full GC each time).
 *
 *   node --expose-gc bench/embedded-rss.child.mjs <bundle.json> <work dir> <runtimes>
 */
import { join } from "node:path";

const [bundlePath, work, count] = process.argv.slice(2);
const { entityTablesSql, openRuntime, readBundle } = await import("@paybill/runtime");
const bundle = await readBundle(bundlePath);
const rss = () => {
  globalThis.gc?.();
  return process.memoryUsage().rss;
};
const after = [rss()];
const runtimes = [];
for (let i = 0; i < Number(count); i++) {
  const runtime = await openRuntime({ bundle, database: { pglite: { dataDir: join(work, `runtime-${i}`) } } });
  runtimes.push(runtime);
  await runtime.database.exec(entityTablesSql(runtime.bundle));
  await runtime.tenants.list();
  await runtime.decide({ tenant: "initech", agent: "support_bot", action: "lookup_customer", input: { customer: "00000000-0000-4000-8000-000000000000" } });
  after.push(rss());
}
for (const runtime of runtimes) await runtime.close();
console.log(JSON.stringify({ rssBytes: after }));
