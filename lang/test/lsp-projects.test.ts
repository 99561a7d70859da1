// Projects in one editor workspace, over stdio: each directory with `paybill.json` is a
// project checked on its own (two copies of a project do not clash), a folder without one
// is one project as before, broken fixtures at the root stay in the root's project, and a
// manifest written later (workspace/didChangeWatchedFiles) splits the projects then.
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { checkProject, SourceFile } from "../src/index.js";
import { startServer, type TestServer } from "./support/lsp-client.js";
import { DATA, RULES } from "./support/lsp-fixture.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

const TWO = {
  "shop/paybill.json": "{}\n",
  "shop/data.paybill": DATA,
  "shop/rules.paybill": RULES,
  "copy/paybill.json": "{}\n",
  "copy/data.paybill": DATA,
  "copy/rules.paybill": RULES,
};
const FILES = ["shop/data.paybill", "shop/rules.paybill", "copy/data.paybill", "copy/rules.paybill"];

describe("lsp projects", () => {
  it("checks two projects of one workspace separately", async () => {
    // As one project the two copies clash.
    const together = checkProject(FILES.map((f) => new SourceFile(f, TWO[f as keyof typeof TWO])));
    expect(together.diagnostics.length).toBeGreaterThan(0);
    server = await startServer(TWO);
    for (const file of FILES) expect(await server.diagnostics(file), file).toEqual([]);
    // An error in one project is that project's alone.
    const { version } = await server.open("shop/rules.paybill", RULES.replace("resource.amount", "resource.amounx"));
    expect((await server.diagnostics("shop/rules.paybill", version)).map((d) => d.code)).toEqual(["PB3003"]);
    expect(await server.diagnostics("copy/rules.paybill")).toEqual([]);
    // A name declared only in the other project is unknown here.
    const own = await server.replace("shop/rules.paybill", RULES.replace("agent bot {", "agent robot {"));
    const errors = await server.diagnostics("shop/rules.paybill", own);
    expect(errors.map((d) => d.code)).toContain("PB2002");
    expect(server.publishes("copy/rules.paybill").at(-1)?.diagnostics).toEqual([]);
  });

  it("a root with broken fixtures does not flood a project with a manifest", async () => {
    server = await startServer({
      "test/fixtures/broken.paybill": `${DATA}\nentity Broken { id uuid @id,, }\n`,
      "test/fixtures/clash.paybill": `${DATA}agent bot { roles = [x] }\n`,
      "examples/app/paybill.json": '{ "provisioner": "dry-run" }\n',
      "examples/app/data.paybill": DATA,
      "examples/app/rules.paybill": RULES,
    });
    expect(await server.diagnostics("examples/app/data.paybill")).toEqual([]);
    expect(await server.diagnostics("examples/app/rules.paybill")).toEqual([]);
    const broken = await server.diagnostics("test/fixtures/broken.paybill");
    expect(broken.map((d) => d.code)).toContain("PB1001");
    // The fixtures are one project (the folder, no manifest): they clash with each other only.
    const clash = await server.diagnostics("test/fixtures/clash.paybill");
    expect(clash.length).toBeGreaterThan(0);
    // Opening a project file keeps it in its project.
    const { version } = await server.open("examples/app/rules.paybill", RULES);
    expect(await server.diagnostics("examples/app/rules.paybill", version)).toEqual([]);
  });

  it("a folder without a manifest is one project; a manifest written later splits it", async () => {
    const files = { "a/data.paybill": DATA, "b/data.paybill": DATA };
    server = await startServer(files);
    const clashing = [...(await server.diagnostics("a/data.paybill")), ...(await server.diagnostics("b/data.paybill"))];
    expect(clashing.length).toBeGreaterThan(0);
    const s = server;
    for (const dir of ["a", "b"]) writeFileSync(join(s.folder, dir, "paybill.json"), "{}\n");
    await s.connection.sendNotification("workspace/didChangeWatchedFiles", {
      changes: ["a", "b"].map((dir) => ({ uri: s.uri(`${dir}/paybill.json`), type: 1 })),
    });
    await s.until(() => ["a/data.paybill", "b/data.paybill"].every((f) => s.publishes(f).at(-1)?.diagnostics.length === 0));
    expect(s.publishes("a/data.paybill").at(-1)?.diagnostics).toEqual([]);
  });

  it("a file written or deleted on disk (watched files) joins or leaves its project", async () => {
    server = await startServer({ "app/paybill.json": "{}\n", "app/data.paybill": DATA });
    const s = server;
    expect(await s.diagnostics("app/data.paybill")).toEqual([]);
    writeFileSync(join(s.folder, "app/rules.paybill"), RULES.replace("agent bot {", "agent robot {"));
    await s.connection.sendNotification("workspace/didChangeWatchedFiles", { changes: [{ uri: s.uri("app/rules.paybill"), type: 1 }] });
    await s.until(() => (s.publishes("app/rules.paybill").at(-1)?.diagnostics.length ?? 0) > 0);
    expect(s.publishes("app/rules.paybill").at(-1)?.diagnostics.map((d) => d.code)).toContain("PB2002");
    rmSync(join(s.folder, "app/rules.paybill"));
    await s.connection.sendNotification("workspace/didChangeWatchedFiles", { changes: [{ uri: s.uri("app/rules.paybill"), type: 3 }] });
    await s.until(() => s.publishes("app/rules.paybill").at(-1)?.diagnostics.length === 0);
  });
});
