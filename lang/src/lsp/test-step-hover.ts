/**
 * Hover on the words of a test's run steps (`given context { … }`, `given untrusted "…"`):
 * what the step gives the test's run, in short (spec/language.md §5.9). Only the step's
 * words: its record's values and its string are not the step's.
 */
import type { Located } from "./locate.js";

const DOCS: Readonly<Record<string, string>> = {
  GivenContext: [
    "**given context** — the run's trusted context, as the host starts the run with it (`runs.start`): conditions read it as `run.context.<field>`, and `from_context(x)` tests a value against it.",
    "Checked against the workflow's `context { … }` (PB4102–PB4105). Without it the test's run has no context: `run.context.x` errs (fail closed) and `from_context` is false.",
  ].join("\n\n"),
  GivenUntrusted: [
    "**given untrusted** — a value the run has seen in untrusted output, as a read of an `@untrusted` field or `runtime.runs.observe` records it: `untrusted(x)` matches it by the runtime's rules (normalised; contained either way from 4 characters).",
    "Repeat the step for more values. Without it the run is fresh: `untrusted(x)` is false.",
  ].join("\n\n"),
};

/** The step's doc and the span of its words, when `offset` is on `given context` or `given untrusted …`. */
export function testStepAt(path: readonly Located[], text: string, offset: number): { doc: string; span: { start: number; end: number } } | undefined {
  const step = path.at(-1);
  if (step === undefined || (step.kind !== "GivenContext" && step.kind !== "GivenUntrusted")) return undefined;
  const doc = DOCS[step.kind];
  const words = /^given\s+(?:context|untrusted)/.exec(text.slice(step.span.start, step.span.end));
  if (doc === undefined || words === null || offset > step.span.start + words[0].length) return undefined;
  return { doc, span: { start: step.span.start, end: step.span.start + words[0].length } };
}
