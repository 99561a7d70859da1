/**
 * Cloud resource names (spec/infrastructure.md §3): the derivation's laws over any tenant ids
 * the runtime accepts (valid for every provider's rule, distinct for distinct ids), the
 * Terraform expressions for run-time tenants agreeing with it (evaluated by `terraform
 * console` when terraform is installed), and the stacks built from it: every literal name
 * valid, no two owners sharing a name, two clouds of one provider in one region apart.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cloudNames } from "@paybill/runtime";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nameKey, tenantNamesExpr, tenantOwnerExpr } from "../src/emit/terraform/names.js";
import { cloudProject, emitTf, type Provider, REGIONS } from "./support/terraform.js";

const { RULES, cellOwner, cloudName, nameProblem, ownerNames, tenantOwner } = cloudNames;
const PROVIDERS = Object.keys(RULES) as cloudNames.CloudProvider[];
const TENANT_ID = /^[a-z][a-z0-9_-]{0,62}$/;
const tenantId = fc.stringMatching(TENANT_ID);
/** What `name_prefix` accepts (lang's check-infra.ts), and the longest. */
const prefix = fc.oneof(fc.constant("paybill"), fc.constant("abcdefghij-klmnopqrs"), fc.stringMatching(/^[a-z][a-z0-9]{0,8}(-[a-z0-9]{1,4}){0,2}$/));

const ODD_IDS = [
  "a",
  "a-b",
  "a_b",
  "a__b",
  "a--b",
  "a-",
  "a_",
  "acme",
  "Acme",
  "ACME",
  "_x",
  "x-deadbeef",
  "cell-main-pooled-eu-west-1",
  "google-fans",
  "my-g00gle",
  `a${"b".repeat(62)}`,
  `a${"-".repeat(62)}`,
  `a${"_b".repeat(31)}`,
  `t${"x".repeat(100)}`,
];

