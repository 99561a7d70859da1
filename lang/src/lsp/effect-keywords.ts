/**
 * Hover text for the keywords of host effects and list reads (`effect host`,
 * `effect read many E where … limit N`): what each means, at the word under the cursor
 * inside such an effect. Must not present anything else.
 */
import type { Located } from "./locate.js";

const DOCS: Readonly<Record<string, string>> = {
  host: "`effect host`: the host performs this action once it is allowed (an external payment, an email) and reports the outcome with `runtime.report`; the act returns what to perform",
  many: "`effect read many`: a bounded list read of the tenant's rows, in key order",
  where: "`where`: which rows a list read returns: comparisons of `row.<field>` with values that do not read `row`, joined by `&&` and `||` (run as SQL)",
  limit: "`limit N`: the most rows a list read returns, 1 to 100",
};

/** The keyword's doc and its span, when `offset` is on `host`, `many`, `where` or `limit` of such an effect. */
export function effectKeywordAt(path: readonly Located[], text: string, offset: number): { doc: string; span: { start: number; end: number } } | undefined {
  const effect = path.find((n) => n.kind === "HostEffect" || (n.kind === "Effect" && (n as { many?: true }).many === true));
  if (effect === undefined) return undefined;
  let start = offset;
  while (start > 0 && /\w/.test(text[start - 1] ?? "")) start--;
  let end = offset;
  while (end < text.length && /\w/.test(text[end] ?? "")) end++;
  const word = text.slice(start, end);
  // Only the keyword itself: a CEL name `where` inside the condition is a CEL node, found first.
  if (path.at(-1) !== effect) return undefined;
  const doc = Object.hasOwn(DOCS, word) ? DOCS[word] : undefined;
  return doc === undefined || (effect.kind === "HostEffect") !== (word === "host") ? undefined : { doc, span: { start, end } };
}
