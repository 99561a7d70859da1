/**
 * `loadBundle` / `readBundle`: a good bundle comes back deep-frozen; every way a bundle can
 * be wrong is refused with its own code, the path at fault and a help line, and the
 * caller's value is left as it was.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { type Bundle, BundleError, bundleHash, loadBundle, readBundle } from "@paybill/runtime";

/** A small bundle with one of everything, hashed as `paybillc build` hashes. */
function sample(): Record<string, unknown> {
  const content = {
    format: "paybill-bundle",
    version: 1,
    entities: {
      Ticket: {
        name: "Ticket",
        table: "tickets",
        key: "id",
        fields: [
          { name: "id", type: { kind: "uuid" }, optional: false, pii: false, id: true },
          { name: "status", type: { kind: "enum", values: ["open", "closed"] }, optional: false, pii: false, default: '"open"' },
          { name: "email", type: { kind: "string", max: 320 }, optional: true, pii: true },
        ],
      },
    },
    actions: {
      close: {
        name: "close",
        input: [{ name: "ticket", type: { kind: "uuid" }, optional: false, pii: false, references: { entity: "Ticket", field: "id" } }],
        effect: { op: "update", entity: "Ticket", key: { cel: "input.ticket" }, set: [{ field: "status", value: { cel: '"closed"' } }] },
        requires: [],
      },
    },
    agents: { bot: { name: "bot", roles: ["support"] } },
    policies: [
      {
        name: "bot_closes",
        rules: [
          {
            id: "bot_closes#0",
            effect: "permit",
            agents: ["bot"],
            actions: [{ kind: "action", action: "close" }],
            when: { cel: 'resource.status == "open"', types: { input: "action:close", resource: "entity:Ticket" } },
          },
          { id: "bot_closes#1", effect: "forbid", agents: ["*"], actions: [{ kind: "data", op: "read", entity: "Ticket", field: "email" }] },
        ],
        attributes: { severity: "high" },
      },
    ],
    workflows: {
      resolve: {
        name: "resolve",
        agent: "bot",
        budget: { steps: 5, deadlineMs: 600000 },
        start: "open",
        states: {
          open: { name: "open", allow: [{ kind: "action", action: "close" }], next: ["done"], final: false, timeoutMs: 1000 },
          done: { name: "done", allow: [], next: [], final: true },
        },
      },
    },
    plans: { free: { name: "free", isolation: { model: "pooled", cloud: "main" }, price: { amount: 0 }, limits: { seats: { amount: 3 } }, features: [] } },
    tenants: { acme: { name: "acme", plan: "free", region: "eu-west-1" } },
  };
  return { ...content, hash: bundleHash(content) };
}

// biome-ignore lint/suspicious/noExplicitAny: the tests' edits reach anywhere into plain JSON
type Loose = Record<string, any>;

/** `bundle` changed by `edit`, re-hashed so that only the edit is wrong. */
function edited(edit: (b: Loose) => void): Record<string, unknown> {
  const b = structuredClone(sample()) as Loose;
  edit(b);
  return { ...b, hash: bundleHash(b) };
}

function refusal(input: unknown): BundleError {
  try {
    loadBundle(input);
  } catch (error) {
    if (error instanceof BundleError) return error;
    throw error;
  }
  throw new Error("the bundle was accepted");
}

