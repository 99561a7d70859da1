/**
 * The pure parts of "every attempt audited, nothing raw" as laws: the input as stored is
 * exactly what `JSON.stringify` then `JSON.parse` made of it before (bigints aside); a string
 * with a NUL or a lone surrogate anywhere is refused with a path; what a record keeps is
 * always storable, bounded when denied, and never shows a masked value.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { auditInput, boundInput, DENIED_INPUT_BYTES, MASK, maskInput } from "../src/audit/input-record.js";
import { canonicalJson } from "../src/bundle/canonical.js";
import { inputJson, storableJson, storableText, textProblem } from "../src/runs/request-text.js";

const wellFormed = (s: string): boolean => textProblem(s) === undefined;
const storableValue = fc.jsonValue().filter((v) => wellFormed(JSON.stringify(v) ?? ""));
const fullUnicode = fc.string({ unit: "binary", maxLength: 40 });

describe("the input as stored", () => {
  it("law: equals JSON.parse(JSON.stringify(input)) for any object of storable JSON", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), storableValue), (input) => {
        const out = inputJson(input);
        expect(out.ok).toBe(true);
        if (out.ok) {
          expect(out.stored).toEqual(JSON.parse(JSON.stringify(input)));
          expect(out.value).toEqual(out.stored);
        }
      }),
    );
  });

  it("law: a NUL or lone surrogate anywhere (value or key, at any depth) is refused with a storable path", () => {
    const bad = fc.tuple(fc.string(), fc.constantFrom("\u0000", "\uD800", "\uDFFF"), fc.string()).map(([a, b, c]) => a + b + c);
    fc.assert(
      fc.property(bad, fc.constantFrom("value", "key", "list", "deep"), (text, spot) => {
        const input = spot === "value" ? { a: text } : spot === "key" ? { [text]: 1 } : spot === "list" ? { a: [1, text] } : { a: { b: [{ [text]: text }] } };
        const out = inputJson(input);
        expect(out.ok).toBe(false);
        if (!out.ok) {
          expect(out.message).toMatch(/cannot be stored$/);
          expect(wellFormed(out.path)).toBe(true);
        }
      }),
    );
  });

  it("keeps an unsafe bigint for the decider and stores its digits; a safe one is a number", () => {
    const out = inputJson({ big: 2n ** 62n, small: 5n, at: new Date(0), gone: undefined, list: [undefined, Number.NaN] });
    expect(out).toEqual({
      ok: true,
      value: { big: 2n ** 62n, small: 5, at: "1970-01-01T00:00:00.000Z", list: [null, null] },
      stored: { big: (2n ** 62n).toString(), small: 5, at: "1970-01-01T00:00:00.000Z", list: [null, null] },
    });
  });

  it("law: storableText and storableJson always give storable text, and change nothing storable", () => {
    fc.assert(
      fc.property(fullUnicode, (text) => {
        const out = storableText(text);
        expect(wellFormed(out)).toBe(true);
        if (wellFormed(text)) expect(out).toBe(text);
        expect(wellFormed(JSON.stringify(storableJson({ [text]: [text] })))).toBe(true);
      }),
    );
  });
});

describe("what the record keeps of the input", () => {
  it("law: a denied input is at most a kibibyte of prefix plus a digest, its prefix storable and a prefix of its canonical JSON", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.oneof(fc.string({ unit: "grapheme", maxLength: 2000 }), storableValue)), (input) => {
        const kept = boundInput(input);
        const text = canonicalJson(input);
        if (Buffer.byteLength(text) <= DENIED_INPUT_BYTES) expect(kept).toBe(input);
        else {
          const prefix = String(kept["$prefix"]);
          expect(Buffer.byteLength(prefix)).toBeLessThanOrEqual(DENIED_INPUT_BYTES);
          expect(Buffer.byteLength(prefix)).toBeGreaterThan(DENIED_INPUT_BYTES - 4);
          expect(text.startsWith(prefix)).toBe(true);
          expect(wellFormed(prefix)).toBe(true);
          expect(kept["$bytes"]).toBe(Buffer.byteLength(text));
        }
      }),
    );
  });

  it("law: a masked field's value appears nowhere in what is kept, allowed or denied, keyed or not", () => {
    const action = { name: "a", input: [{ name: "pw", type: { kind: "string" as const }, optional: false, pii: false, secret: true as const }], requires: [] };
    fc.assert(
      fc.property(fc.string({ minLength: 8 }).filter((s) => wellFormed(s) && !s.includes("*")), fc.string(), fc.constantFrom("allow", "deny", "pending"), fc.boolean(), (pw, other, decision, keyed) => {
        const key = keyed ? new Uint8Array(32).fill(7) : undefined;
        const kept = auditInput({ pw, other: other + "x".repeat(2000) }, action, decision, key);
        expect(canonicalJson(kept)).not.toContain(JSON.stringify(pw).slice(1, -1));
        if (!keyed && decision !== "deny") expect(kept["pw"]).toBe(MASK);
      }),
    );
    expect(maskInput({ a: 1 }, ["b"], undefined)).toEqual({ a: 1 });
  });
});
