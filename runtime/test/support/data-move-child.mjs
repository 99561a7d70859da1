/**
 * The child process of control-data-move-kill.test.ts: a runtime on PostgreSQL (the built
 * @paybill/runtime) that moves a tenant's rows between two schemas of the database and
 * prints each step boundary it passes as a line, so the parent can SIGKILL it part-way.
 *
 * Arguments (JSON in argv[2]): url, schema (the runtime's), bundle (a file), tenant, moveId, source, target, batch.
 */
import { readFile } from "node:fs/promises";
import { openRuntime } from "@paybill/runtime";

const { url, schema, bundle, tenant, moveId, source, target, batch } = JSON.parse(process.argv[2]);
const runtime = await openRuntime({ bundle: await readFile(bundle, "utf8"), database: { url, schema, max: 2, privileged: true } });
const db = runtime.database;
await runtime.tenants.moveData({
  tenant,
  moveId,
  source: { sql: db, schema: source },
  target: { sql: db, schema: target },
  batch,
  onBoundary: (name) => {
    process.stdout.write(`${name}\n`);
  },
});
process.stdout.write("finished\n");
await runtime.close();
