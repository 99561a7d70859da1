/**
 * Decoding string literals (CEL's rules, which `.paybill` values share): quotes `"` `'`,
 * triple quotes, the raw prefix `r`, and the escapes `\\ \" \' \` \? \a \b \f \n \r \t \v`,
 * `\xHH`, `\uHHHH`, `\UHHHHHHHH` and three-digit octal `\ooo`.
 */

export interface Decoded {
  readonly value: string;
  /** The first invalid escape, as offsets into the literal. */
  readonly error?: { readonly offset: number; readonly end: number; readonly text: string };
}

const SIMPLE: Record<string, string> = {
  "\\": "\\", '"': '"', "'": "'", "`": "`", "?": "?", a: "\u0007", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v",
};

export function decodeString(raw: string): Decoded {
  let i = 0;
  let isRaw = false;
  while (i < raw.length && raw[i] !== '"' && raw[i] !== "'") {
    if (raw[i] === "r" || raw[i] === "R") isRaw = true;
    i++;
  }
  const quote = raw[i] ?? '"';
  const triple = raw.startsWith(quote.repeat(3), i);
  const open = triple ? 3 : 1;
  const bodyStart = i + open;
  const closes = raw.length - bodyStart >= open && raw.endsWith(quote.repeat(open));
  const bodyEnd = closes ? raw.length - open : raw.length;
  const body = raw.slice(bodyStart, bodyEnd);
  if (isRaw || !body.includes("\\")) return { value: body };
  let value = "";
  let error: Decoded["error"];
  for (let j = 0; j < body.length; j++) {
    const c = body[j];
    if (c !== "\\") {
      value += c;
      continue;
    }
    const e = body[j + 1] ?? "";
    const simple = SIMPLE[e];
    if (simple !== undefined) {
      value += simple;
      j++;
      continue;
    }
    const hexLength = e === "x" || e === "X" ? 2 : e === "u" ? 4 : e === "U" ? 8 : 0;
    if (hexLength > 0) {
      const digits = body.slice(j + 2, j + 2 + hexLength);
      const code = Number.parseInt(digits, 16);
      if (digits.length === hexLength && /^[0-9a-fA-F]+$/.test(digits) && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff)) {
        value += String.fromCodePoint(code);
        j += 1 + hexLength;
        continue;
      }
    } else if (/[0-3]/.test(e)) {
      const digits = body.slice(j + 1, j + 4);
      if (/^[0-3][0-7][0-7]$/.test(digits)) {
        value += String.fromCharCode(Number.parseInt(digits, 8));
        j += 3;
        continue;
      }
    }
    error ??= { offset: bodyStart + j, end: bodyStart + j + 2, text: body.slice(j, j + 2) };
    value += e;
    j++;
  }
  return error === undefined ? { value } : { value, error };
}
