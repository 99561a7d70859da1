/**
 * `paybillc init [dir]`: a starter project that checks, builds and tests clean — a plan, a
 * tenant, an entity with an `@untrusted` field, an agent, three actions and a policy
 * (project.paybill), two tests (tests.paybill), the project's settings (paybill.json, spec/
 * control-plane.md "Project settings"), a .gitignore for what builds and runs make, and an
 * npm package that depends on the Paybill packages at this compiler's version: package.json
 * (scripts check, build, test and typecheck), tsconfig.json and host.ts, a service that
 * embeds the runtime through the generated SDK (out/sdk, type-checked by `npm run
 * typecheck`). Every
 * file is written or none: a file that is already there is never overwritten (PB9011,
 * exit 2, nothing written), and a failure part-way removes what was written.
 */
import { mkdir, open, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import type { Io } from "../io.js";
import { displayPath } from "../output/report.js";
import { SETTINGS_FILE } from "../project/settings.js";

/** The starter project's files, by name. */
export const STARTER: Readonly<Record<string, string>> = {
  "project.paybill": `package starter

import std.isolation.{pooled}

// What customers pay for: one plan, every tenant in one shared database (row-level security apart).
plan free {
  price     = 0 usd per month
  isolation = pooled
  limits { agent_actions = 1000 per day }
  features  = [notes]
}

// A tenant declared in the project (others are onboarded at run time: \`paybillc tenants onboard\`).
tenant demo { plan = free }

// The tenant's data the agent works on.
entity Note {
  id     uuid              @id
  title  string(max: 200)
  body   string(max: 5000) @untrusted
  status enum(open, done)  @default("open")
}

agent assistant { roles = [helper] }

action add_note {
  input { title: string(max: 200), body: string(max: 5000) }
  effect insert Note set { title = input.title, body = input.body }
  requires feature notes
}

action read_note {
  input { note: Note.id }
  effect read Note(input.note)
}

action finish_note {
  input { note: Note.id }
  effect update Note(input.note) set { status = done }
}

policy notes {
  permit assistant to add_note, read_note, finish_note
  // A note already done stays done.
  forbid any agent to finish_note when resource.status == "done"
}
`,
  "tests.paybill": `package starter

test "the assistant adds a note" {
  as assistant
  tenant demo
  do add_note { title: "Call back", body: "Ask about the invoice." }
  expect allow
}

test "a finished note cannot be finished again" {
  as assistant
  tenant demo
  given Note { id: "n-1", title: "Call back", body: "…", status: "done" }
  do finish_note { note: "n-1" }
  expect deny by notes
}
`,
  [SETTINGS_FILE]: `${JSON.stringify({ provisioner: "dry-run" }, null, 2)}\n`,
  ".gitignore": "out/\n.paybill/\nnode_modules/\n",
  "tsconfig.json": `${JSON.stringify(
    {
      compilerOptions: {
        strict: true,
        noUncheckedIndexedAccess: true,
        exactOptionalPropertyTypes: true,
        verbatimModuleSyntax: true,
        noEmit: true,
        module: "nodenext",
        moduleResolution: "nodenext",
        target: "es2022",
        skipLibCheck: true,
        types: ["node"],
      },
      files: ["host.ts"],
    },
    null,
    2,
  )}\n`,
  "host.ts": `// The service that embeds the runtime. The project's names are types here: \`paybillc build\`
// writes them to out/sdk/index.ts, so a misspelt action, input field or agent fails \`npm run typecheck\`.
import { openRuntime, readBundle } from "@paybill/runtime";
import { typed } from "./out/sdk/index.js";

const paybill = typed(await openRuntime({ bundle: await readBundle("out/bundle.json"), database: { pglite: { dataDir: ".paybill/db" } } }));
try {
  const added = await paybill.act({ tenant: "demo", agent: "assistant", action: "add_note", input: { title: "Call back", body: "Ask about the invoice." } });
  console.log(added.decision, added.reasons);
} finally {
  await paybill.runtime.close();
}
`,
};

/** This compiler's version: the starter depends on the packages of the same release. */
function ownVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: string };
  return manifest.version ?? "0.0.0";
}

/** TypeScript for `npm run typecheck` (the version the Paybill packages are built and tested with). */
export const TYPESCRIPT_VERSION = "^7.0.2";

/** The starter's package.json: `name` from the directory. */
export function packageJson(dir: string, version = ownVersion()): string {
  const name = basename(dir).toLowerCase().replace(/[^a-z0-9._-]+/g, "-").replace(/^[._-]+/, "") || "paybill-project";
  const manifest = {
    name,
    version: "0.1.0",
    private: true,
    type: "module",
    scripts: {
      check: "paybillc check",
      build: "paybillc build",
      test: "paybillc test",
      typecheck: "paybillc build && tsc -p tsconfig.json",
    },
    dependencies: { "@paybill/runtime": `^${version}` },
    devDependencies: { "@paybill/compiler": `^${version}`, "@types/node": "^20.19.0", typescript: TYPESCRIPT_VERSION },
  };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

export async function init(dir: string, io: Io): Promise<number> {
  const target = resolve(io.cwd, dir);
  const shown = displayPath(io.cwd, target) || ".";
  await mkdir(target, { recursive: true });
  const written: string[] = [];
  try {
    for (const [name, text] of Object.entries({ ...STARTER, "package.json": packageJson(target) })) {
      // `wx`: created here or refused, never an existing file overwritten.
      const handle = await open(join(target, name), "wx");
      written.push(name);
      try {
        await handle.writeFile(text);
      } finally {
        await handle.close();
      }
    }
  } catch (error) {
    for (const name of written) await rm(join(target, name), { force: true });
    if ((error as NodeJS.ErrnoException).code === "EEXIST") {
      const name = [...Object.keys(STARTER), "package.json"][written.length] ?? "";
      io.err(`error[PB9011]: \`${displayPath(io.cwd, join(target, name))}\` is already there; init writes nothing over an existing file, so nothing was written\n  = help: run \`paybillc init <a new directory>\`, or move the file away\n`);
      return 2;
    }
    throw error;
  }
  io.err(`init: wrote ${[...Object.keys(STARTER), "package.json"].join(", ")} in ${shown}\n`);
  const at = shown === "." ? "" : ` ${shown}`;
  io.err(`next: \`paybillc check${at}\`, \`paybillc test${at}\`, \`paybillc build${at}\`; \`npm install\` there, then \`npm run typecheck\` type-checks host.ts against the generated SDK\n`);
  return 0;
}
