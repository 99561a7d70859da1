/**
 * Hover on the words of a `require approval from G … timeout d` rule (`require approval
 * from`, and `timeout`): what the rule does, in short (spec/language.md §5.7). The group's
 * name itself is a reference, described by hover.ts like any declared name.
 */
import type { Rule } from "../ast/nodes.js";
import type { Unit } from "../2-resolve/symbols.js";
import type { Span } from "../source/source-file.js";
import { pathAt } from "./locate.js";

const TEXT = [
  "**require approval** — the action waits (`pending`) for an approval from the group whenever this rule applies and its condition holds.",
  "It never permits: the action still needs a permit, and any forbid still denies. A member of the group, named by the host, grants it; an agent never can.",
  "`timeout d`: the approval expires if it is not granted and resumed within `d`.",
].join("\n\n");

/** The hover text and the span of the rule's keyword under `offset`, if it is one. */
export function approvalKeywordAt(unit: Unit, offset: number): { text: string; span: Span } | undefined {
  const rule = pathAt(unit.ast, offset).find((n): n is Rule => n.kind === "Rule" && (n as Rule).approval !== undefined) as Rule | undefined;
  const approval = rule?.approval;
  if (rule === undefined || approval === undefined) return undefined;
  const head = { start: rule.span.start, end: approval.group.span.start };
  if (offset >= head.start && offset < head.end) return { text: TEXT, span: head };
  const timeout = approval.timeout;
  if (timeout !== undefined) {
    const word = { start: rule.condition?.span.end ?? rule.actions[rule.actions.length - 1]?.span.end ?? timeout.span.start, end: timeout.span.end };
    if (offset > word.start && offset <= word.end) return { text: TEXT, span: word };
  }
  return undefined;
}
