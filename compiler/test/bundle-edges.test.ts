/**
 * What `next … by agent when …` and an agent's `runs = required` put in the bundle
 * (spec/bundle.md): `edges` only on states where a target says `by agent` or `when`, the
 * guard's canonical CEL, `runs: "required"`; the schema and the runtime's loader accept it,
 * and a bundle without them (the helpdesk's) has neither member.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadBundle } from "@paybill/runtime";
import { describe, expect, it } from "vitest";
import { bundleHash } from "../../runtime/src/bundle/canonical.js";
import { structureProblem } from "../../runtime/src/bundle/validate.js";
import { emitOk, HELPDESK, ROOT, sourcesIn } from "./support/bundle.js";
import { JsonSchema } from "./support/json-schema.js";

const schema = new JsonSchema(JSON.parse(readFileSync(join(ROOT, "spec/bundle.schema.json"), "utf8")));

const PROJECT = `
import std.isolation.{pooled}
plan free { price = 0, isolation = pooled }
plan gold { price = 10 usd per month, isolation = pooled }
agent clerk { runs = required }
action look { input { n: int } }
policy p { permit clerk to look }
workflow desk {
  agent = clerk
  start a
  state a { allow look next d by host, c, b by agent when   tenant.plan == "gold" }
  state b { allow look next d by agent }
  state c { allow look next d }
  state d { final }
}
`;

describe("edges and runs = required in the bundle", () => {
  const { bundle, text } = emitOk({ "desk.paybill": PROJECT });

  it("writes edges only where a target says by agent or when, and runs only when said", () => {
    const states = bundle.workflows["desk"]?.states;
    expect(states?.["a"]?.next).toEqual(["b", "c", "d"]);
    expect(states?.["a"]?.edges).toEqual({ b: { by: "agent", when: { cel: 'tenant.plan == "gold"' } } });
    expect(states?.["b"]?.edges).toEqual({ d: { by: "agent" } });
    expect(states?.["c"]).not.toHaveProperty("edges");
    expect(bundle.agents["clerk"]?.runs).toBe("required");
  });

  it("is accepted by the schema, the runtime's validator and its loader", () => {
    const json = JSON.parse(text) as unknown;
    expect(schema.validate(json)).toBeUndefined();
    expect(structureProblem(json)).toBeUndefined();
    expect(loadBundle(text)).toEqual(bundle);
  });

  it("an edge to a target not in `next` is refused at load", () => {
    const { hash: _hash, ...json } = JSON.parse(text) as { hash: string; workflows: { desk: { states: { c: Record<string, unknown> } } } };
    json.workflows.desk.states.c["edges"] = { a: { by: "agent" } };
    expect(() => loadBundle(JSON.stringify({ ...json, hash: bundleHash(json as never) }))).toThrow(/no edge to `a` in `next`/);
  });

  it("the helpdesk's bundle has neither member", () => {
    const helpdesk = emitOk(sourcesIn(HELPDESK)).text;
    expect(helpdesk).not.toContain('"edges"');
    expect(helpdesk).not.toContain('"runs"');
  });
});