describe("the derivation", () => {
  it("gives every valid tenant id names valid on every provider", () => {
    fc.assert(
      fc.property(tenantId, prefix, (id, p) => {
        for (const provider of PROVIDERS) {
          for (const [what, name] of Object.entries(ownerNames(provider, p, tenantOwner(id)))) expect(nameProblem(provider, what, name), `${provider} ${what} ${id}`).toBeUndefined();
        }
      }),
      { numRuns: 300 },
    );
  });

  it("gives distinct tenant ids distinct names for every resource of every provider", () => {
    fc.assert(
      fc.property(tenantId, tenantId, prefix, (a, b, p) => {
        fc.pre(a !== b);
        expect(tenantOwner(a)).not.toBe(tenantOwner(b));
        for (const provider of PROVIDERS) {
          const x = ownerNames(provider, p, tenantOwner(a));
          const y = ownerNames(provider, p, tenantOwner(b));
          for (const what of Object.keys(x)) expect(x[what], `${provider} ${what}: ${a} / ${b}`).not.toBe(y[what]);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("tells apart the ids a plain slug would merge, and never names a tenant like a cell", () => {
    const owners = ODD_IDS.map(tenantOwner);
    expect(new Set(owners).size).toBe(ODD_IDS.length);
    expect(tenantOwner("a-b")).toBe("a-b");
    expect(tenantOwner("acme")).toBe("acme");
    expect(tenantOwner("a_b")).toMatch(/^a-b-[0-9a-f]{8}$/);
    expect(tenantOwner("cell-main-pooled-eu-west-1")).not.toBe(cellOwner("main", "pooled", "eu-west-1"));
    for (const id of ODD_IDS) {
      for (const provider of PROVIDERS) {
        for (const [what, name] of Object.entries(ownerNames(provider, "paybill", tenantOwner(id)))) expect(nameProblem(provider, what, name), `${provider} ${what} ${id}`).toBeUndefined();
      }
    }
  });

  it("keeps a cell's owner apart from every tenant's and from other clouds' cells", () => {
    fc.assert(
      fc.property(tenantId, (id) => {
        expect(tenantOwner(id)).not.toBe(cellOwner("main", "pooled", "eu-west-1"));
        expect(tenantOwner(id)).not.toBe(cellOwner("aws_eu", "pooled", "eu-west-1"));
      }),
    );
    expect(cellOwner("prod", "pooled", "eu-west-1")).not.toBe(cellOwner("staging", "pooled", "eu-west-1"));
    expect(cellOwner("aws_eu", "pooled", "r")).not.toBe(cellOwner("aws", "eu_pooled", "r"));
  });

  it("has no name that is another's tail after a hyphen, so `<owner>-<what>` never reads two ways", () => {
    for (const provider of PROVIDERS) {
      const whats = Object.keys(RULES[provider]);
      for (const a of whats) for (const b of whats) if (a !== b) expect(a.endsWith(`-${b}`), `${provider}: ${a} / ${b}`).toBe(false);
      for (const what of whats) expect(what).not.toMatch(/^[0-9a-f]{8}$/);
    }
  });

  it("is deterministic", () => {
    expect(cloudName("gcp", "paybill", tenantOwner(`a${"_b".repeat(31)}`), "wl")).toBe(cloudName("gcp", "paybill", tenantOwner(`a${"_b".repeat(31)}`), "wl"));
    expect(cloudName("gcp", "paybill", "acme", "wl")).toBe("paybill-acme-wl");
    expect(cloudName("ibm", "paybill", "abcdefghijklmnopqrstuvwxyz", "iks")).toMatch(/^paybill-abcdefghijk-[0-9a-f]{8}-iks$/);
  });
});

const TERRAFORM = process.env.PAYBILL_TERRAFORM ?? "/usr/local/bin/terraform";
const hasTerraform = existsSync(TERRAFORM);
if (!hasTerraform) console.warn(`terraform console NOT RUN: no terraform at ${TERRAFORM}`);

/** `expression` evaluated by `terraform console` in a configuration of `locals` (and `variable`s, given `vars`). */
function evaluate(locals: Record<string, unknown>, expression: string, variables?: { variable: unknown; vars: unknown }): unknown {
  const dir = mkdtempSync(join(tmpdir(), "paybill-names-"));
  try {
    writeFileSync(join(dir, "main.tf.json"), JSON.stringify({ locals, ...(variables === undefined ? {} : { variable: variables.variable }) }));
    if (variables !== undefined) writeFileSync(join(dir, "terraform.tfvars.json"), JSON.stringify(variables.vars));
    writeFileSync(join(dir, "terraform.rc"), "");
    const out = execFileSync(TERRAFORM, ["console"], { cwd: dir, input: `jsonencode(${expression})\n`, env: { ...process.env, TF_CLI_CONFIG_FILE: join(dir, "terraform.rc") }, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    const last = out.trim().split("\n").at(-1) ?? "";
    return JSON.parse(JSON.parse(last) as string);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(!hasTerraform)("the Terraform expressions", () => {
  it("give run-time tenants the owners and names the derivation gives", () => {
    const ids = [...new Set([...ODD_IDS, ...fc.sample(tenantId, { numRuns: 150, seed: 16 })])];
    const prefixes = ["paybill", "abcdefghij-klmnopqrs"];
    const locals: Record<string, unknown> = { ids, owners: `\${{ for name in local.ids : name => (${tenantOwnerExpr("name")}) }}` };
    const expected: Record<string, unknown> = { owners: Object.fromEntries(ids.map((id) => [id, tenantOwner(id)])) };
    for (const provider of PROVIDERS) {
      for (const p of prefixes) {
        const key = `${provider}_${p}`.replace(/[^a-z0-9_]/g, "_");
        locals[key] = `\${{ for name, o in local.owners : name => ${tenantNamesExpr(provider, p, "o")} }}`;
        expected[key] = Object.fromEntries(ids.map((id) => [id, Object.fromEntries(Object.entries(ownerNames(provider, p, tenantOwner(id))).map(([what, name]) => [nameKey(what), name]))]));
      }
    }
    const keys = Object.keys(expected);
    const got = evaluate(locals, `{ ${keys.map((k) => `${k} = local.${k}`).join(", ")} }`);
    expect(got).toEqual(expected);
  }, 60_000);

  for (const provider of Object.keys(REGIONS) as Provider[]) {
    it(`${provider}: the bridge stack's own locals give its static and run-time tenants their names`, () => {
      const out = emitTf(cloudProject(provider, [{ name: "a_b", plan: "business" }, { name: "Initech", plan: "business" }]));
      const stack = out.stacks.find((s) => s.spec.isolation.name === "bridge" && s.spec.mode === "shared");
      const json = JSON.parse(stack?.text ?? "{}") as { locals: Record<string, unknown>; variable: { tenants: unknown } };
      const runtime = ["a__b", "a-b", `t${"x".repeat(62)}`, "x-deadbeef"];
      const got = evaluate(json.locals, "local.tenants", { variable: { tenants: json.variable.tenants }, vars: { tenants: Object.fromEntries(runtime.map((id) => [id, { plan: "business" }])) } }) as Record<
        string,
        { slug: string; names: Record<string, string> }
      >;
      for (const id of [...runtime, "a_b", "Initech"]) {
        expect(got[id]?.slug, id).toBe(tenantOwner(id));
        expect(got[id]?.names, id).toEqual(Object.fromEntries(Object.entries(ownerNames(provider, "acme", tenantOwner(id))).map(([what, name]) => [nameKey(what), name])));
      }
    }, 60_000);
  }
});

/** Every literal string of a stack's JSON that starts with `prefix-` and is a whole name (no `.`, `*`, `${`; not the GCP project `acme-prod`). */
function literalNames(text: string, prefix: string): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === "string") {
      if (v.startsWith(`${prefix}-`) && v !== "acme-prod" && !/[.*$/:]/.test(v)) out.push(v);
    } else if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === "object" && v !== null) Object.values(v).forEach(walk);
  };
  walk(JSON.parse(text));
  return out;
}

describe("the stacks", () => {
  const LONG = `t${"_x".repeat(40)}`;
  for (const provider of Object.keys(REGIONS) as Provider[]) {
    it(`${provider}: names every owner's resources by the derivation, valid and apart`, () => {
      const out = emitTf(cloudProject(provider, [{ name: "a_b", plan: "business" }, { name: "a__b", plan: "business" }, { name: LONG, plan: "enterprise" }, { name: "Acme", plan: "enterprise" }, { name: "acme", plan: "enterprise" }]));
      const owners = new Map<string, string>(); // name → owner
      for (const { spec, text } of out.stacks) {
        const owner = spec.mode === "tenant" ? tenantOwner(spec.tenants[0]?.name ?? "") : cellOwner(spec.cloud.name, spec.isolation.name, spec.region);
        const expected = new Set([...Object.values(ownerNames(provider, "acme", owner)), ...Object.values(ownerNames(provider, "acme", cloudNames.platformOwner(owner)))]);
        for (const name of literalNames(text, "acme")) {
          expect(expected.has(name), `${spec.name}: ${name} is not a name the derivation gives ${owner}`).toBe(true);
          const what = Object.entries(ownerNames(provider, "acme", owner)).find(([, n]) => n === name)?.[0];
          if (what !== undefined) expect(nameProblem(provider, what, name)).toBeUndefined();
          const before = owners.get(name);
          expect(before === undefined || before === owner, `${name} named for ${before} and ${owner}`).toBe(true);
          owners.set(name, owner);
        }
      }
      // Every static tenant got its own names, `Acme` and `acme` apart.
      expect(new Set([...owners.values()]).size).toBeGreaterThanOrEqual(4);
    });
  }

  it("keeps two clouds of one provider in one region apart", () => {
    const out = emitTf({
      "infra.paybill": `package acme
import std.isolation.{pooled}
cloud aws prod { region = "eu-west-1" }
cloud aws staging { region = "eu-west-1" }
plan free { price = 0, isolation = pooled on prod }
plan trial { price = 0, isolation = pooled on staging }
`,
    });
    const [a, b] = out.stacks.map((s) => new Set(literalNames(s.text, "acme")));
    expect(a?.size).toBeGreaterThan(0);
    expect([...(a ?? [])].filter((n) => b?.has(n))).toEqual([]);
  });
});