describe("loadBundle", () => {
  it("accepts a well-formed bundle, from text or a value, and returns it deep-frozen", () => {
    const value = sample();
    const fromText = loadBundle(JSON.stringify(value));
    const fromValue = loadBundle(value);
    expect(fromText).toEqual(value);
    expect(fromValue).toEqual(value);
    expect(Object.isFrozen(fromText)).toBe(true);
    expect(Object.isFrozen((fromText.entities.Ticket as Bundle["entities"][string]).fields[1]?.type)).toBe(true);
    expect(Object.isFrozen(fromText.policies[0]?.attributes)).toBe(true);
    expect(() => (fromText.policies as unknown[]).push(1)).toThrow(TypeError);
    // The caller's value is copied, never frozen or changed.
    expect(Object.isFrozen(value)).toBe(false);
    expect(fromValue).not.toBe(value);
  });

  it("refuses text that is not JSON (PBR001)", () => {
    const error = refusal('{"format": ');
    expect(error.code).toBe("PBR001");
    expect(error.message).toMatch(/^the bundle is not JSON: .+\nhelp: \S/);
  });

  it("refuses what is not a Paybill bundle (PBR002)", () => {
    expect(refusal([1, 2]).code).toBe("PBR002");
    const error = refusal({ ...sample(), format: "other" });
    expect([error.code, error.path]).toEqual(["PBR002", "$.format"]);
    expect(error.message).toContain('`format` is "other"');
  });

  it("refuses an unknown version (PBR003), saying which side to upgrade", () => {
    const newer = refusal({ ...sample(), version: 3 });
    const older = refusal({ ...sample(), version: 0 });
    expect([newer.code, newer.path, older.code]).toEqual(["PBR003", "$.version", "PBR003"]);
    expect(newer.message).toContain("this runtime reads bundle versions 1 and 2, and this bundle is version `3`");
    expect(newer.help).toMatch(/upgrade @paybill\/runtime/);
    expect(older.help).not.toMatch(/upgrade @paybill\/runtime/);
  });

  it("refuses a malformed bundle with the path at fault (PBR004)", () => {
    const cases: [(b: Loose) => void, string, RegExp][] = [
      [(b) => (b.actions.close.effect.op = "upsert"), "$.actions.close.effect.op", /expected "read" or "insert" or "update" or "delete", found string "upsert"/],
      [(b) => delete b.entities.Ticket.key, "$.entities.Ticket", /`key` is missing/],
      [(b) => (b.agents.bot.extra = true), "$.agents.bot.extra", /unknown member `extra`/],
      [(b) => (b.entities.Ticket.fields[2].type = { kind: "list", element: { kind: "text" } }), "$.entities.Ticket.fields[2].type.element.kind", /expected "uuid"/],
      [(b) => (b.workflows.resolve.budget.steps = 1.5), "$.workflows.resolve.budget.steps", /whole number/],
      [(b) => (b.policies[0].rules[0].when.types.input = "anything"), "$.policies[0].rules[0].when.types.input", /`action:<name>`/],
      [(b) => (b.plans.free.limits["per-day seats"] = { amount: -1 }), '$.plans.free.limits["per-day seats"].amount', /at least 0/],
    ];
    for (const [edit, path, message] of cases) {
      const error = refusal(edited(edit));
      expect([error.code, error.path]).toEqual(["PBR004", path]);
      expect(error.reason).toMatch(message);
      expect(error.help).toContain("spec/bundle.schema.json");
    }
  });

  it("refuses a bundle whose hash does not match its content (PBR005), whatever was changed (property)", () => {
    const good = sample();
    const paths = ["agents.bot.roles", "tenants.acme.region", "policies.0.rules.0.when.cel", "plans.free.limits.seats.amount"];
    fc.assert(
      fc.property(fc.constantFrom(...paths), fc.string({ minLength: 1, maxLength: 8 }), (path, text) => {
        const tampered = structuredClone(good) as Record<string, unknown>;
        const keys = path.split(".");
        let node = tampered as Record<string, unknown>;
        for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
        const last = keys[keys.length - 1] as string;
        const before = JSON.stringify(node[last]);
        node[last] = Array.isArray(node[last]) ? [text] : typeof node[last] === "number" ? text.length + 100 : `${text}!`;
        if (JSON.stringify(node[last]) === before) return;
        const error = refusal(tampered);
        expect([error.code, error.path]).toEqual(["PBR005", "$.hash"]);
      }),
      { numRuns: 100 },
    );
    expect(refusal({ ...good, hash: `sha256:${"0".repeat(64)}` }).message).toContain("does not match its content");
  });

  it("refuses a bundle whose names name nothing (PBR006)", () => {
    const cases: [(b: Loose) => void, string][] = [
      [(b) => (b.actions.close.effect.entity = "Order"), "$.actions.close.effect.entity"],
      [(b) => (b.policies[0].rules[0].agents = ["ghost"]), "$.policies[0].rules[0].agents[0]"],
      [(b) => (b.policies[0].rules[1].actions[0].field = "phone"), "$.policies[0].rules[1].actions[0].field"],
      [(b) => (b.policies[0].rules[1].id = "other#1"), "$.policies[0].rules[1].id"],
      [(b) => (b.workflows.resolve.states.open.next = ["nowhere"]), "$.workflows.resolve.states.open.next[0]"],
      [(b) => (b.tenants.acme.plan = "gold"), "$.tenants.acme.plan"],
      [(b) => (b.entities.Ticket.key = "status"), "$.entities.Ticket.key"],
      [(b) => (b.agents.bot.name = "robot"), "$.agents.bot"],
    ];
    for (const [edit, path] of cases) {
      const error = refusal(edited(edit));
      expect([error.code, error.path]).toEqual(["PBR006", path]);
    }
  });

  it("reads versions 1 and 2; `secret` on an input field is version 2's only", () => {
    const secret = (version: number) =>
      edited((b) => {
        b.version = version;
        b.actions.close.input.push({ name: "code", type: { kind: "string", max: 20 }, optional: false, pii: false, secret: true });
      });
    expect(loadBundle(secret(2)).actions["close"]?.input[1]?.secret).toBe(true);
    expect(loadBundle(edited((b) => (b.version = 2))).version).toBe(2);
    const older = refusal(secret(1));
    expect([older.code, older.path]).toEqual(["PBR004", "$.actions.close.input[1].secret"]);
    expect(older.message).toMatch(/^the bundle is malformed: `secret` is a member of bundle version 2, and this bundle is version 1/);
    expect(refusal(edited((b) => {
      b.version = 2;
      b.actions.close.input[0].secret = false;
    })).code).toBe("PBR004");
  });

  it("checks format, then version, then structure, then hash", () => {
    const wrongEverything = { ...sample(), format: "x", version: 9, agents: [], hash: "sha256:bad" };
    expect(refusal(wrongEverything).code).toBe("PBR002");
    expect(refusal({ ...wrongEverything, format: "paybill-bundle" }).code).toBe("PBR003");
    expect(refusal({ ...wrongEverything, format: "paybill-bundle", version: 1 }).code).toBe("PBR004");
  });

  it("survives a cyclic value without exhausting the stack", () => {
    const b = edited(() => {});
    const cyclic = structuredClone(b) as Loose;
    const type: Record<string, unknown> = { kind: "list" };
    type.element = type;
    cyclic.entities.Ticket.fields[0].type = type;
    expect(refusal(cyclic).code).toBe("PBR004");
  });
});

describe("readBundle", () => {
  const made: string[] = [];
  afterAll(async () => {
    for (const dir of made) await rm(dir, { recursive: true, force: true });
  });

  it("reads and loads a file, and refuses a missing one (PBR007)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "bundle-"));
    made.push(dir);
    await writeFile(join(dir, "bundle.json"), JSON.stringify(sample(), null, 2));
    expect((await readBundle(join(dir, "bundle.json"))).hash).toBe(sample().hash);
    const error = await readBundle(join(dir, "missing.json")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BundleError);
    expect((error as BundleError).code).toBe("PBR007");
    expect((error as BundleError).message).toMatch(/^cannot read the bundle `.*missing\.json`: no such file\nhelp: /);
  });
});
