/**
 * A small banking project for the provenance tests: transactions whose `subject` is
 * `@untrusted`, a payment action, and a forbid on paying a recipient that came from
 * untrusted text, in a `banking` workflow of tenant `ada`.
 */
export const BANK_SOURCE = `import std.isolation.{pooled}
plan personal { price = 0 usd per month, isolation = pooled }
tenant ada { plan = personal }
agent assistant {}
entity Transaction @table("bank_transactions") {
  id      uuid @id
  subject string(max: 500) @untrusted
  amount  decimal(12, 2)
}
entity Payment {
  id        uuid @id
  recipient string(max: 64)
  amount    decimal(12, 2)
}
action read_transaction {
  input { transaction: Transaction.id }
  effect read Transaction(input.transaction)
}
action send_money {
  input { recipient: string(max: 64), amount: decimal(12, 2) }
  effect insert Payment set { recipient = input.recipient, amount = input.amount }
}
policy payments {
  permit assistant to read_transaction, send_money
  forbid assistant to send_money when untrusted(input.recipient)
}
workflow banking {
  agent = assistant
  start open
  state open { allow read_transaction, send_money next done }
  state done { final }
}
`;
