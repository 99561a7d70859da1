/**
 * The act path's first statements ride with BEGIN in one simple-protocol message
 * (adapter.ts `opening`), so the tenant id and run id are written into them as literals
 * (sql.ts `literal`), not sent as parameters. These tests hold that text to what a
 * parameter would give: any storable tenant id names exactly that tenant (or none, PBR110),
 * quotes, backslashes and statement separators included, and nothing else runs.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PaybillRuntimeError } from "../src/store/errors.js";
import { literal } from "../src/store/sql.js";
import { BACKENDS, sharedTestRuntime } from "./support/store-db.js";

/** Ids written to break out of a literal, with and without `standard_conforming_strings`. */
const HOSTILE = ["o'brien", "a\\'b", "x'; drop table paybill_audit; --", "\\", "a\\\\'", "E'x'", "$$; select 1; $$", "' or true or '", "tenant\n'"];

/** Any text the database can hold (no NUL, no lone surrogate), quotes and backslashes likely. */
const storable = fc.string({ unit: fc.constantFrom("'", "\\", ";", "$", "E", "a", "-", " ", "\n", "é", "😀"), maxLength: 24 });

describe("sql literal", () => {
  it("reads back as the same text on the server, whatever the quotes and backslashes (property)", async () => {
    const { runtime } = shared;
    await fc.assert(
      fc.asyncProperty(storable, async (text) => {
        const [row] = await runtime.database.query<{ v: string }>(`select ${literal(text)}::text as v`);
        expect(row?.v).toBe(text);
      }),
      { numRuns: 150 },
    );
  });
});

const shared = sharedTestRuntime("pglite", "opening_literal");

describe.each(BACKENDS)("opening statements on %s", (backend) => {
  const t = sharedTestRuntime(backend, "opening");

  it("a tenant id with quotes, backslashes or separators names that tenant: act, decide and verify work for it", async () => {
    for (const id of HOSTILE) {
      await t.runtime.tenants.put({ id, plan: "business", state: "active" });
      const out = await t.runtime.act({ tenant: id, agent: "support_bot", action: "open_ticket", input: { customer: "c", email: "c@example.com", amount: 1 } });
      expect(out.decision, `${id}: ${JSON.stringify(out.reasons)}`).toBe("allow");
      const [row] = await t.admin.query<{ tenant_id: string }>("select tenant_id from paybill_audit where id = $1", [out.auditId]);
      expect(row?.tenant_id).toBe(id);
      const decided = await t.runtime.decide({ tenant: id, agent: "support_bot", action: "open_ticket", input: { customer: "c", email: "c@example.com", amount: 1 } });
      expect(decided.decision).toBe("allow");
      expect((await t.runtime.audit.verify(id)).ok).toBe(true);
    }
    // Nothing the ids spelled ran: the audit table is there and holds only these tenants' records.
    const [count] = await t.admin.query<{ n: string }>("select count(*)::text as n from paybill_audit where tenant_id = any($1)", [HOSTILE]);
    expect(Number(count?.n)).toBe(HOSTILE.length);
  });

  it("an unknown tenant id, however spelled, is PBR110 for act and decide, never a SQL error (property)", async () => {
    await fc.assert(
      fc.asyncProperty(storable.map((s) => `zz_${s}`), async (id) => {
        for (const call of [() => t.runtime.act({ tenant: id, agent: "support_bot", action: "open_ticket", input: {} }), () => t.runtime.decide({ tenant: id, agent: "support_bot", action: "open_ticket", input: {} })]) {
          const error = await call().then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(error).toBeInstanceOf(PaybillRuntimeError);
          expect((error as PaybillRuntimeError).code).toBe("PBR110");
        }
      }),
      { numRuns: backend === "pglite" ? 60 : 40 },
    );
  });
});
