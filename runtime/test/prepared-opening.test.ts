/**
 * Opening statements prepared once per connection (store/prepared-opening.ts): executed
 * with their arguments after the first time, never prepared twice on a connection, and
 * recovered when a message that prepared failed or the connection lost its statements.
 */
import { describe, expect, it } from "vitest";
import type { Database, PreparedOpening } from "../src/store/adapter.js";
import { openDatabase } from "../src/store/open-database.js";
import { inlined } from "../src/store/prepared-opening.js";
import { BACKENDS, newTenant, PG_URL, sharedTestRuntime } from "./support/store-db.js";

/** The opening's rows, and the opening statements the transaction's connection holds. */
async function opened(db: Database, prepared: PreparedOpening): Promise<{ rows: readonly unknown[]; held: string[] }> {
  return db.transaction(
    async (tx, rows) => ({
      rows,
      held: (await tx.query<{ name: string }>("select name from pg_prepared_statements where name like 'paybill_opening_%' order by name")).map((r) => r.name),
    }),
    { prepared },
  );
}

describe.each(BACKENDS)("prepared opening statements on %s", (backend) => {
  const t = sharedTestRuntime(backend, "prepared_opening");

  it("prepares a statement once per connection and executes it with each call's arguments", async () => {
    const echo = (v: string): PreparedOpening => ({ sql: "select $1::text as v, $2::int as n", args: [`'${v}'`, "7"] });
    const first = await opened(t.admin, echo("a"));
    expect(first.rows).toEqual([{ v: "a", n: 7 }]);
    expect(first.held).toHaveLength(1);
    // Again and again (PostgreSQL: on each pooled connection in turn): the same one statement, new arguments.
    for (const v of ["b", "c", "d", "e"]) {
      const next = await opened(t.admin, echo(v));
      expect(next.rows).toEqual([{ v, n: 7 }]);
      expect(next.held).toEqual(first.held);
    }
  });

  it("recovers from a failed execution, and from statements dropped behind its back", async () => {
    const number = (v: string): PreparedOpening => ({ sql: "select $1::int as n", args: [v] });
    for (let i = 0; i < 3; i++) {
      // Prepared, then failed executing: the next call neither prepares it twice nor misses it.
      await expect(opened(t.admin, number("'x'"))).rejects.toMatchObject({ code: "22P02" });
      expect((await opened(t.admin, number(String(i)))).rows).toEqual([{ n: i }]);
    }
    // `DEALLOCATE ALL` (as a pooler's reset would): the next call prepares it again.
    for (let i = 0; i < 3; i++) await t.admin.exec("deallocate all");
    expect((await opened(t.admin, number("41"))).rows).toEqual([{ n: 41 }]);
    expect((await opened(t.admin, number("42"))).rows).toEqual([{ n: 42 }]);
  });

  it("the act path binds each act's own tenant through the prepared statement", async () => {
    const runtime = t.runtime;
    const tenants = [await newTenant(runtime), await newTenant(runtime)];
    for (let i = 0; i < 6; i++) {
      const tenant = tenants[i % 2] ?? "";
      const out = await runtime.act({ tenant, agent: "support_bot", action: "open_ticket", input: { customer: `c${i}`, email: "a@b.c", amount: i } });
      expect(out.decision, JSON.stringify(out.reasons)).toBe("allow");
      const [record] = await t.admin.query<{ tenant_id: string }>("select tenant_id from paybill_audit where id = $1", [out.auditId]);
      expect(record?.tenant_id).toBe(tenant);
      const [ticket] = await t.admin.query<{ tenant_id: string }>("select tenant_id from tickets where id = $1", [out.result?.["id"]]);
      expect(ticket?.tenant_id).toBe(tenant);
    }
    // A tenant that is not there: no row through the prepared statement either.
    await expect(runtime.act({ tenant: "t_nobody_here", agent: "support_bot", action: "open_ticket", input: { customer: "c", email: "a@b.c", amount: 1 } })).rejects.toMatchObject({ code: "PBR110" });
  });
});

describe("an opening written out instead of prepared", () => {
  it("puts each argument in place of its own parameter, and nothing in an argument is read as one", () => {
    const args = Array.from({ length: 11 }, (_, i) => `'a${i + 1}'`);
    expect(inlined({ sql: "select $1, $10, $11, $2", args })).toBe("select 'a1', 'a10', 'a11', 'a2'");
    expect(inlined({ sql: "select set_config('x', $1, true), $2::uuid", args: ["'$2'", "'00000000-0000-0000-0000-000000000000'"] })).toBe(
      "select set_config('x', '$2', true), '00000000-0000-0000-0000-000000000000'::uuid",
    );
  });

  it.runIf(PG_URL !== undefined && PG_URL !== "")("is what PostgreSQL gets once a statement prepared a moment ago is already gone (a pooler in transaction mode)", async () => {
    const db = await openDatabase({ url: PG_URL as string, max: 1 });
    try {
      // Its PREPARE message deallocates what it prepared, as a pooler handing the next transaction another server connection would lose it.
      const vanishing: PreparedOpening = { sql: "select $1::int as n; deallocate all", args: ["7"] };
      await db.transaction(async () => undefined, { prepared: vanishing });
      // From then on nothing is prepared: another opening runs written out, and answers.
      const plain = await opened(db, { sql: "select $1::text as v", args: ["'w'"] });
      expect(plain).toEqual({ rows: [{ v: "w" }], held: [] });
    } finally {
      await db.close();
    }
  });
});
