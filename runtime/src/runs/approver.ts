/**
 * Who may grant or reject an approval (spec/runtime.md, Approvals): the identity the host
 * passes as `by`, with the groups the host says it belongs to (`groups`). The runtime does
 * not know people; it checks what it can:
 *
 * - `by` is never the name of an agent of the bundle (PBR221): an agent asks, it never
 *   decides, whatever the host passes on its behalf;
 * - `groups`, when given, is a list of names, and must include the approval's group;
 * - for a group declared in the bundle (`group g { … }`), `groups` is required: the host
 *   must say the approver belongs to it (PBR220 otherwise). A workflow state's group that
 *   is not declared keeps the older contract: `by` is recorded as given.
 */
import type { Bundle } from "../bundle/format.js";
import { PaybillRuntimeError } from "../store/errors.js";
import type { ApprovalRequest } from "./approvals.js";
import { requireStorableText } from "./request-text.js";

export interface Approver {
  /** The person or service deciding: never an agent's name. */
  readonly by: string;
  readonly note?: string;
  /** The approval groups the host says `by` belongs to. */
  readonly groups?: readonly string[];
}

/** `groups` read (PBR220 when it is not a list of names), sorted and unique; undefined without it. */
export function approverGroups(bundle: Bundle, approver: Approver): string[] | undefined {
  if (Object.hasOwn(bundle.agents, approver.by)) {
    throw new PaybillRuntimeError(
      "PBR221",
      `\`${approver.by}\` is an agent, and an agent never grants or rejects an approval`,
      "pass the person or service that decided as `by` (with the `groups` it belongs to)",
    );
  }
  const groups = approver.groups;
  if (groups === undefined) return undefined;
  if (!Array.isArray(groups) || groups.some((g) => typeof g !== "string" || g.length === 0)) {
    throw new PaybillRuntimeError("PBR220", "`groups` must be a list of group names", "pass `{ by, groups: [\"account_holder\"] }`: the groups the approver belongs to");
  }
  for (const group of groups) requireStorableText(group, "a group in `groups`");
  return [...new Set(groups as string[])].sort();
}

/** PBR220 unless `by` may decide `approval`: a member by `groups`, required for a declared group. */
export function requireMember(bundle: Bundle, approval: ApprovalRequest, by: string, groups: readonly string[] | undefined): void {
  const declared = bundle.groups?.includes(approval.group) === true;
  if (groups === undefined ? !declared : groups.includes(approval.group)) return;
  throw new PaybillRuntimeError(
    "PBR220",
    groups === undefined
      ? `approval \`${approval.id}\` waits for the group \`${approval.group}\`, and no \`groups\` say \`${by}\` belongs to it`
      : `\`${by}\` is not in the group \`${approval.group}\` that approval \`${approval.id}\` waits for (groups given: ${groups.map((g) => `\`${g}\``).join(", ") || "none"})`,
    `only a member of \`${approval.group}\` decides it: pass \`{ by, groups: ["${approval.group}"] }\` for an approver the host knows belongs to it`,
  );
}
