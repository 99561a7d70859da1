/**
 * A small two-file project (package `shop`) the language server tests share: it checks
 * clean, and names cross files (an entity in one, the action, agent and policy using it in
 * the other).
 */
export const DATA = `package shop

// A customer's order.
entity Order {
  id     uuid @id
  amount decimal
  status enum(open, closed)
}
`;

export const RULES = `package shop

agent bot { roles = [support] }

action close_order {
  input { order: Order.id, reason: string(max: 100) }
  effect update Order(input.order) set { status = closed }
}

policy bot_closes {
  permit bot to close_order when resource.amount < 100.0 && input.reason != ""
}
`;

export const PROJECT = { "data.paybill": DATA, "rules.paybill": RULES };

/** Puts the cursor marker at the `nth` occurrence (0-based) of `needle`, `shift` characters in. */
export function mark(text: string, needle: string, shift = 0, nth = 0): string {
  let at = -1;
  for (let i = 0; i <= nth; i++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`\`${needle}\` not found`);
  }
  return `${text.slice(0, at + shift)}‸${text.slice(at + shift)}`;
}
