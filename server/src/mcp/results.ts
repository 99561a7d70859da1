/**
 * What a tool call answers, from what the runtime decided: an allowed action is a result
 * (the effect's row or written key, as JSON); a denial is a tool error carrying every
 * reason (rule ids, their conditions, messages); a pending action is not an error but says
 * which group's approval it awaits and the approval's id; a refusal the runtime throws
 * (PBR1xx–PBR2xx: an unknown run, a move along no edge or not the agent's) is a tool error
 * with its message and help. An unknown tool or one the state does not allow is act's
 * denial (audited), with `help` naming the tools allowed now.
 * A host action (`effect host`) allowed says it was approved and is being performed by the
 * host, with the performance id the host reports on (spec/mcp.md).
 * An agent reads the text; a host reads the same facts in `structuredContent`.
 */
import type { ActResult, Bundle, Reason } from "@paybill/runtime";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";

export function actAnswer(bundle: Bundle, action: string, result: ActResult, help?: string): CallToolResult {
  if (result.decision === "allow" && result.perform !== undefined) {
    // A host effect: allowed, and performed by the host, which reports the outcome to the runtime (not to the agent).
    const text =
      `approved: \`${action}\` is being performed by the host (performance ${result.perform.id}); ` +
      "the host reports its outcome to Paybill — do not call it again to retry or to confirm";
    return {
      content: [{ type: "text", text }],
      structuredContent: { decision: "allow", action, performedBy: "host", performance: result.perform.id, auditId: result.auditId },
    };
  }
  if (result.decision === "allow") {
    const structured = { decision: "allow", action, result: result.result ?? null, auditId: result.auditId, reasons: result.reasons };
    return { content: [{ type: "text", text: JSON.stringify(result.result ?? null) }], structuredContent: structured };
  }
  const reasons = result.reasons.map((reason) => ({ ...reason, text: reasonText(bundle, reason) }));
  if (result.decision === "pending") {
    const group = result.reasons.find((r) => r.kind === "approval")?.group ?? "";
    const text =
      `pending: \`${action}\` awaits approval from group \`${group}\` (approval ${result.approvalId ?? "?"}); ` +
      `it is performed once someone in \`${group}\` grants it and the host resumes it — do not call it again`;
    return {
      content: [{ type: "text", text }],
      structuredContent: { decision: "pending", action, group, approvalId: result.approvalId ?? null, auditId: result.auditId, reasons },
    };
  }
  const text = `denied: \`${action}\` was not performed\n${reasons.map((r) => `- ${r.text}`).join("\n")}${help === undefined ? "" : `\nhelp: ${help}`}`;
  return { isError: true, content: [{ type: "text", text }], structuredContent: { decision: "deny", action, auditId: result.auditId, reasons } };
}

/** A reason as one line: the rule and its condition for a policy's, the message for a check's. */
export function reasonText(bundle: Bundle, reason: Reason): string {
  switch (reason.kind) {
    case "permit":
    case "forbid": {
      const when = bundle.policies.find((p) => p.name === reason.policy)?.rules.find((r) => r.id === reason.rule)?.when?.cel;
      return `${reason.kind === "forbid" ? "forbidden" : "permitted"} by policy \`${reason.policy}\` (rule \`${reason.rule}\`)${when === undefined ? "" : ` when ${when}`}`;
    }
    case "error":
    case "cost":
      return `rule \`${reason.rule}\` of policy \`${reason.policy}\` could not be evaluated (a ${reason.effect} that errs ${reason.effect === "permit" ? "does not permit" : "denies"}): ${reason.message}`;
    case "input":
      return `input: ${reason.message} (at \`${reason.path}\`)`;
    case "feature":
      return `feature \`${reason.feature}\`: ${reason.message}`;
    case "approval":
      return `approval from \`${reason.group}\`: ${reason.message}`;
    default:
      return `${reason.kind}: ${reason.message}`;
  }
}

/** A tool error: the text, and the same in `structuredContent.error`. */
export function errorAnswer(code: string, message: string, help: string, extra: Record<string, unknown> = {}): CallToolResult {
  return {
    isError: true,
    content: [{ type: "text", text: `error[${code}]: ${message}\nhelp: ${help}` }],
    structuredContent: { error: { code, message, help, ...extra } },
  };
}
