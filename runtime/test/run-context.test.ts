/**
 * A run's trusted context (spec/runtime.md §Run context): checked at `runs.start`
 * (PBR210–PBR213), stored with the run and recorded once in the audit chain, read by
 * conditions as `run.context` and by `from_context`, and never changed by any act.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BAIL } from "../src/cel/closures.js";
import { celEnvironment } from "../src/cel/environment.js";
import { fromContext, normaliseText } from "../src/cel/from-context.js";
import { compileCel } from "../src/cel/program.js";
import { Decider } from "../src/decide/decider.js";
import { contextBundle } from "./support/context-bundle.js";
import { BACKENDS, newTenant, sharedTestRuntime } from "./support/store-db.js";

const CONTEXT = { recipient: "DE89 3704 0044 0532 0130 00", cap: 500, fields: ["Iban", "amount"] };

describe("from_context", () => {
  const run = { context: { recipient: "DE89 3704 0044 0532 0130 00", cap: 500, fields: ["Iban", "amount"], when: new Date(0) } };
  it("matches a context value after normalising case, whitespace and Unicode form", () => {
    expect(fromContext("de89  3704 0044 0532 0130 00 ", run)).toBe(true);
    expect(fromContext("\tDE89 3704\n0044 0532 0130 00", run)).toBe(true);
    expect(fromContext("IBAN", run)).toBe(true); // a list element
    expect(normaliseText("Cafe\u0301")).toBe(normaliseText("Café"));
  });
  it("normalises every text as NFC, single spaces and lower case, whatever shortcut it takes", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "grapheme" }), fc.string({ unit: "binary" }), fc.string({ unit: fc.constantFrom("A", "b", " ", "  ", "\t", "~", "!") })), (text) => {
        expect(normaliseText(text)).toBe(text.normalize("NFC").trim().replace(/\s+/gu, " ").toLowerCase());
      }),
      { numRuns: 1000 },
    );
  });
  it("compares numbers numerically and never across kinds", () => {
    expect(fromContext(500, run)).toBe(true);
    expect(fromContext(500n, run)).toBe(true);
    expect(fromContext(500.0001, run)).toBe(false);
    expect(fromContext("500", run)).toBe(false);
    expect(fromContext(true, run)).toBe(false);
  });
  it("has no substring matches, and is false outside a run or without a context", () => {
    expect(fromContext("DE89", run)).toBe(false);
    expect(fromContext("DE89 3704 0044 0532 0130 00", undefined)).toBe(false);
    expect(fromContext("DE89 3704 0044 0532 0130 00", {})).toBe(false);
    expect(fromContext(new Date(0), run)).toBe(false);
  });
  it("normalising twice changes nothing, so a text already normal is found as it is", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), fc.string({ unit: "binary" }), (a, b) => {
        for (const text of [a, b]) {
          const once = normaliseText(text);
          expect(normaliseText(once)).toBe(once);
          // Found as given or normalised: the same answer either way.
          expect(fromContext(once, { context: { v: text } })).toBe(true);
          expect(fromContext(text, { context: { v: once } })).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
  it("answers alike on the closures and on cel-js, an absent argument or `run` included", () => {
    const env = celEnvironment({ input: "dyn", run: "dyn" });
    const scopes: Record<string, unknown>[] = [
      { input: { r: " de89  3704 0044 0532 0130 00" }, run },
      { input: { r: "DE89" }, run },
      { input: { r: 500 }, run },
      { input: { r: "x" } },
      { input: {}, run },
    ];
    for (const source of ["from_context(input.r)", "!from_context(input.r) || input.r == 1"]) {
      const compiled = compileCel(env, source);
      if (!compiled.ok) throw new Error(compiled.message);
      for (const scope of scopes) {
        const celJs = (() => {
          try {
            return compiled.program.runCelJs(scope);
          } catch {
            return "error";
          }
        })();
        const fast = (() => {
          try {
            const v = compiled.program.runFast(scope);
            return typeof v === "boolean" ? v : "error";
          } catch (e) {
            // BAIL: the closures leave this one to cel-js (then there is nothing to compare).
            return e === BAIL ? celJs : "error";
          }
        })();
        expect({ source, scope, fast }).toEqual({ source, scope, fast: celJs });
      }
    }
  });

  it("keeps a frozen context's value per workflow, so one object serves runs of two workflows", () => {
    const built = contextBundle();
    const other = { ...built.workflows["pay"], name: "pay2", context: [{ name: "cap", optional: false, pii: false, type: { kind: "decimal" } }] } as (typeof built.workflows)[string];
    const decider = new Decider({ ...built, workflows: { ...built.workflows, pay2: other } });
    const shared = Object.freeze({ ...CONTEXT });
    const ask = (workflow: string) =>
      decider.decide({ tenant: { id: "a", plan: "business", state: "active" }, agent: "bot", action: "send_money", input: { recipient: CONTEXT.recipient, amount: 1 }, workflow: { name: workflow, state: "asking" }, runContext: shared });
    expect(ask("pay").decision).toBe("allow");
    // `pay2` declares only `cap`: the recipient is not in its run's context, so the forbid holds.
    expect(ask("pay2")).toMatchObject({ decision: "deny", reasons: [{ kind: "forbid", policy: "recipient_from_user" }] });
    expect(ask("pay").decision).toBe("allow");
  });

  it("decides alike on the closures and on cel-js", () => {
    const decider = new Decider(contextBundle());
    const request = (recipient: string, amount: number, runContext?: Record<string, unknown>) => ({
      tenant: { id: "a", plan: "business", state: "active" },
      agent: "bot",
      action: "send_money",
      input: { recipient, amount },
      workflow: { name: "pay", state: "asking" },
      ...(runContext === undefined ? {} : { runContext }),
    });
    expect(decider.decide(request(" de89 3704 0044 0532 0130 00", 100, CONTEXT)).decision).toBe("allow");
    expect(decider.decide(request("GB33 BUKB 2020 1555 5555 55", 100, CONTEXT))).toMatchObject({ decision: "deny", reasons: [{ kind: "forbid", policy: "recipient_from_user" }] });
    expect(decider.decide(request("DE89 3704 0044 0532 0130 00", 501, CONTEXT)).decision).toBe("deny");
    // No context: the forbid's `!from_context` holds and the permit's `run.context.cap` errs: fail closed.
    const without = decider.decide(request("DE89 3704 0044 0532 0130 00", 1));
    expect(without.decision).toBe("deny");
    expect(without.reasons.map((r) => r.kind)).toEqual(["forbid", "error"]);
  });
});

describe.each(BACKENDS)("run context on %s", (backend) => {
  const t = sharedTestRuntime(backend, "run_context", contextBundle());
  const send = (tenant: string, run: string | undefined, recipient: string, amount: number) =>
    t.runtime.act({ tenant, agent: "bot", action: "send_money", input: { recipient, amount }, ...(run === undefined ? {} : { run }) });

  it("checks the context against the workflow's declared types when the host starts a run", async () => {
    const tenant = await newTenant(t.runtime);
    await expect(t.runtime.runs.start({ workflow: "pay", tenant, context: { recipient: "x" } })).rejects.toMatchObject({ code: "PBR210", message: expect.stringContaining("`context.cap`") });
    await expect(t.runtime.runs.start({ workflow: "pay", tenant, context: { recipient: "x", cap: "lots" } })).rejects.toMatchObject({ code: "PBR210", message: expect.stringContaining("`context.cap`") });
    await expect(t.runtime.runs.start({ workflow: "pay", tenant, context: { recipient: "x", cap: 1, fields: ["a", 2] } })).rejects.toMatchObject({ code: "PBR210", message: expect.stringContaining("`context.fields[1]`") });
    await expect(t.runtime.runs.start({ workflow: "pay", tenant, context: { ...CONTEXT, payee: "y" } })).rejects.toMatchObject({ code: "PBR211", message: expect.stringContaining("`payee`") });
    await expect(t.runtime.runs.start({ workflow: "pay", tenant })).rejects.toMatchObject({ code: "PBR210" });
    await expect(t.runtime.runs.start({ workflow: "plain", tenant, context: CONTEXT })).rejects.toMatchObject({ code: "PBR212" });
    const many = Array.from({ length: 300 }, (_, i) => `f${i}`);
    await expect(t.runtime.runs.start({ workflow: "pay", tenant, context: { ...CONTEXT, fields: many } })).rejects.toMatchObject({ code: "PBR213" });
    const run = await t.runtime.runs.start({ workflow: "pay", tenant, context: CONTEXT });
    expect(run.context).toEqual(CONTEXT);
    expect((await t.runtime.runs.get(run.id))?.context).toEqual(CONTEXT);
  });

  it("lets policies read run.context and from_context; outside such a run they fail closed", async () => {
    const tenant = await newTenant(t.runtime);
    const run = await t.runtime.runs.start({ workflow: "pay", tenant, context: CONTEXT });
    expect((await send(tenant, run.id, "de89 3704 0044 0532 0130 00", 500)).decision).toBe("allow");
    const other = await send(tenant, run.id, "GB33 BUKB 2020 1555 5555 55", 10);
    expect(other).toMatchObject({ decision: "deny", reasons: [{ kind: "forbid", policy: "recipient_from_user" }] });
    expect(await send(tenant, run.id, "DE89 3704 0044 0532 0130 00", 501)).toMatchObject({ decision: "deny", reasons: [{ kind: "no-permit" }] });
    const plain = await t.runtime.runs.start({ workflow: "plain", tenant });
    expect((await send(tenant, plain.id, "DE89 3704 0044 0532 0130 00", 1)).decision).toBe("deny");
    expect((await send(tenant, undefined, "DE89 3704 0044 0532 0130 00", 1)).decision).toBe("deny");
  });

  it("records the context once, in the run's `run.start` audit record, and nothing changes it later", async () => {
    const tenant = await newTenant(t.runtime);
    const run = await t.runtime.runs.start({ workflow: "pay", tenant, context: CONTEXT });
    const records = await t.runtime.audit.query({ tenant });
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ action: "run.start", agent: "paybill:host", run: run.id, input: { workflow: "pay", context: CONTEXT, contextHash: run.contextHash } });
    expect(run.contextHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await t.runtime.audit.verify(tenant)).toEqual({ ok: true, records: 1 });
    // Even outside row-level security, the row's trigger refuses a changed context.
    await expect(t.admin.query("update paybill_runs set context = '{\"recipient\":\"evil\",\"cap\":1e9}'::jsonb where id = $1", [run.id])).rejects.toThrow(/context cannot change/);
    expect((await t.runtime.runs.get(run.id))?.context).toEqual(CONTEXT);
    // The host's record is not an agent action: usage does not bill it.
    const usage = await t.runtime.usage.export({ period: String(records[0]?.time).slice(0, 7), tenant });
    expect(usage.find((row) => row.metric === "agent_actions")?.quantity).toBe(0);
  });

  it("no act, whatever its input names, changes a run's context or the decisions made with it", async () => {
    const tenant = await newTenant(t.runtime);
    const run = await t.runtime.runs.start({ workflow: "pay", tenant, context: CONTEXT });
    const text = fc.oneof(fc.constant("GB33 BUKB 2020 1555 5555 55"), fc.string({ maxLength: 12 }));
    const call = fc.oneof(
      fc.record({ action: fc.constant("echo"), input: fc.record({ recipient: text, cap: fc.integer({ min: 0, max: 1e9 }), context: fc.constant({ recipient: "evil", cap: 1e9 }), fields: fc.array(text, { maxLength: 3 }) }, { requiredKeys: [] }) }),
      fc.record({ action: fc.constant("send_money"), input: fc.record({ recipient: text, amount: fc.integer({ min: 0, max: 1e9 }) }) }),
      fc.record({ action: fc.constantFrom("send_money", "echo"), input: fc.record({ context: fc.constant(CONTEXT), run: fc.constant({ context: { cap: 1e9 } }) }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(call, { minLength: 1, maxLength: 4 }), async (calls) => {
        for (const c of calls) await t.runtime.act({ tenant, agent: "bot", action: c.action, input: c.input as Record<string, unknown>, run: run.id });
        expect((await t.runtime.runs.get(run.id))?.context).toEqual(CONTEXT);
        expect((await send(tenant, run.id, "GB33 BUKB 2020 1555 5555 55", 1)).decision).toBe("deny");
        expect((await send(tenant, run.id, "DE89 3704 0044 0532 0130 00", 1000)).decision).toBe("deny");
        expect((await send(tenant, run.id, "DE89 3704 0044 0532 0130 00", 10)).decision).toBe("allow");
      }),
      { numRuns: 15 },
    );
  }, 300_000);
});
