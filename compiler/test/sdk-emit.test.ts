/**
 * The SDK emitter (compiler/src/emit/sdk/): the same text whatever the order of the files;
 * type names that are always distinct and legal; `paybillc build` writes `out/sdk/index.ts`
 * only for a project host code can call, and removes a stale one; and `typed(runtime)`, run
 * for real on PGlite (and PostgreSQL when PAYBILL_TEST_DATABASE_URL is set), refuses a runtime that loaded another bundle and passes every call
 * through to the runtime.
 */
import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { entityTablesSql, openRuntime, type Runtime } from "@paybill/runtime";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SDK_NAMES, TypeNames } from "../src/emit/sdk/names.js";
import { sdkFile, sdkTs } from "../src/emit/sdk/index.js";
import { emitOk, HELPDESK } from "./support/bundle.js";
import { BACKENDS, PG_URL, testSchema } from "../../runtime/test/support/store-db.js";
import { paybillc, project, VALID } from "./support/cli.js";

/** The helpdesk's `.paybill` files (files only: `paybillc migrate` leaves a `.paybill/` directory there). */
function helpdeskSources(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(HELPDESK, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (entry.isFile() && entry.name.endsWith(".paybill")) files[entry.name] = readFileSync(join(HELPDESK, entry.name), "utf8");
  }
  return files;
}

const HERE = fileURLToPath(new URL(".", import.meta.url));
const made: string[] = [];
afterAll(async () => {
  for (const dir of made) await rm(dir, { recursive: true, force: true });
});

describe("the SDK emitter", () => {
  it("gives the same text for the project's files in any order, under any names", () => {
    const files = Object.entries(helpdeskSources());
    const expected = sdkTs(emitOk(files).bundle);
    fc.assert(
      fc.property(
        fc.shuffledSubarray(files, { minLength: files.length, maxLength: files.length }),
        fc.array(fc.stringMatching(/^[a-z]{1,6}$/), { minLength: files.length, maxLength: files.length }),
        (shuffled, prefixes) => {
          const renamed = shuffled.map(([name, text], i): [string, string] => [`${prefixes[i] ?? ""}-${i}-${name}`, text]);
          expect(sdkTs(emitOk(renamed).bundle)).toBe(expected);
        },
      ),
      { numRuns: 8 },
    );
  });

  it("hands out distinct, legal type names that are none of the SDK's own, the same for the same claims", () => {
    const base = fc.oneof(fc.constantFrom(...SDK_NAMES, "string", "never", "class", "RunEntity", "Input", ""), fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,8}$/));
    fc.assert(
      fc.property(fc.array(fc.tuple(base, fc.constantFrom("Entity", "")), { maxLength: 12 }), (claims) => {
        const names = new TypeNames();
        const given = claims.map(([name, fallback]) => names.claim(name, fallback));
        expect(new Set(given).size).toBe(given.length);
        for (const name of given) {
          expect(name).toMatch(/^[A-Za-z_$][A-Za-z0-9_$]*$/);
          expect(SDK_NAMES).not.toContain(name);
          expect(["string", "never", "class"]).not.toContain(name);
        }
        const again = new TypeNames();
        expect(claims.map(([name, fallback]) => again.claim(name, fallback))).toEqual(given);
      }),
    );
  });

  it("keeps every name it declares or imports itself from the project's types", () => {
    // A project declaring nothing but one action (its input type is the only name of its own) and the helpdesk (workflows, host actions).
    const own = new Set<string>();
    const entities = new Set<string>();
    for (const files of [{ "app.paybill": `${VALID}\naction ping { }\n` }, helpdeskSources()]) {
      const { bundle } = emitOk(files);
      for (const name of Object.keys(bundle.entities)) entities.add(name);
      const text = sdkTs(bundle);
      for (const [, names] of text.matchAll(/^import (?:type )?\{([^}]*)\}/gm)) for (const name of (names ?? "").split(",")) own.add(name.trim().split(/\s+as\s+/).pop() ?? "");
      for (const [, name] of text.matchAll(/^export (?:type|interface|const|function|class) ([A-Za-z_$][A-Za-z0-9_$]*)/gm)) own.add(name ?? "");
    }
    const project = [...own].filter((name) => name.endsWith("Input") || entities.has(name));
    expect([...own].filter((name) => !SDK_NAMES.includes(name) && !project.includes(name)).sort()).toEqual([]);
    // And an entity named after one of them (the runtime type `Report`, imported) gets another name.
    const clash = sdkTs(emitOk({ "app.paybill": `${VALID}\nentity Report { id uuid @id }\naction file { input { r: Report.id }, effect read Report(input.r) }\n` }).bundle);
    expect(clash).toMatch(/^export interface ReportEntity \{/m);
    expect(clash).not.toMatch(/^export (?:interface|type) Report\b/m);
  });

  it("writes nothing for a project without actions, workflows or entities", () => {
    expect(sdkFile(emitOk({ "app.paybill": VALID }).bundle)).toBeUndefined();
    expect(sdkFile(emitOk(helpdeskSources()).bundle)?.path).toBe("sdk/index.ts");
  });
});

