// A real editor: headless Neovim (Debian's package; `.ci/run` installs it when missing) with
// its built-in LSP client opens a file with a misspelt field, gets the diagnostic, applies the
// server's quick fix and ends with a clean file. Skipped, loudly, only when `nvim` is absent.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { PAYBILLC } from "./support/lsp-client.js";
import { DATA, RULES } from "./support/lsp-fixture.js";

const nvim = spawnSync("nvim", ["--version"], { encoding: "utf8" });
const hasNvim = nvim.status === 0;
if (!hasNvim) console.warn("\n*** lsp-neovim.test.ts SKIPPED: `nvim` is not installed (apt-get install -y neovim; .ci/run does this) ***\n");

const SCRIPT = fileURLToPath(new URL("./support/nvim-quickfix.lua", import.meta.url));
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!hasNvim)("neovim", () => {
  it("open → diagnostic → quick fix → clean, through Neovim's own LSP client", async () => {
    const dir = mkdtempSync(join(tmpdir(), "paybill-nvim-"));
    dirs.push(dir);
    writeFileSync(join(dir, "paybill.json"), "{}\n");
    writeFileSync(join(dir, "data.paybill"), DATA);
    writeFileSync(join(dir, "rules.paybill"), RULES.replace("resource.amount", "resource.amoutn"));
    const out = join(dir, "result.json");
    // Asynchronous, so the test's own limit ends a hang (the script's waits give up after a minute too).
    const child = spawn("nvim", ["--headless", "--clean", "-n", "-c", `luafile ${SCRIPT}`], {
      cwd: dir,
      stdio: "ignore",
      env: { ...process.env, PAYBILL_FILE: join(dir, "rules.paybill"), PAYBILL_NODE: process.execPath, PAYBILL_CLI: PAYBILLC, PAYBILL_ROOT: dir, PAYBILL_OUT: out },
    });
    const status = await new Promise<number | null>((resolve, reject) => {
      child.on("error", reject);
      child.on("exit", resolve);
    });
    expect(status).toBe(0);
    const result = JSON.parse(readFileSync(out, "utf8")) as {
      error?: string;
      diagnosed: boolean;
      before: { code: string; message: string }[];
      title?: string;
      clean: boolean;
      after: number;
      text: string;
    };
    expect(result.error).toBeUndefined();
    expect(result.diagnosed).toBe(true);
    expect(result.before.map((d) => d.code)).toEqual(["PB3003"]);
    expect(result.title).toContain("amount");
    expect(result.clean).toBe(true);
    expect(result.after).toBe(0);
    expect(result.text).toContain("resource.amount < 100.0");
    expect(result.text).not.toContain("amoutn");
  }, 180_000);
});
