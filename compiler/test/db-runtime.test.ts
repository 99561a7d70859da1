/**
 * The runtime works on the tables the migrations make: the helpdesk example's initial
 * migration is applied to PGlite (no development DDL from the runtime), and a support bot
 * works a ticket through `act` — reads, an insert with defaults and a foreign key, an
 * update of an enum column — tenant-scoped, as in the example's demo.
 */
import { randomUUID } from "node:crypto";
import { PGlite } from "@electric-sql/pglite";
import { openRuntime } from "@paybill/runtime";
import { afterAll, beforeAll, expect, it } from "vitest";
import { applyMigrations } from "../src/emit/db/apply.js";
import { openClient } from "../src/emit/db/client.js";
import { readMigrations } from "../src/emit/db/folder.js";
import { emitOk, HELPDESK, sourcesIn } from "./support/bundle.js";

let db: PGlite;
beforeAll(async () => {
  db = await PGlite.create();
});
afterAll(async () => {
  await db.close();
});

it("acts on the migrated tables: read, insert with defaults, update", async () => {
  const folder = await readMigrations(`${HELPDESK}/migrations`);
  if (!folder.ok) throw new Error(folder.problem);
  await applyMigrations(await openClient({ pglite: db }), folder.folder.migrations);
  const runtime = await openRuntime({ bundle: emitOk(sourcesIn(HELPDESK)).bundle, database: { pglite: db } });
  try {
    const customer = randomUUID();
    const ticket = randomUUID();
    await db.query("insert into customer (tenant_id, id, name, email) values ($1, $2, $3, $4)", ["initech", customer, "Ada", "ada@example.com"]);
    // Updated two hours ago: `no_closing_right_after_an_update` lets it be closed.
    await db.query("insert into tickets (tenant_id, id, customer, subject, body, updated_at) values ($1, $2, $3, $4, $5, now() - interval '2 hours')", [
      "initech",
      ticket,
      customer,
      "Kettle",
      "Broken.",
    ]);
    const run = await runtime.runs.start({ workflow: "resolve_ticket", tenant: "initech" });
    const act = (action: string, input: Record<string, unknown>) => runtime.act({ tenant: "initech", agent: "support_bot", action, input, run: run.id });
    const read = await act("read_ticket", { ticket });
    expect(read.decision).toBe("allow");
    expect(read.result).toMatchObject({ subject: "Kettle", status: "open", priority: 3 });
    await runtime.runs.next(run.id, "resolve");
    expect((await act("reply", { ticket, body: "On its way.", internal: false })).decision).toBe("allow");
    expect((await act("close_ticket", { ticket, reason: "done" })).decision).toBe("allow");
    const rows = await db.query<{ status: string; replies: number }>(
      "select status, (select count(*)::int from reply where reply.tenant_id = t.tenant_id and reply.ticket = t.id) as replies from tickets t where id = $1",
      [ticket],
    );
    expect(rows.rows).toEqual([{ status: "closed", replies: 1 }]);
  } finally {
    await runtime.close();
  }
});
