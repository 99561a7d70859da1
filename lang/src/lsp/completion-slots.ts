/**
 * Where a name of one kind only is valid, from the declaration around the cursor and the
 * line before it: after `permit`/`forbid` an agent (or `any`, `role`), after `to` in a rule
 * an action (or `any`, a data access), after `to read` an entity, after `effect update` an entity, after `requires feature` a feature, in a test
 * after `as` an agent, `as a in` a workflow, `at` that workflow's state, `do` an action,
 * `tenant` a tenant, and after `plan =` in a tenant a plan. Completion offers only those
 * there. Must not look names up.
 */
import type { Declaration } from "../ast/nodes.js";
import type { Namespace } from "../2-resolve/symbols.js";

export type Slot = { readonly namespaces: readonly Namespace[]; readonly keywords?: readonly string[] } | { readonly features: true } | { readonly statesOf: string };

const W = "[A-Za-z_]\\w*";
const LIST = `(?:${W}\\s*,\\s*)*(?:${W})?`;
const RULES: readonly [Declaration["kind"], RegExp, Slot | ((m: RegExpExecArray) => Slot)][] = [
  // A principal: an agent, `role r` or `any agent`.
  ["Policy", new RegExp(`\\b(?:permit|forbid)\\s+${LIST}$`), { namespaces: ["agent"], keywords: ["any", "role"] }],
  ["Policy", new RegExp(`\\b(?:permit|forbid)\\s+any\\s+(?:${W})?$`), { namespaces: [], keywords: ["agent"] }],
  // An action: a name, `any action`, or a data access `read Entity`.
  ["Policy", new RegExp(`\\bto\\s+(?:${LIST}\\s*,\\s*)?(?:read|insert|update|delete)\\s+(?:${W})?$`), { namespaces: ["entity"] }],
  ["Policy", new RegExp(`\\b(?:permit|forbid)\\s+.*\\bto\\s+${LIST}$`), { namespaces: ["action"], keywords: ["any", "read", "insert", "update", "delete"] }],
  ["Action", new RegExp(`\\beffect\\s+(?:read|insert|update|delete)\\s+(?:many\\s+)?(?:${W})?$`), { namespaces: ["entity"] }],
  ["Action", new RegExp(`\\brequires\\s+feature\\s+(?:${W})?$`), { features: true }],
  ["Test", new RegExp(`^\\s*as\\s+(?:${W})?$`), { namespaces: ["agent"] }],
  ["Test", new RegExp(`^\\s*as\\s+${W}\\s+in\\s+(?:${W})?$`), { namespaces: ["workflow"] }],
  ["Test", new RegExp(`^\\s*as\\s+${W}\\s+in\\s+(${W})\\s+at\\s+(?:${W})?$`), (m) => ({ statesOf: m[1] ?? "" })],
  ["Test", new RegExp(`^\\s*do\\s+(?:${W})?$`), { namespaces: ["action"] }],
  ["Test", new RegExp(`^\\s*tenant\\s+(?:${W})?$`), { namespaces: ["tenant"] }],
  ["Tenant", new RegExp(`\\bplan\\s*=\\s*(?:${W})?$`), { namespaces: ["plan"] }],
];

export function slotAt(kind: Declaration["kind"] | undefined, before: string): Slot | undefined {
  // Inside a condition anything CEL allows is valid.
  if (/\bwhen\b/.test(before)) return undefined;
  for (const [within, pattern, slot] of RULES) {
    if (within !== kind) continue;
    const m = pattern.exec(before);
    if (m !== null) return typeof slot === "function" ? slot(m) : slot;
  }
  return undefined;
}
