/**
 * Who calls the control API and what they may do (spec/control-server.md, "Roles"). A
 * caller has a name (recorded with every change it makes) and roles:
 *
 * - `operator`: the tenants' lifecycle, provisioning and plan changes; reads everything;
 * - `approver:<group>`: grants and rejects the approvals of `<group>` (and reads them);
 * - `auditor`: queries, verifies and exports the audit log;
 * - `billing`: billing events, usage records and exports.
 *
 * Every role reads tenants, plans, runs and decisions.
 */
export type Role = "operator" | "auditor" | "billing" | `approver:${string}`;

export interface Caller {
  /** `token:<id>` for an API token, the `sub` (or `email`) of an OIDC token. */
  readonly name: string;
  readonly roles: readonly Role[];
  /** What the rate limit counts by: the token's id or the JWT subject. */
  readonly key: string;
}

const GROUP = /^[a-z][a-z0-9_]{0,62}$/;

/** A role as written (`operator`, `approver:finance`…), or undefined when it is none. */
export function parseRole(text: string): Role | undefined {
  if (text === "operator" || text === "auditor" || text === "billing") return text;
  if (text.startsWith("approver:") && GROUP.test(text.slice("approver:".length))) return text as Role;
  return undefined;
}

/** The groups the caller approves for. */
export function approverGroups(caller: Caller): string[] {
  return caller.roles.flatMap((r) => (r.startsWith("approver:") ? [r.slice("approver:".length)] : []));
}

export type Need = "read" | "operate" | "audit" | "billing" | "approve";

/** Whether the caller's roles allow `need` (`approve`: any approver role; the group is checked on the approval). */
export function allows(caller: Caller, need: Need): boolean {
  const has = (r: Role) => caller.roles.includes(r);
  switch (need) {
    case "read":
      return caller.roles.length > 0;
    case "operate":
      return has("operator");
    case "audit":
      return has("auditor") || has("operator");
    case "billing":
      return has("billing") || has("operator");
    case "approve":
      return approverGroups(caller).length > 0;
  }
}
