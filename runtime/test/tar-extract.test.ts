/**
 * Writing a template's archive into a data directory (store/tar-extract.ts): every file
 * reads back byte for byte, zero runs included (left as holes); an entry that would land
 * outside the directory, an entry of another type and a cut archive are refused.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { extractTar } from "../src/store/tar-extract.js";

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "paybill-tar-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** One ustar entry: a header block and the content padded to blocks. */
function entry(name: string, content: Uint8Array, type = "0"): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, "utf8");
  header.write("0000600\0", 100, "ascii");
  header.write(`${content.length.toString(8).padStart(11, "0")}\0`, 124, "ascii");
  header.write(type, 156, "ascii");
  header.write("ustar\0", 257, "ascii");
  const padded = Buffer.alloc(Math.ceil(content.length / 512) * 512);
  padded.set(content);
  return Buffer.concat([header, padded]);
}

const archive = (...entries: Buffer[]): Buffer => Buffer.concat([...entries, Buffer.alloc(1024)]);

describe("extractTar", () => {
  it("writes every file as it was, zero runs included", async () => {
    const big = new Uint8Array(300_000);
    big.fill(7, 70_000, 70_100);
    big[299_999] = 1;
    const small = Buffer.from("PG_VERSION 17\n");
    const zeros = new Uint8Array(200_000);
    const dir = join(root, "ok");
    const files = extractTar(archive(entry("/base", new Uint8Array(), "5"), entry("/base/5/1255", big), entry("/PG_VERSION", small), entry("/pg_wal/0001", zeros)), dir);
    expect(files).toBe(3);
    expect(Buffer.from(await readFile(join(dir, "base", "5", "1255"))).equals(Buffer.from(big))).toBe(true);
    expect(await readFile(join(dir, "PG_VERSION"), "utf8")).toBe("PG_VERSION 17\n");
    expect(Buffer.from(await readFile(join(dir, "pg_wal", "0001"))).equals(Buffer.from(zeros))).toBe(true);
  });

  it("refuses an entry outside the directory, of another type, or cut short", () => {
    expect(() => extractTar(archive(entry("../escape", Buffer.from("x"))), join(root, "a"))).toThrow(/outside the directory/);
    expect(() => extractTar(archive(entry("link", Buffer.alloc(0), "2")), join(root, "b"))).toThrow(/type not taken/);
    const cut = entry("/file", Buffer.alloc(5000, 1)).subarray(0, 2048);
    expect(() => extractTar(cut, join(root, "c"))).toThrow(/cut short/);
  });
});
