/**
 * The child process of data-dir-lock.test.ts: opens a runtime (the built @paybill/runtime)
 * on a PGlite data directory, registers tenants `before_1…n`, prints `ready`, and holds the
 * directory until its stdin ends; then registers `after_1…n`, closes and ends by itself.
 *
 * Arguments (JSON in argv[2]): dataDir, bundle (a file), tenants (n).
 */
import { readFile } from "node:fs/promises";
import { openRuntime } from "@paybill/runtime";

const { dataDir, bundle, tenants } = JSON.parse(process.argv[2]);
const runtime = await openRuntime({ bundle: await readFile(bundle, "utf8"), database: { pglite: { dataDir } } });
const put = async (prefix) => {
  for (let i = 1; i <= tenants; i++) await runtime.tenants.put({ id: `${prefix}_${i}`, plan: "business", state: "active" });
};
await put("before");
process.stdout.write("ready\n");
process.stdin.resume();
await new Promise((done) => process.stdin.once("end", done));
await put("after");
await runtime.close();
process.stdout.write("closed\n");
