/**
 * The bundle of the run-context tests (run-context.test.ts, bench): a payments agent whose
 * workflow `pay` declares a trusted context (recipient, cap, fields), a workflow `plain`
 * without one, a permit bounded by `run.context.cap` and a forbid on a recipient that is not
 * `from_context`. `echo` takes anything, field names of the context included.
 */
import { bundleHash } from "../../src/bundle/canonical.js";
import type { Bundle } from "../../src/bundle/format.js";
import { action, agent, bundle, field, forbid, permit, plan, policy, state, t, workflow } from "./bundle-builder.js";

export function contextBundle(): Bundle {
  const pay = workflow("pay", "bot", [state("asking", { allow: ["send_money", "echo"], next: ["done"] }), state("done", { final: true })]);
  const built = bundle({
    actions: [
      action("send_money", [field("recipient", t.string(100)), field("amount", t.decimal())]),
      action("echo", [
        field("recipient", t.string(), { optional: true }),
        field("cap", t.decimal(), { optional: true }),
        field("context", t.json, { optional: true }),
        field("fields", t.list(t.string()), { optional: true }),
      ]),
    ],
    agents: [agent("bot")],
    policies: [
      policy("echo_ok", permit(["bot"], ["echo"])),
      policy("within_cap", permit(["bot"], ["send_money"], "input.amount <= run.context.cap")),
      policy("recipient_from_user", forbid("*", ["send_money"], "!from_context(input.recipient)")),
    ],
    workflows: [
      { ...pay, context: [field("recipient", t.string(100)), field("cap", t.decimal()), field("fields", t.list(t.string()), { optional: true })] },
      workflow("plain", "bot", [state("asking", { allow: ["send_money", "echo"], next: ["done"] }), state("done", { final: true })]),
    ],
    plans: [plan("business", [])],
  });
  const { hash: _placeholder, ...body } = built;
  return { ...body, hash: bundleHash(body) } as Bundle;
}
