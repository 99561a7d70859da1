/**
 * spec/bundle.schema.json is the published shape of a bundle; the runtime checks the same
 * rules by hand (runtime/src/bundle/validate.ts). The example's bundle satisfies the schema,
 * and on generated mutations of it the schema and the runtime agree on what is well-formed.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { structureProblem } from "../../runtime/src/bundle/validate.js";
import { emitOk, HELPDESK, ROOT, sourcesIn } from "./support/bundle.js";
import { JsonSchema } from "./support/json-schema.js";

const schema = new JsonSchema(JSON.parse(readFileSync(join(ROOT, "spec/bundle.schema.json"), "utf8")));
const helpdesk = JSON.parse(emitOk(sourcesIn(HELPDESK)).text) as unknown;
const golden = JSON.parse(readFileSync(join(ROOT, "compiler/test/samples/bundle/small/bundle.json"), "utf8")) as unknown;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every container in the tree with the key or index of each of its members. */
function slots(value: Json): { parent: Json[] | { [key: string]: Json }; key: string | number }[] {
  const found: { parent: Json[] | { [key: string]: Json }; key: string | number }[] = [];
  const walk = (node: Json): void => {
    if (node === null || typeof node !== "object") return;
    for (const [key, item] of Array.isArray(node) ? node.entries() : Object.entries(node)) {
      found.push({ parent: node, key });
      walk(item);
    }
  };
  walk(value);
  return found;
}

const REPLACEMENTS: Json[] = [null, true, 0, -1, 1.5, 7, "", "x", "custom", "read", "uuid", "sha256:00", [], {}, { kind: "any" }, { kind: "list" }, { amount: 1 }, { cel: "" }];

const mutation = fc.record({
  slot: fc.nat(),
  how: fc.constantFrom("replace", "delete", "add"),
  replacement: fc.constantFrom(...REPLACEMENTS),
  name: fc.constantFrom("extra", "kind", "max", "name", "field", "id"),
});

function mutate(original: unknown, m: { slot: number; how: string; replacement: Json; name: string }): unknown {
  const copy = structuredClone(original) as Json;
  const all = slots(copy);
  const target = all[m.slot % all.length];
  if (target === undefined) return copy;
  const { parent, key } = target;
  if (m.how === "replace") (parent as Record<string | number, Json>)[key] = structuredClone(m.replacement);
  else if (m.how === "delete") Array.isArray(parent) ? parent.splice(key as number, 1) : delete parent[key as string];
  else {
    const node = (parent as Record<string | number, Json>)[key];
    if (Array.isArray(node)) node.push(structuredClone(m.replacement));
    else if (node !== null && typeof node === "object") node[m.name] = structuredClone(m.replacement);
    else (parent as Record<string | number, Json>)[key] = structuredClone(m.replacement);
  }
  return copy;
}

describe("spec/bundle.schema.json", () => {
  it("accepts the example's bundle and the golden one", () => {
    expect(schema.validate(helpdesk)).toBeUndefined();
    expect(schema.validate(golden)).toBeUndefined();
    expect(structureProblem(helpdesk)).toBeUndefined();
  });

  it("agrees with the runtime's validator on mutated bundles (property)", () => {
    let refused = 0;
    fc.assert(
      fc.property(fc.constantFrom(helpdesk, golden), mutation, (base, m) => {
        const value = mutate(base, m);
        const bySchema = schema.validate(value) === undefined;
        const byRuntime = structureProblem(value) === undefined;
        if (!bySchema) refused++;
        expect({ byRuntime, problem: structureProblem(value) }).toEqual({ byRuntime: bySchema, problem: bySchema ? undefined : expect.anything() });
      }),
      { numRuns: 600 },
    );
    // The mutations are not all harmless: most of them break the shape.
    expect(refused).toBeGreaterThan(200);
  });
});
