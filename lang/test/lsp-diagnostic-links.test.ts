// Each diagnostic links its code to the catalogue entry (a heading of spec/diagnostics.md at a
// stable address) and names the other places it involves (relatedInformation).
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { CATALOG } from "../src/index.js";
import { catalogueLink, DIAGNOSTICS_URL, headingAnchor } from "../src/diagnostics/catalog-link.js";
import { startServer, type TestServer } from "./support/lsp-client.js";
import { DATA, PROJECT } from "./support/lsp-fixture.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

describe("diagnostic links", () => {
  it("every catalogued code links to a heading of spec/diagnostics.md", () => {
    const markdown = readFileSync(new URL("../../spec/diagnostics.md", import.meta.url), "utf8");
    const anchors = new Set([...markdown.matchAll(/^## (.*)$/gm)].map((m) => headingAnchor(m[1] ?? "")));
    for (const { code } of Object.values(CATALOG)) {
      const link = catalogueLink(code);
      expect(link?.startsWith(`${DIAGNOSTICS_URL}#`), code).toBe(true);
      expect(anchors.has(link?.slice(DIAGNOSTICS_URL.length + 1) ?? ""), code).toBe(true);
    }
    expect(headingAnchor("PB1008 `package` or `import` after a declaration")).toBe("pb1008-package-or-import-after-a-declaration");
    expect(catalogueLink("PB0000")).toBeUndefined();
  });

  it("over stdio: a name declared twice links PB2001 and points at the first declaration", async () => {
    server = await startServer(PROJECT);
    const { version } = await server.open("more.paybill", "package shop\n\nentity Order {\n  id uuid @id\n}\n");
    const [twice] = await server.diagnostics("more.paybill", version);
    expect(twice?.code).toBe("PB2001");
    expect(twice?.codeDescription?.href).toBe(`${DIAGNOSTICS_URL}#pb2001-name-declared-twice`);
    const first = DATA.split("\n").findIndex((l) => l.startsWith("entity Order"));
    expect(twice?.relatedInformation).toEqual([
      { location: { uri: server.uri("data.paybill"), range: { start: { line: first, character: 7 }, end: { line: first, character: 12 } } }, message: "the first `Order`" },
    ]);
  });
});
