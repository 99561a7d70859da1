/**
 * The bundle of the audit-integrity tests (act-attempts.test.ts): accounts with a bounded
 * balance and a 64-bit counter, notes that reference an account (a foreign key), a
 * password change with a `@secret` input that waits for an approval in a workflow, an
 * `echo` action without an effect that takes strings, lists and JSON of any size, and an
 * action whose effect reads an optional input (a bundle `check` would now refuse, PB4040).
 */
import { bundleHash } from "../../src/bundle/canonical.js";
import type { Bundle } from "../../src/bundle/format.js";
import { action, agent, bundle, effect, entity, field, permit, plan, policy, state, t, workflow } from "./bundle-builder.js";

const accountRef = (name: string) => field(name, t.uuid, { references: { entity: "Account", field: "id" } });

export function attemptsBundle(): Bundle {
  const built = bundle({
    entities: [
      entity("Account", [field("id", t.uuid, { id: true }), field("name", t.string(100)), field("balance", t.decimal(5, 2)), field("counter", t.int), field("secret_hash", t.string(200), { optional: true })]),
      entity("Note", [field("id", t.uuid, { id: true }), accountRef("account"), field("text", t.string(200))]),
    ],
    actions: [
      action("open_account", [field("name", t.string(100))], { effect: effect("insert", "Account", undefined, { name: "input.name", balance: "0.0", counter: "0" }) }),
      action("add_note", [accountRef("account"), field("text", t.string(200))], { effect: effect("insert", "Note", undefined, { account: "input.account", text: "input.text" }) }),
      action("set_balance", [accountRef("account"), field("amount", t.decimal())], { effect: effect("update", "Account", "input.account", { balance: "input.amount" }) }),
      action("set_counter", [accountRef("account"), field("n", t.int)], { effect: effect("update", "Account", "input.account", { counter: "input.n" }) }),
      action("rename", [accountRef("account"), field("name", t.string(100), { optional: true })], { effect: effect("update", "Account", "input.account", { name: "input.name" }) }),
      {
        ...action("update_password", [accountRef("account"), { ...field("password", t.string(200)), secret: true }, field("note", t.string(100), { optional: true })], {
          effect: effect("update", "Account", "input.account", { secret_hash: '"set"' }),
        }),
      },
      action("sign_up", [field("name", t.string(100)), field("email", t.string(200), { pii: true })]),
      action("echo", [field("text", t.string(), { optional: true }), field("tags", t.list(t.string()), { optional: true }), field("data", t.json, { optional: true }), field("n", t.int, { optional: true })]),
    ],
    agents: [agent("bot")],
    policies: [policy("bot_works", permit(["bot"], ["open_account", "add_note", "set_balance", "set_counter", "rename", "update_password", "sign_up", "echo"]))],
    workflows: [workflow("secure", "bot", [state("change", { allow: ["update_password"], approval: "security", next: ["done"] }), state("done", { final: true })])],
    plans: [plan("basic", [])],
  });
  const { hash: _placeholder, ...body } = built;
  return { ...body, hash: bundleHash(body) } as Bundle;
}
