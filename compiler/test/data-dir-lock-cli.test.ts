/**
 * The commands on a PGlite data directory another process holds (here a running `paybillc
 * serve --mcp` on stdio): `tenants`, `mcp token`, `migrate` and a second `serve` are
 * refused with PBR191 naming the holder, a help line and exit 2 — never let in to write
 * into a database whose writes the holder would overwrite. Once the holder has ended (by
 * itself, its stdin closed), the same command works. Real processes throughout.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { seedDatabase, useBuiltHelpdesk } from "./mcp-support.js";
import { BIN, paybillc, STACK_LINE } from "./support/cli.js";

const example = useBuiltHelpdesk();

describe("commands on a PGlite directory another process holds", () => {
  it("are refused with PBR191, a help line and exit 2, and work once the holder has ended", async () => {
    const seeded = await seedDatabase("pglite", example.dir, example.bundle);
    const dataDir = seeded.args[1] as string;
    const holder = spawn(process.execPath, [BIN, "serve", "--mcp", "--bundle", example.bundle, "--tenant", "initech", "--agent", "support_bot", "--database", dataDir], {
      cwd: example.dir,
      stdio: ["pipe", "ignore", "pipe"],
    });
    try {
      let stderr = "";
      const exited = new Promise<number | null>((done) => holder.once("close", done));
      await new Promise<void>((ready, failed) => {
        holder.stderr.on("data", (chunk: Buffer) => {
          stderr += chunk.toString("utf8");
          if (stderr.includes("MCP on stdio")) ready();
        });
        void exited.then((code) => failed(new Error(`serve exited (${code}): ${stderr}`)));
      });
      const refused = `error[PBR191]: the PGlite data directory \`${dataDir}\` is in use by process ${holder.pid} on \`${hostname()}\`\n  = help: an embedded database has one opener at a time: `;
      expect(existsSync(join(example.dir, "migrations"))).toBe(true);
      for (const args of [
        ["tenants", "list", "--database", dataDir],
        ["mcp", "token", "create", "--tenant", "initech", "--agent", "support_bot", "--database", dataDir],
        ["migrate", ".", "--database", dataDir],
        ["serve", "--mcp", "--bundle", example.bundle, "--tenant", "initech", "--agent", "support_bot", "--database", dataDir],
      ]) {
        const run = await paybillc(args, example.dir, {});
        expect({ args, code: run.code }).toEqual({ args, code: 2 });
        expect(run.stderr.startsWith(refused), run.stderr).toBe(true);
        expect(run.stderr).not.toMatch(STACK_LINE);
      }
      holder.stdin.end();
      expect(await exited).toBe(0);
      const after = await paybillc(["tenants", "list", "--database", dataDir], example.dir, {});
      expect(after.code, after.stderr).toBe(0);
      expect(after.stdout).toContain("initech");
    } finally {
      if (holder.exitCode === null) holder.stdin.end();
      await seeded.drop();
    }
  }, 900_000);
});
