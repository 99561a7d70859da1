/**
 * Host-performed effects and updates that keep omitted fields, on both backends: an
 * allowed `effect host` act records a pending performance and tells the host what to
 * perform; the host's report is audited once, linked to the act's record; a second
 * report, another tenant's report and a malformed one are refused with their codes; a
 * denied host act records nothing to perform. An update whose `set` reads an optional
 * input the agent left out keeps that field.
 */
import { describe, expect, it } from "vitest";
import { bundleHash } from "../src/bundle/canonical.js";
import { BundleError } from "../src/bundle/error.js";
import { loadBundle } from "../src/bundle/load.js";
import { PaybillRuntimeError } from "../src/store/errors.js";
import { hostBundle } from "./support/host-bundle.js";
import { BACKENDS, newTenant, seedTicket, sharedTestRuntime } from "./support/store-db.js";

const codeOf = (e: unknown): string | undefined => (e instanceof PaybillRuntimeError ? e.code : undefined);

describe.each(BACKENDS)("host effects on %s", (backend) => {
  const t = sharedTestRuntime(backend, "host_effects", hostBundle());

  const pay = (tenant: string, amount: number, extra: { pin?: string; run?: string } = {}) =>
    t.runtime.act({
      tenant,
      agent: "support_bot",
      action: "send_payment",
      input: { iban: "DE89370400440532013000", amount, ...(extra.pin === undefined ? {} : { pin: extra.pin }) },
      ...(extra.run === undefined ? {} : { run: extra.run }),
    });

  it("an allowed host act is audited as allowed and pending performance, and tells the host what to perform", async () => {
    const tenant = await newTenant(t.runtime);
    const out = await pay(tenant, 25, { pin: "1234" });
    expect(out.decision).toBe("allow");
    expect(out.perform).toEqual({ id: out.auditId, action: "send_payment", input: { iban: "DE89370400440532013000", amount: 25, pin: "1234" } });
    expect(out.result).toBeUndefined();
    const [record] = await t.runtime.audit.query({ tenant });
    expect(record).toMatchObject({ id: out.auditId, decision: "allow", action: "send_payment", effect: { op: "host", entity: "send_payment", key: out.auditId } });
    const pending = await t.runtime.performances.pending(tenant);
    expect(pending).toHaveLength(1);
    // The listing keeps the input as audited: the secret is never stored.
    expect(pending[0]).toMatchObject({ id: out.auditId, action: "send_payment", agent: "support_bot", input: { iban: "DE89370400440532013000", amount: 25, pin: "***" } });
    const [row] = await t.admin.query("select count(*)::int as n from paybill_performances where input::text like '%1234%'", []);
    expect(row?.["n"]).toBe(0);
  });

  it("a report is audited once with its outcome, linked to the act's record; a second report is PBR241", async () => {
    const tenant = await newTenant(t.runtime);
    const out = await pay(tenant, 40);
    const id = out.perform?.id ?? "";
    const report = await t.runtime.report(tenant, id, { ok: true, result: { transfer: "T-1" } });
    expect(report).toMatchObject({ id, action: "send_payment", ok: true });
    expect(await t.runtime.performances.pending(tenant)).toEqual([]);
    const records = await t.runtime.audit.query({ tenant });
    expect(records.map((r) => r.action)).toEqual(["send_payment", "host.report"]);
    expect(records[1]).toMatchObject({
      id: report.auditId,
      agent: "paybill:host",
      decision: "allow",
      input: { performance: id, action: "send_payment", agent: "support_bot", ok: true, result: { transfer: "T-1" } },
      effect: { op: "host", entity: "send_payment", key: id },
    });
    const again = await t.runtime.report(tenant, id, { ok: true }).catch((e: unknown) => e);
    expect(codeOf(again)).toBe("PBR241");
    expect(await t.runtime.audit.query({ tenant })).toHaveLength(2);
    expect((await t.runtime.audit.verify(tenant)).ok).toBe(true);
  });

  it("a failed performance is audited with its error and is no longer pending", async () => {
    const tenant = await newTenant(t.runtime);
    const out = await pay(tenant, 10);
    const report = await t.runtime.report(tenant, out.auditId, { ok: false, error: "the bank refused the transfer" });
    expect(report.ok).toBe(false);
    const records = await t.runtime.audit.query({ tenant });
    expect(records[1]).toMatchObject({ action: "host.report", decision: "deny", input: { ok: false, error: "the bank refused the transfer" } });
    expect(await t.runtime.performances.pending(tenant)).toEqual([]);
  });

  it("a report for another tenant's performance, an unknown id or a data act's record is PBR240 and changes nothing", async () => {
    const tenant = await newTenant(t.runtime);
    const other = await newTenant(t.runtime);
    const out = await pay(tenant, 10);
    expect(codeOf(await t.runtime.report(other, out.auditId, { ok: true }).catch((e: unknown) => e))).toBe("PBR240");
    expect(codeOf(await t.runtime.report(tenant, "not-a-uuid", { ok: true }).catch((e: unknown) => e))).toBe("PBR240");
    const ticket = await seedTicket(t.runtime, tenant);
    const read = await t.runtime.act({ tenant, agent: "support_bot", action: "read_ticket", input: { ticket } });
    expect(codeOf(await t.runtime.report(tenant, read.auditId, { ok: true }).catch((e: unknown) => e))).toBe("PBR240");
    expect(await t.runtime.audit.query({ tenant: other })).toEqual([]);
    expect(await t.runtime.performances.pending(tenant)).toHaveLength(1);
  });

  it("a malformed report is PBR242 and leaves the performance pending", async () => {
    const tenant = await newTenant(t.runtime);
    const out = await pay(tenant, 10);
    for (const bad of [null, { ok: "yes" }, { ok: false }, { ok: false, error: "" }, { ok: true, result: () => 1 }]) {
      const error = await t.runtime.report(tenant, out.auditId, bad as never).catch((e: unknown) => e);
      expect(codeOf(error)).toBe("PBR242");
    }
    expect(await t.runtime.performances.pending(tenant)).toHaveLength(1);
  });

  it("a denied host act records nothing to perform", async () => {
    const tenant = await newTenant(t.runtime);
    const out = await pay(tenant, 5000);
    expect(out.decision).toBe("deny");
    expect(out.perform).toBeUndefined();
    expect(await t.runtime.performances.pending(tenant)).toEqual([]);
    expect(codeOf(await t.runtime.report(tenant, out.auditId, { ok: true }).catch((e: unknown) => e))).toBe("PBR240");
  });

  it("in a run, an allowed host act counts as a write and records the run on its performance", async () => {
    const tenant = await newTenant(t.runtime);
    const run = await t.runtime.runs.start({ workflow: "pay_once", tenant });
    const first = await pay(tenant, 5, { run: run.id });
    expect(first.decision).toBe("allow");
    expect(await t.runtime.runs.get(run.id)).toMatchObject({ steps: 1, writes: 1 });
    expect((await t.runtime.performances.pending(tenant))[0]).toMatchObject({ id: first.auditId, run: run.id });
    const second = await t.runtime.act({ tenant, agent: "support_bot", action: "send_payment", input: { iban: "DE89370400440532013000", amount: 5 }, run: run.id });
    expect(second.decision).toBe("deny");
    expect(second.reasons[0]?.kind).toBe("budget");
    expect(await t.runtime.performances.pending(tenant)).toHaveLength(1);
  });

  it("a host act is the tenant's first record too (the chain head is created after the statement)", async () => {
    const tenant = await newTenant(t.runtime);
    const out = await pay(tenant, 1);
    const [record] = await t.runtime.audit.query({ tenant });
    expect(record?.id).toBe(out.auditId);
    expect((await t.runtime.performances.pending(tenant)).map((p) => p.id)).toEqual([out.auditId]);
  });
});

