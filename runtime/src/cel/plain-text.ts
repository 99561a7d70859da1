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
