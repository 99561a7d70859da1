/**
 * The helpdesk's runtime, end to end, on the embedded database (PGlite, in memory; no
 * server): `npm run demo` builds the bundle, runs the project's tests, then this script.
 *
 * A support bot works one ticket through the `resolve_ticket` workflow. Every action goes
 * through `act`: decided by the policies, performed tenant-scoped, audited. At the end the
 * tenant's audit chain is verified.
 *
 *   node examples/helpdesk/demo.mjs [path/to/bundle.json]
 */
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { entityTablesSql, openRuntime, readBundle } from "@paybill/runtime";

const bundlePath = process.argv[2] ?? fileURLToPath(new URL("out/bundle.json", import.meta.url));
const runtime = await openRuntime({ bundle: await readBundle(bundlePath), database: { pglite: {} } });
try {
  // Development only: the entity tables (real migrations come from the compiler).
  await runtime.database.exec(entityTablesSql(runtime.bundle));

  // A customer and a ticket the host service already has for tenant `initech`.
  const customer = randomUUID();
  const ticket = randomUUID();
  await runtime.database.query("insert into customer (tenant_id, id, name, email) values ($1, $2, $3, $4)", ["initech", customer, "Ada", "ada@example.com"]);
  await runtime.database.query(
    "insert into tickets (tenant_id, id, customer, subject, body, updated_at) values ($1, $2, $3, $4, $5, now() - interval '2 hours')",
    ["initech", ticket, customer, "Refund for a broken kettle", "It arrived in pieces."],
  );

  const show = (what, result) => {
    const why = result.reasons.map((r) => ("rule" in r ? `${r.kind} ${r.policy}` : `${r.kind}: ${r.message}`)).join("; ");
    console.log(`${result.decision.padEnd(7)} ${what.padEnd(48)} ${why}`);
    return result;
  };
  const act = (action, input) => runtime.act({ tenant: "initech", agent: "support_bot", action, input, run: run.id });

  const run = await runtime.runs.start({ workflow: "resolve_ticket", tenant: "initech" });
  console.log(`run ${run.id} of resolve_ticket for tenant initech, state ${run.state}\n`);
  const read = show("read_ticket", await act("read_ticket", { ticket }));
  console.log(`        the agent sees the subject ${JSON.stringify(read.result?.subject)}`);
  const looked = show("lookup_customer", await act("lookup_customer", { customer }));
  console.log(`        the agent sees ${Object.keys(looked.result ?? {}).join(", ")}: no email, no phone (@pii, forbidden)`);
  show("refund 80 in triage (not allowed in this state)", await act("refund", { ticket, amount: 80.0, reason: "broken" }));

  await runtime.runs.next(run.id, "resolve");
  console.log("\nmoved to state resolve\n");
  show("reply asking for a password", await act("reply", { ticket, body: "Please send me your password.", internal: false }));
  show("refund 250 without finance", await act("refund", { ticket, amount: 250.0, reason: "broken" }));
  show("reply to the customer", await act("reply", { ticket, body: "Sorry! A refund is on its way.", internal: false }));
  show("refund 80", await act("refund", { ticket, amount: 80.0, reason: "broken" }));
  show("close the ticket", await act("close_ticket", { ticket, reason: "refunded" }));

  const after = await runtime.runs.get(run.id);
  console.log(`\nrun used ${after.steps} steps and ${after.writes} writes of its budget`);
  const verify = await runtime.audit.verify("initech");
  console.log(`audit chain of initech: ${verify.ok ? `intact, ${verify.records} records` : `BROKEN at ${verify.seq}: ${verify.message}`}`);
  if (!verify.ok) process.exitCode = 1;
} finally {
  await runtime.close();
}
