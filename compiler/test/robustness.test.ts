/**
 * Any input gives diagnostics and an exit code of 0 or 1: never a crash, a stack trace or a
 * hang. Each case runs the real binary; a hang fails by vitest's time limit (how fast
 * checking is, is measured in bench/, not asserted here).
 */
import { describe, expect, it } from "vitest";
import { paybillc, project, type Run, STACK_LINE } from "./support/cli.js";

/** A small deterministic generator, so a failure can be reproduced. */
function bytes(seed: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
}

function survived(run: Run): void {
  expect(run.code === 0 || run.code === 1, `exit ${run.code}\n${run.stderr.slice(0, 2000)}`).toBe(true);
  expect(run.stderr).not.toMatch(STACK_LINE);
  expect(run.stderr).not.toContain("RangeError");
  expect(run.stderr).not.toContain("internal error");
}

async function checkOne(name: string, contents: string | Uint8Array, args: string[] = []): Promise<Run> {
  const dir = await project({ [name]: contents });
  return paybillc(["check", ...args, name], dir);
}

describe("paybillc check on hostile input", () => {
  it("random bytes", async () => {
    const dir = await project({ "r1.paybill": bytes(1, 4096), "r2.paybill": bytes(2, 4096), "r3.paybill": bytes(3, 65_536) });
    const run = await paybillc(["check"], dir);
    survived(run);
    expect(run.code).toBe(1);
  });

  it("random printable text (valid UTF-8, so it reaches the parser)", async () => {
    const alphabet = 'plan{}[]()=,."\\/*+-!<>&|?:@ \n\tagent policy permit when 0123456789 usd per';
    const files: Record<string, string> = {};
    for (const seed of [7, 8, 9]) files[`g${seed}.paybill`] = [...bytes(seed, 8192)].map((b) => alphabet[b % alphabet.length]).join("");
    const dir = await project(files);
    const run = await paybillc(["check", "--format", "json"], dir);
    survived(run);
    const diagnostics = JSON.parse(run.stdout) as { file: string }[];
    expect(new Set(diagnostics.map((d) => d.file))).toEqual(new Set(Object.keys(files)));
  });

  it("an empty file", async () => {
    const run = await checkOne("empty.paybill", "");
    survived(run);
    expect(run.code).toBe(0);
  });

  it("10,000 nested `(` in a policy condition", async () => {
    const text = `policy deep {\n  permit any agent to refund when ${"(".repeat(10_000)}true${")".repeat(10_000)}\n}\n`;
    const run = await checkOne("deep.paybill", text);
    survived(run);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/error\[PB100[56]\]/);
    expect(run.stderr.length).toBeLessThan(2_000); // the frame is clipped, not 10,000 columns wide
  });

  it("a 10 MB valid file", async () => {
    const pad = "x".repeat(300);
    const parts: string[] = ['import std.isolation.{pooled}\ncloud aws primary { region = "eu-west-1" }\n'];
    let size = 0;
    for (let i = 0; size < 10 * 1024 * 1024; i++) {
      const part =
        i % 20 === 0
          ? `plan p${i} {\n  price = ${i % 100} usd per month\n  isolation = pooled on primary\n  limits { seats = 3, agent_actions = 1000 per day }\n  features = [tickets]\n}\n`
          : `// tenant ${i}: ${pad}\ntenant t${i} { plan = p0, region = "eu-central-1", description = "${pad}" }\n`;
      parts.push(part);
      size += part.length;
    }
    const run = await checkOne("big.paybill", parts.join(""));
    survived(run);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("checked 1 file, no problems\n");
  });

  it("a 1 MB file on one line with an error at the end", async () => {
    const text = `plan p { region = "${"y".repeat(1024 * 1024)}" = }`;
    const run = await checkOne("line.paybill", text);
    survived(run);
    expect(run.code).toBe(1);
    expect(run.stderr.length).toBeLessThan(2_000);
  });
});

// Long literals and comments are scanned in one linear pass (lang/src/1-parse/scanners.ts);
// a regular expression used to overflow V8's regex stack on a 10 MB string.
describe("paybillc check on huge tokens", () => {
  it("a 10 MB string literal", async () => {
    const run = await checkOne("huge-string.paybill", `agent a { description = "${"y".repeat(10 * 1024 * 1024)}" }`);
    survived(run);
    expect(run.code).toBe(0);
  });

  it("a 10 MB unterminated block comment", async () => {
    const run = await checkOne("huge-comment.paybill", `plan p {}\n/* ${"z ".repeat(5 * 1024 * 1024)}`);
    survived(run);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("PB0003");
  });
});
