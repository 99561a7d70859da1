/**
 * The CLI as a pipeline stage: when the reader closes early (`paybillc … | head -1`), the
 * process ends quietly — no EPIPE stack trace on stderr, exit status 0.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./support/bundle.js";

const BIN = join(ROOT, "compiler/bin/paybillc.js");

function closeAfterFirstChunk(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    // Like `head -1`: read one chunk, then close our end of the pipe.
    child.stdout.once("data", () => child.stdout.destroy());
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stderr }));
  });
}

describe("paybillc writing into a closed pipe", () => {
  it("ends quietly with status 0 when the reader leaves after the first line of --help", async () => {
    // --help is written in several chunks, so later writes meet the closed pipe.
    const result = await closeAfterFirstChunk(["--help"]);
    expect(result.stderr).not.toMatch(/EPIPE|Unhandled|at .*\.js:\d+/);
    expect(result.code).toBe(0);
  });
});
