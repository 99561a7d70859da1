/**
 * A lookup in a `require approval … when` rule (`!exists(Payee, p, p.iban == input.recipient)`)
 * is answered like one in a permit or forbid: the decider lists it among the request's
 * lookups, so the runtime asks it, and the rule waits only when it says so. Before, only
 * permits' and forbids' lookups were asked, and such a rule erred (denied) on every request.
 */
import { Decider } from "@paybill/runtime";
import { describe, expect, it } from "vitest";
import { emitOk } from "./support/bundle.js";

const SOURCE = `import std.isolation.{pooled}
plan basic { price = 0, isolation = pooled }
tenant acme { plan = basic }
agent assistant {}
group account_holder {}
entity Payee {
  id   uuid @id
  iban string(max: 34) @unique
}
action send_money {
  input { recipient: string(max: 34), amount: decimal }
}
policy payments {
  permit assistant to send_money
  require approval from account_holder to send_money when !exists(Payee, p, p.iban == input.recipient)
}
`;

describe("a lookup in an approval rule", () => {
  const decider = new Decider(emitOk({ "bank.paybill": SOURCE }).bundle);
  const request = { tenant: { id: "acme", plan: "basic", state: "active" }, agent: "assistant", action: "send_money", input: { recipient: "DE89370400440532013000", amount: 5 } } as const;

  it("is among the request's lookups, and decides whether the action waits", () => {
    const [query] = decider.lookups(request);
    expect(query).toMatchObject({ entity: "Payee", where: [{ field: "iban", value: "DE89370400440532013000" }] });
    const key = String(query?.key);
    expect(decider.decide({ ...request, lookups: { [key]: true } }).decision).toBe("allow");
    const waiting = decider.decide({ ...request, lookups: { [key]: false } });
    expect(waiting.decision).toBe("pending");
    expect(waiting.reasons[0]).toMatchObject({ kind: "approval", group: "account_holder", rule: "payments#1" });
  });
});
