/**
 * Reading sources in process: what cannot be read or decoded becomes a diagnostic.
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readSource } from "../src/project/read.js";

describe("readSource", () => {
  it("reports a path that cannot be read as a file as PB9001", async () => {
    const dir = await mkdtemp(join(tmpdir(), "paybill-read-"));
    // A directory passes for a file name but fails to read: EISDIR, even as root.
    const result = await readSource({ path: dir, name: "tenants.paybill" });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.diagnostic.code).toBe("PB9001");
    expect(result.diagnostic.message).toMatch(/^cannot read `tenants\.paybill`: /);
  });

  it("reports invalid UTF-8 as PB0004 and valid UTF-8 as text", async () => {
    const dir = await mkdtemp(join(tmpdir(), "paybill-read-"));
    await writeFile(join(dir, "bad.paybill"), Uint8Array.from([0x70, 0x6c, 0xff, 0xfe]));
    await writeFile(join(dir, "good.paybill"), "plan caf\u00e9 {}\n");
    const bad = await readSource({ path: join(dir, "bad.paybill"), name: "bad.paybill" });
    expect(bad.ok ? "ok" : bad.diagnostic.code).toBe("PB0004");
    const good = await readSource({ path: join(dir, "good.paybill"), name: "good.paybill" });
    expect(good.ok && good.source.text).toBe("plan caf\u00e9 {}\n");
  });
});