describe.each(BACKENDS)("update keeps omitted fields on %s", (backend) => {
  const t = sharedTestRuntime(backend, "update_keeps", hostBundle());

  const row = async (id: string) => {
    const [r] = await t.admin.query("select customer, status, amount::float8 as amount from tickets where id = $1", [id]);
    return r;
  };

  it("a field whose optional input is omitted keeps its value; a given one is written", async () => {
    const tenant = await newTenant(t.runtime);
    const ticket = await seedTicket(t.runtime, tenant, { status: "open", amount: 7 });
    const before = await row(ticket);
    const out = await t.runtime.act({ tenant, agent: "support_bot", action: "edit_ticket", input: { ticket, status: "pending" } });
    expect(out.decision).toBe("allow");
    // customer omitted: kept; status given: written; amount's value tests `has` itself: written as 0.0.
    expect(await row(ticket)).toEqual({ customer: before?.["customer"], status: "pending", amount: 0 });
    expect(out.result).toEqual({ id: ticket, status: "pending", amount: 0 });
  });

  it("null counts as omitted, and an update that keeps every field it could write still succeeds", async () => {
    const tenant = await newTenant(t.runtime);
    const ticket = await seedTicket(t.runtime, tenant, { status: "closed", amount: 3 });
    const before = await row(ticket);
    const out = await t.runtime.act({ tenant, agent: "support_bot", action: "edit_ticket", input: { ticket, customer: "Grace", status: null, amount: 3 } });
    expect(out.decision).toBe("allow");
    expect(await row(ticket)).toEqual({ customer: "Grace", status: before?.["status"], amount: 3 });
  });
});

describe("loading a bundle with host effects, kept fields and list reads", () => {
  const rehash = (change: (b: Record<string, unknown> & { actions: Record<string, Record<string, unknown>> }) => void): string => {
    const { hash: _hash, ...body } = structuredClone(hostBundle()) as unknown as Record<string, unknown> & { actions: Record<string, Record<string, unknown>> };
    change(body as Record<string, unknown> & { actions: Record<string, Record<string, unknown>> });
    return JSON.stringify({ ...body, hash: bundleHash(body) });
  };
  const codeOfLoad = (text: string): string | undefined => {
    try {
      loadBundle(text);
      return undefined;
    } catch (e) {
      return e instanceof BundleError ? e.code : "other";
    }
  };

  it("loads as built", () => {
    expect(codeOfLoad(rehash(() => undefined))).toBeUndefined();
  });

  it("refuses a `keep` that names no optional input, and a `where` on a field the entity lacks (PBR006)", () => {
    type Actions = { actions: Record<string, Record<string, unknown>> };
    const effect = (b: Actions, action: string) => b.actions[action]?.["effect"] as { set: { keep?: string[] }[]; many: { where: unknown } };
    const badKeep = rehash((b) => {
      const first = effect(b, "edit_ticket").set[0];
      if (first !== undefined) first.keep = ["ticket"];
    });
    expect(codeOfLoad(badKeep)).toBe("PBR006");
    const badWhere = rehash((b) => {
      effect(b, "list_tickets").many.where = { all: [{ field: "colour", op: "==", value: { cel: "input.status" } }] };
    });
    expect(codeOfLoad(badWhere)).toBe("PBR006");
  });
});
