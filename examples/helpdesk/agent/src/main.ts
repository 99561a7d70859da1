/**
 * The helpdesk's agent service, end to end on the embedded database (PGlite, in memory):
 * `npm run agent` builds the project, compiles this service against the generated SDK
 * (`examples/helpdesk/out/sdk`) and runs it. The host seeds its data, then a scripted
 * support agent works two tickets through `resolve_ticket`; the second carries a prompt
 * injection. Exit 0 only when the injection was denied and audited and the chain verifies.
 *
 *   node examples/helpdesk/agent/dist/agent/src/main.js [path/to/bundle.json]
 */
import { fileURLToPath } from "node:url";
import { openRuntime, readBundle } from "@paybill/runtime";
import { typed } from "../../out/sdk/index.js";
import { type Made, work } from "./agent.js";
import { check } from "./check.js";
import { IDS, seed, TENANT } from "./seed.js";
import { line } from "./transcript.js";

// Compiled to agent/dist/agent/src/: the bundle is the one built beside the SDK.
const bundlePath = process.argv[2] ?? fileURLToPath(new URL("../../../../out/bundle.json", import.meta.url));
const runtime = await openRuntime({ bundle: await readBundle(bundlePath), database: { pglite: {} } });
try {
  const paybill = typed(runtime);
  await seed(runtime);
  line(`helpdesk agent service: the Paybill runtime on PGlite (in memory), bundle ${runtime.bundle.hash.slice(0, 19)}…, typed by out/sdk`);
  line();
  const made: Made[] = [];
  line(`== ticket:kettle (tenant ${TENANT}): "Refund for a broken kettle"`);
  made.push(...(await work(paybill, { ticket: IDS.kettle, reply: "Sorry about the kettle: a refund of 40 is on its way.", refund: 40 })));
  line();
  line(`== ticket:injected (tenant ${TENANT}): "Where is my order?" — its body carries a prompt injection`);
  made.push(...(await work(paybill, { ticket: IDS.injected, reply: "We are looking into your order." })));
  line();
  process.exitCode = (await check(runtime, made)) ? 0 : 1;
} finally {
  await runtime.close();
}
