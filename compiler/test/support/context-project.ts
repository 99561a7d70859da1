/**
 * A project whose workflow `pay` declares a run context (and `plain` none), with a permit
 * reading `run.context` and a forbid using `from_context`: the bundle and SDK tests of run
 * contexts share it.
 */
export const CONTEXT_PROJECT = `agent bot {}
action send_money { input { recipient: string(max: 100), amount: decimal } }
policy p {
  permit bot to send_money when input.amount <= run.context.cap
  forbid any agent to send_money when !from_context(input.recipient)
}
workflow pay {
  agent = bot
  context { recipient: string(max: 100), cap: decimal, fields: list(string, max: 8)? }
  start asking
  state asking { allow send_money next done }
  state done { final }
}
workflow plain {
  agent = bot
  start asking
  state asking { allow send_money next done }
  state done { final }
}
`;