describe("paybillc build: out/sdk", () => {
  it("writes out/sdk/index.ts with the bundle, says so, and removes it when the project no longer has anything to call", async () => {
    const app = `${VALID}\naction ping { }\n`;
    const dir = await project({ "app.paybill": app });
    const built = await paybillc(["build"], dir);
    expect(built.code).toBe(0);
    expect(built.stderr).toMatch(/\nsdk: out\/sdk\/index\.ts\n$/);
    const text = await readFile(join(dir, "out/sdk/index.ts"), "utf8");
    const bundle = JSON.parse(await readFile(join(dir, "out/bundle.json"), "utf8")) as { hash: string };
    expect(text).toContain(`export const BUNDLE_HASH = "${bundle.hash}";`);
    expect(text).toContain(`export type ActionName = "ping";`);
    const json = await paybillc(["build", "--format", "json"], dir);
    expect((JSON.parse(json.stdout) as { sdk?: string }).sdk).toBe("out/sdk/index.ts");

    await writeFile(join(dir, "app.paybill"), VALID);
    const again = await paybillc(["build"], dir);
    expect(again.code).toBe(0);
    expect(again.stderr).not.toContain("sdk:");
    // The build record (its stacks) stays; the SDK went.
    expect((await readdir(join(dir, "out"))).sort()).toEqual(["build-record.json", "bundle.json", "terraform"]);
    expect(await readFile(join(dir, "out/build-record.json"), "utf8")).not.toContain("sdk/index.ts");
  });

  it("writes no SDK when the build fails", async () => {
    const dir = await project({ "app.paybill": `${VALID}\naction ping { }\npolicy p { permit nobody to ping }\n` });
    expect((await paybillc(["build"], dir)).code).toBe(1);
    expect(await readdir(dir)).toEqual(["app.paybill"]);
  });
});

type TypedClient = {
  runtime: Runtime;
  act(request: Record<string, unknown>): ReturnType<Runtime["act"]>;
  runs: {
    start(request: Record<string, unknown>): ReturnType<Runtime["runs"]["start"]>;
    next(run: { id: string; workflow: string }, state: string): ReturnType<Runtime["runs"]["next"]>;
    allowed(run: { id: string; workflow: string }): ReturnType<Runtime["runs"]["allowed"]>;
  };
};
type Sdk = { typed(runtime: Runtime): TypedClient; BUNDLE_HASH: string };

/** The helpdesk's SDK, imported as a host would (vitest compiles the generated TypeScript). */
async function helpdeskSdk(): Promise<{ sdk: Sdk; bundleText: string }> {
  const { bundle, text } = emitOk(helpdeskSources());
  const dir = await mkdtemp(join(HERE, ".sdk-emit-"));
  made.push(dir);
  await writeFile(join(dir, "index.ts"), sdkTs(bundle));
  return { sdk: (await import(join(dir, "index.ts"))) as Sdk, bundleText: text };
}

describe("typed(runtime)", () => {
  it("refuses a runtime that loaded another bundle, naming both hashes", async () => {
    const { sdk } = await helpdeskSdk();
    const other = emitOk({ "app.paybill": `${VALID}\naction ping { }\n` });
    const wrong = await openRuntime({ bundle: other.text, database: { pglite: {} } });
    try {
      expect(() => sdk.typed(wrong)).toThrow(`the runtime loaded bundle ${other.bundle.hash}, but this SDK was generated from ${sdk.BUNDLE_HASH}`);
    } finally {
      await wrong.close();
    }
  });
});

describe.each(BACKENDS)("typed(runtime) on %s", (backend) => {
  let sdk: Sdk;
  let runtime: Runtime;
  const schema = backend === "postgres" ? testSchema("sdk_emit") : undefined;
  beforeAll(async () => {
    const loaded = await helpdeskSdk();
    sdk = loaded.sdk;
    const database = schema !== undefined && PG_URL !== undefined ? { url: PG_URL, schema, max: 4, privileged: true } : { pglite: {} };
    runtime = await openRuntime({ bundle: loaded.bundleText, database });
    await runtime.database.exec(entityTablesSql(runtime.bundle));
  });
  afterAll(async () => {
    if (schema !== undefined) await runtime?.database.exec(`drop schema if exists "${schema}" cascade`);
    await runtime?.close();
  });

  it("passes runs and acts through to the runtime", async () => {
    const paybill = sdk.typed(runtime);
    expect(paybill.runtime).toBe(runtime);
    const run = await paybill.runs.start({ workflow: "resolve_ticket", tenant: "initech" });
    expect(run.state).toBe("triage");
    expect((await paybill.runs.allowed(run))?.actions).toEqual(["lookup_customer", "read_ticket"]);
    const denied = await paybill.act({ tenant: "initech", agent: "support_bot", action: "refund", input: { ticket: randomUUID(), amount: 5, reason: "x" }, run: run.id });
    expect(denied.decision).toBe("deny");
    expect((await paybill.runs.next(run, "resolve")).state).toBe("resolve");
    // The denial, then the host's move (the SDK moves as the host).
    const records = await runtime.audit.query({ tenant: "initech", run: run.id });
    expect(records.map((r) => [r.action, r.agent])).toEqual([
      ["refund", "support_bot"],
      ["workflow.move", "paybill:host"],
    ]);
    expect(records[0]?.id).toBe(denied.auditId);
  });
});
