/**
 * Every project under examples/ checks clean, passes its own tests and is already formatted,
 * as the README promises: `paybillc check <example>`, `paybillc test <example>` and
 * `paybillc fmt --check examples` exit 0.
 */
import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { paybillc, project } from "./support/cli.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const examples = readdirSync(new URL("../../examples/", import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

describe("examples", () => {
  it("there are at least the helpdesk and the payments examples", () => {
    expect(examples).toContain("helpdesk");
    expect(examples).toContain("payments");
  });

  for (const name of examples) {
    it(`examples/${name} checks clean`, async () => {
      const run = await paybillc(["check", `examples/${name}`], root);
      expect(run.stderr).toMatch(/no problems/);
      expect(run.code).toBe(0);
    });

    it(`examples/${name} passes its tests`, async () => {
      const run = await paybillc(["test", `examples/${name}`], root);
      expect(run.stdout).toMatch(/\d+ tests passed, 0 failed/);
      expect(run.code).toBe(0);
    });
  }

  it("examples/ and the standard library are formatted", async () => {
    const run = await paybillc(["fmt", "--check", "examples", "stdlib"], root);
    expect(run.stdout).toBe("");
    expect(run.code).toBe(0);
  });

  it("the helpdesk demo (`npm run demo`) runs the runtime on PGlite: decisions, redaction, an intact audit chain", async () => {
    const out = await project();
    const build = await paybillc(["build", "examples/helpdesk", "--out", out], root);
    expect(build.code).toBe(0);
    // Not killed on a timer (a loaded machine may be slow); a hang fails by the test's limit.
    const demo = await new Promise<{ stdout: string; stderr: string; status: number | null }>((resolve) => {
      execFile(process.execPath, [join(root, "examples", "helpdesk", "demo.mjs"), join(out, "bundle.json")], { encoding: "utf8" }, (error, stdout, stderr) => {
        resolve({ stdout, stderr, status: error === null ? 0 : typeof error.code === "number" ? error.code : null });
      });
    });
    expect(demo.stderr).toBe("");
    expect(demo.stdout).toMatch(/^deny\s+refund 250 without finance\s+forbid refunds_need_finance_over_100$/m);
    expect(demo.stdout).toMatch(/^allow\s+close the ticket\s+permit support_works_open_tickets$/m);
    expect(demo.stdout).toMatch(/the agent sees id, name, vip, lifetime_value, created_at: no email/);
    expect(demo.stdout).toMatch(/audit chain of initech: intact, 9 records/);
    expect(demo.status).toBe(0);
  }, 300_000);
});
