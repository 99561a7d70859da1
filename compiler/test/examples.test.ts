/**
 * Every project under examples/ checks clean and is already formatted, as the README
 * promises: `paybillc check <example>` and `paybillc fmt --check examples` exit 0.
 */
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { paybillc } from "./support/cli.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const examples = readdirSync(new URL("../../examples/", import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

describe("examples", () => {
  it("there is at least the helpdesk example", () => {
    expect(examples).toContain("helpdesk");
  });

  for (const name of examples) {
    it(`examples/${name} checks clean`, async () => {
      const run = await paybillc(["check", `examples/${name}`], root);
      expect(run.stderr).toMatch(/no problems/);
      expect(run.code).toBe(0);
    });
  }

  it("examples/ and the standard library are formatted", async () => {
    const run = await paybillc(["fmt", "--check", "examples", "stdlib"], root);
    expect(run.stdout).toBe("");
    expect(run.code).toBe(0);
  });
});
