/**
 * A workflow's `context { … }` in the bundle: written as input fields only where declared
 * (other workflows, and bundles without contexts, keep their bytes), satisfying
 * spec/bundle.schema.json and the runtime's validator, and its conditions kept as written.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { structureProblem } from "../../runtime/src/bundle/validate.js";
import { emitOk, ROOT } from "./support/bundle.js";
import { CONTEXT_PROJECT as PAY } from "./support/context-project.js";
import { JsonSchema } from "./support/json-schema.js";


describe("a workflow's run context in the bundle", () => {
  it("is written as input fields where declared, nowhere else, and is well-formed", () => {
    const { bundle, text } = emitOk({ "pay.paybill": PAY });
    expect(bundle.workflows["pay"]?.context).toEqual([
      { name: "recipient", optional: false, pii: false, type: { kind: "string", max: 100 } },
      { name: "cap", optional: false, pii: false, type: { kind: "decimal" } },
      { name: "fields", optional: true, pii: false, type: { kind: "list", element: { kind: "string" }, max: 8 } },
    ]);
    expect(bundle.workflows["plain"]).not.toHaveProperty("context");
    expect(bundle.policies[0]?.rules.map((r) => r.when?.cel)).toEqual(["input.amount <= run.context.cap", "!from_context(input.recipient)"]);
    const json = JSON.parse(text) as unknown;
    const schema = new JsonSchema(JSON.parse(readFileSync(join(ROOT, "spec/bundle.schema.json"), "utf8")));
    expect(schema.validate(json)).toBeUndefined();
    expect(structureProblem(json)).toBeUndefined();
  });
});
