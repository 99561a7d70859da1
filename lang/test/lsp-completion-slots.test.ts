// Completion offers only what is valid at the cursor where one kind of name is: after
// `permit` agents and groups, after `to` actions, after `effect update` entities, after
// `requires feature` features, in a test after `as` agents, `at` the workflow's states, `do` actions.
import { afterEach, describe, expect, it } from "vitest";
import { cursor, startServer, type TestServer } from "./support/lsp-client.js";
import { DATA, RULES } from "./support/lsp-fixture.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

const PLANS = `package shop

plan basic { price = 10 usd per month, features = [refunds] }

workflow closing {
  agent = bot
  start open_up
  state open_up { allow close_order next wrap_up }
  state wrap_up { final }
}
`;

describe("lsp completion slots", () => {
  it("offers only the names of the kind the cursor takes", async () => {
    server = await startServer({ "data.paybill": DATA, "rules.paybill": RULES, "plans.paybill": PLANS });
    const s = server;
    await s.diagnostics("plans.paybill"); // (a plan without `isolation`: an error of its own, beside the point here)
    await s.open("rules.paybill", RULES);
    expect(await s.diagnostics("rules.paybill", 1)).toEqual([]);
    const labels = async (marked: string): Promise<string[]> => {
      const { text, position } = cursor(marked);
      const version = await s.replace("rules.paybill", text);
      await s.diagnostics("rules.paybill", version);
      const items = await s.request<{ label: string }[]>("textDocument/completion", { textDocument: { uri: s.uri("rules.paybill") }, position });
      return items.map((i) => i.label).sort();
    };
    const rule = "  permit bot to close_order when";
    expect(await labels(RULES.replace(rule, "  permit b‸"))).toEqual(["any", "bot", "role"]);
    expect(await labels(RULES.replace(rule, "  permit any ‸"))).toEqual(["agent"]);
    expect(await labels(RULES.replace(rule, "  permit bot to ‸"))).toEqual(["any", "close_order", "delete", "insert", "read", "update"]);
    expect(await labels(RULES.replace(rule, "  permit bot to close_order, read ‸"))).toEqual(["Order"]);
    expect(await labels(RULES.replace("effect update Order", "effect update ‸"))).toEqual(["Order"]);
    expect(await labels(RULES.replace("  effect update", "  requires feature ‸\n  effect update"))).toEqual(["refunds"]);
    const test = (step: string): string => `${RULES}\ntest "t" {\n  ${step}\n}\n`;
    expect(await labels(test("as ‸"))).toEqual(["bot"]);
    expect(await labels(test("as bot in closing at ‸"))).toEqual(["open_up", "wrap_up"]);
    expect(await labels(test("as bot\n  do ‸"))).toEqual(["close_order"]);
    // In a condition, everything CEL allows is still offered.
    expect(await labels(RULES.replace("when resource.amount", "when ‸resource.amount"))).toContain("resource");
  });
});
