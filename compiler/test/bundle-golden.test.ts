/**
 * Golden bundles: each folder of compiler/test/samples/bundle/ is a project, and its
 * `bundle.json` the bundle `paybillc build` must write for it, byte for byte. Read the
 * expectation when it changes: `UPDATE_SNAPSHOTS=1 npx vitest run compiler/test/bundle-golden.test.ts`
 * rewrites it; `FILTER=<case>` runs one.
 */
import { readdirSync, } from "node:fs";
import { join } from "node:path";
import { loadBundle } from "@paybill/runtime";
import { describe, expect, it } from "vitest";
import { expectGolden } from "../../lang/test/support/golden.js";
import { emitOk, ROOT, sourcesIn } from "./support/bundle.js";

const SAMPLES = join(ROOT, "compiler/test/samples/bundle");
const filter = process.env.FILTER;

describe("golden bundles", () => {
  const cases = readdirSync(SAMPLES, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && (filter === undefined || entry.name === filter))
    .map((entry) => entry.name);

  it("there is at least one case", () => {
    expect(cases.length).toBeGreaterThan(0);
  });

  for (const name of cases) {
    it(name, () => {
      const dir = join(SAMPLES, name);
      const { text } = emitOk(sourcesIn(dir));
      const expected = join(dir, "bundle.json");
      expectGolden(expected, text);
      expect(loadBundle(text).hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    });
  }
});
