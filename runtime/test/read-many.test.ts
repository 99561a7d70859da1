/**
 * List reads (`effect read many E where … limit N`) on both backends: through `act`, the
 * rows of the acting tenant only, in key order, at most the limit, `@pii` fields redacted
 * as a read's are; and the SQL the filter becomes (store/read-many.ts) selects exactly the
 * rows an in-memory filter with CEL's meaning selects, for random filters over random rows
 * of two tenants (text ordered by code point, null compared as a value by `==`/`!=` and
 * never ordered).
 */
import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { PreparedEffect, PreparedFilter } from "../src/decide/decider-api.js";
import { readMany } from "../src/store/read-many.js";
import { hostBundle } from "./support/host-bundle.js";
import { BACKENDS, newTenant, sharedTestRuntime } from "./support/store-db.js";

type Op = "==" | "!=" | "<" | "<=" | ">" | ">=";
type Row = { id: string; customer: string; email: string; status: string; amount: number };

const ticket = hostBundle().entities["Ticket"];
if (ticket === undefined) throw new Error("no Ticket");

/** CEL's answer for one comparison of a row's field (null when the row holds none) with a value. */
function compare(left: unknown, op: Op, right: unknown): boolean {
  if (op === "==") return left === right;
  if (op === "!=") return left !== right;
  if (left === null || right === null) return false;
  const a = left as string | number;
  const b = right as string | number;
  return op === "<" ? a < b : op === "<=" ? a <= b : op === ">" ? a > b : a >= b;
}

function matches(row: Row, filter: PreparedFilter): boolean {
  if ("all" in filter) return filter.all.every((f) => matches(row, f));
  if ("any" in filter) return filter.any.some((f) => matches(row, f));
  return compare(row[filter.field as keyof Row] ?? null, filter.op, filter.value);
}

const text = fc.constantFrom("a", "B", "b", "Ab", "aB", "_", "Z", "ä", "");
const status = fc.constantFrom("open", "pending", "closed");
const amount = fc.integer({ min: -4, max: 8 }).map((n) => n / 2);
const op = fc.constantFrom<Op>("==", "!=", "<", "<=", ">", ">=");
const leaf: fc.Arbitrary<PreparedFilter> = fc.oneof(
  fc.record({ field: fc.constant("customer"), op, value: text }),
  fc.record({ field: fc.constant("status"), op: fc.constantFrom<Op>("==", "!="), value: status }),
  fc.record({ field: fc.constant("amount"), op, value: amount }),
);
const filter: fc.Arbitrary<PreparedFilter> = fc.letrec<{ f: PreparedFilter }>((tie) => ({
  f: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.record({ all: fc.array(tie("f"), { maxLength: 3 }) }),
    fc.record({ any: fc.array(tie("f"), { maxLength: 3 }) }),
  ),
})).f;
const row = fc.record({ customer: text, status, amount });

describe.each(BACKENDS)("list reads on %s", (backend) => {
  const t = sharedTestRuntime(backend, "read_many", hostBundle());

  const seed = async (tenant: string, values: { customer: string; status: string; amount: number; email?: string }): Promise<Row> => {
    const r = { id: randomUUID(), email: values.email ?? "ada@example.com", ...values };
    await t.admin.query("insert into tickets (tenant_id, id, customer, email, status, amount) values ($1, $2, $3, $4, $5, $6)", [tenant, r.id, r.customer, r.email, r.status, r.amount]);
    return r;
  };

  it("act returns the acting tenant's rows the filter selects, in key order, at most the limit, `@pii` redacted", async () => {
    const tenant = await newTenant(t.runtime);
    const other = await newTenant(t.runtime);
    const rows = [
      await seed(tenant, { customer: "Ada", status: "open", amount: 10 }),
      await seed(tenant, { customer: "Bob", status: "open", amount: 1 }),
      await seed(tenant, { customer: "Cy", status: "closed", amount: 50 }),
      await seed(tenant, { customer: "Dee", status: "open", amount: 99 }),
    ];
    // The other tenant's rows match the filter too: they must never show.
    for (let i = 0; i < 5; i++) await seed(other, { customer: "Bob", status: "open", amount: 100 });
    const out = await t.runtime.act({ tenant, agent: "support_bot", action: "list_tickets", input: { status: "open", min: 5, customer: "Bob" } });
    expect(out.decision).toBe("allow");
    const expected = rows
      .filter((r) => (r.status === "open" && r.amount >= 5) || r.customer === "Bob")
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .slice(0, 3)
      .map(({ email: _email, ...visible }) => visible);
    expect(out.result).toEqual({ rows: expected });
    const [record] = await t.runtime.audit.query({ tenant });
    expect(record).toMatchObject({ decision: "allow", action: "list_tickets", effect: { op: "read", entity: "Ticket", key: null } });
  });

  it("the limit bounds the rows returned", async () => {
    const tenant = await newTenant(t.runtime);
    for (let i = 0; i < 6; i++) await seed(tenant, { customer: "Bob", status: "open", amount: i });
    const out = await t.runtime.act({ tenant, agent: "support_bot", action: "list_tickets", input: { status: "open", min: 0, customer: "Bob" } });
    expect(out.result?.["rows"]).toHaveLength(3);
  });

  it("the SQL selects what CEL's meaning of the filter selects, in the tenant only", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(row, { maxLength: 8 }), fc.array(row, { maxLength: 4 }), filter, fc.integer({ min: 1, max: 10 }), async (mine, theirs, where, limit) => {
        const tenant = await newTenant(t.runtime);
        const other = await newTenant(t.runtime);
        const seeded: Row[] = [];
        for (const r of mine) seeded.push(await seed(tenant, r));
        for (const r of theirs) await seed(other, r);
        const effect: PreparedEffect = { op: "read", entity: "Ticket", table: "tickets", keyColumn: "id", many: { where, limit } };
        const got = await t.admin.transaction((tx) => readMany(tx, ticket, tenant, effect));
        const want = seeded
          .filter((r) => matches(r, where))
          .sort((a, b) => (a.id < b.id ? -1 : 1))
          .slice(0, limit)
          .map((r) => r.id);
        expect(got.map((r) => r["id"])).toEqual(want);
      }),
      { numRuns: 40 },
    );
  });
});
