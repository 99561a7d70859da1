/**
 * The bundle emitter hashes the bundle by sorting it once and writing it with
 * `JSON.stringify` (emit/bundle/json.ts): for every JSON value that is the runtime's
 * canonical-JSON hash (`bundleHash`), and the file text of the sorted value is the file text
 * of the unsorted one.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bundleHash } from "../../runtime/src/bundle/canonical.js";
import { bundleText, sortedWithHash } from "../src/emit/bundle/json.js";

const json = fc.jsonValue({ maxDepth: 5 });
const content = fc.dictionary(fc.string(), json);

describe("sortedWithHash", () => {
  it("gives the runtime's bundle hash for any content", () => {
    fc.assert(
      fc.property(content, (value) => {
        expect(sortedWithHash(value).hash).toBe(bundleHash(value));
      }),
      { numRuns: 500 },
    );
  });

  it("leaves the file text as it was, sorted once or twice", () => {
    fc.assert(
      fc.property(content, (value) => {
        const { sorted } = sortedWithHash(value);
        expect(bundleText(sorted)).toBe(bundleText(value));
        expect(bundleText({ ...sorted, hash: "h" })).toBe(bundleText({ ...value, hash: "h" }));
      }),
      { numRuns: 300 },
    );
  });
});
