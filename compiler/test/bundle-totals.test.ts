/**
 * Totals over windows from source to decision: `total(…)` and `count(…)` in a policy
 * condition become `context.totals["<key>"]` in the bundle, with the counters listed in
 * `totals` (sorted, only when some condition reads one; the example's bundle has none), the
 * runtime loads them, and a runtime opened on the compiled bundle decides on them.
 */
import { bundleHash, entityTablesSql, loadBundle, openRuntime } from "@paybill/runtime";
import { describe, expect, it } from "vitest";
import { emitOk } from "./support/bundle.js";

const SOURCE = `
import std.isolation.{pooled}
plan business { price = 0, isolation = pooled }
agent bot {}
entity Payment { id uuid @id, recipient string, amount decimal(12, 2) }
action send_money {
  input { recipient string, amount decimal(12, 2), times int }
  effect insert Payment set { recipient = input.recipient, amount = input.amount }
}
policy limits {
  permit bot to send_money when total(send_money.amount, per day) + input.amount <= 2000.0 && count(send_money, per hour) < 5
  forbid bot to send_money when total(send_money.times, per week) > 100
}
`;

describe("totals in the bundle", () => {
  const { bundle, text } = emitOk({ "main.paybill": SOURCE });

  it("lists the counters the conditions read and reads them from context.totals", () => {
    expect(bundle.totals).toEqual({
      "count send_money per hour": { kind: "count", action: "send_money", per: "hour", type: "int" },
      "total send_money.amount per day": { kind: "total", action: "send_money", field: "amount", per: "day", type: "double" },
      "total send_money.times per week": { kind: "total", action: "send_money", field: "times", per: "week", type: "int" },
    });
    expect(bundle.policies[0]?.rules.map((r) => r.when?.cel)).toEqual([
      'context.totals["total send_money.amount per day"] + input.amount <= 2000.0 && context.totals["count send_money per hour"] < 5',
      'context.totals["total send_money.times per week"] > 100',
    ]);
    expect(loadBundle(text)).toEqual(bundle);
  });

  it("is refused by the runtime when a counter names what the bundle lacks", () => {
    const { hash: _old, ...content } = JSON.parse(text) as { totals: Record<string, unknown>; hash: string };
    content.totals["total send_money.recipient per day"] = { kind: "total", action: "send_money", field: "recipient", per: "day", type: "double" };
    const broken = { ...content, hash: bundleHash(content) };
    expect(() => loadBundle(broken)).toThrow(
      expect.objectContaining({ code: "PBR006", reason: "the bundle is inconsistent: action `send_money` has no `int`, `decimal` or `money` input field `recipient`", path: `$.totals["total send_money.recipient per day"]` }),
    );
  });

  it("decides on the totals once compiled: the sixth send in an hour and the day's overspend are denied", async () => {
    const runtime = await openRuntime({ bundle });
    try {
      await runtime.database.exec(entityTablesSql(runtime.bundle));
      await runtime.tenants.put({ id: "t1", plan: "business", state: "active" });
      const send = (amount: number) => runtime.act({ tenant: "t1", agent: "bot", action: "send_money", input: { recipient: "bob", amount, times: 1 } });
      const decisions: string[] = [];
      for (const amount of [1500, 600, 400, 100]) decisions.push((await send(amount)).decision);
      expect(decisions).toEqual(["allow", "deny", "allow", "allow"]);
      expect((await runtime.decide({ tenant: "t1", agent: "bot", action: "send_money", input: { recipient: "bob", amount: 0, times: 1 } })).decision).toBe("allow");
      for (let i = 0; i < 2; i++) expect((await send(0)).decision).toBe("allow");
      // Five performed this hour (the denied one does not count): the sixth is refused.
      expect((await send(0)).decision).toBe("deny");
    } finally {
      await runtime.close();
    }
  });
});
