/**
 * The shape of a text that every normalisation of the runtime's matching leaves as it is
 * (from_context's NFC, untrusted()'s NFKC, both with their whitespace rule and lower case):
 * printable ASCII words with single spaces between them. Tested with regular expressions,
 * which V8 runs faster here than a loop over the characters; most values are of this shape,
 * so the Unicode work is skipped for them.
 */

/** Printable ASCII words with single spaces between them, no upper case: normalising changes nothing. */
export const LOWER_PLAIN = /^[!-@[-~]+(?: [!-@[-~]+)*$/;

/** Printable ASCII words with single spaces between them: normalising only lower-cases. */
export const PLAIN = /^[!-~]+(?: [!-~]+)*$/;

/**
 * `LOWER_PLAIN.test(text)`, remembered for the last text within one decision: a rule like
 * `!from_context(input.x) && untrusted(input.x)` tests the same value twice. The decider
 * forgets it when a decision starts (`forgetPlain`): the answer is right whenever it is
 * used (it depends on the text alone), but a decision gains only from its own repeats.
 */
let lastText: string | undefined;
let lastAnswer = false;

export function isLowerPlain(text: string): boolean {
  if (text === lastText) return lastAnswer;
  lastAnswer = LOWER_PLAIN.test(text);
  lastText = text;
  return lastAnswer;
}

/** Forgets the remembered text (the decider, as each decision starts). */
export function forgetPlain(): void {
  lastText = undefined;
}
