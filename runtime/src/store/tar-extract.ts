/**
 * Writes the files of a tar archive (ustar, as PGlite's `dumpDataDir` makes it) into a
 * directory, with Node's own file calls: a template's ~1,000 files land in a new data
 * directory several times faster than through PGlite's `loadDataDir`, which writes them
 * through the WebAssembly file system. Only directories and regular files are taken; an
 * entry that would land outside the directory, or of another type, is refused. The archive
 * is trusted otherwise (a template's hash was checked before: pglite-template.ts).
 *
 * A large file's runs of zeros are left as holes (PostgreSQL's 16 MB WAL segment is half
 * zeros): what is read back is the same, and the disk writes less.
 */
import { closeSync, ftruncateSync, mkdirSync, openSync, writeFileSync, writeSync } from "node:fs";
import { dirname, resolve, sep } from "node:path";

const BLOCK = 512;

export function extractTar(tar: Uint8Array, dir: string): number {
  const root = resolve(dir);
  mkdirSync(root, { recursive: true, mode: 0o700 });
  let offset = 0;
  let files = 0;
  while (offset + BLOCK <= tar.length) {
    const header = tar.subarray(offset, offset + BLOCK);
    if (header.every((byte) => byte === 0)) break; // the end: two zero blocks
    const ustar = text(header, 257, 6) === "ustar";
    const name = text(header, 0, 100);
    const prefix = ustar ? text(header, 345, 155) : "";
    const path = (prefix === "" ? name : `${prefix}/${name}`).replace(/^\/+/, "");
    const size = Number.parseInt(text(header, 124, 12).trim() || "0", 8);
    const type = header[156] === 0 ? "0" : String.fromCharCode(header[156] ?? 0);
    if (!Number.isSafeInteger(size) || size < 0) throw new Error(`tar entry \`${path}\` has no size`);
    const target = resolve(root, path);
    if (target !== root && !target.startsWith(root + sep)) throw new Error(`tar entry \`${path}\` is outside the directory`);
    offset += BLOCK;
    if (type === "5") mkdirSync(target, { recursive: true, mode: 0o700 });
    else if (type === "0") {
      if (offset + size > tar.length) throw new Error(`tar entry \`${path}\` is cut short`);
      mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
      writeFile(target, tar.subarray(offset, offset + size));
      files += 1;
    } else throw new Error(`tar entry \`${path}\` is of a type not taken (\`${type}\`)`);
    offset += Math.ceil(size / BLOCK) * BLOCK;
  }
  return files;
}

const CHUNK = 64 * 1024;

/** Writes a file; one of more than a chunk skips its chunks of zeros (holes, read back as zeros). */
function writeFile(path: string, content: Uint8Array): void {
  if (content.length <= CHUNK) {
    writeFileSync(path, content, { mode: 0o600 });
    return;
  }
  const fd = openSync(path, "w", 0o600);
  try {
    for (let at = 0; at < content.length; at += CHUNK) {
      const chunk = content.subarray(at, Math.min(at + CHUNK, content.length));
      if (!chunk.every((byte) => byte === 0)) writeSync(fd, chunk, 0, chunk.length, at);
    }
    ftruncateSync(fd, content.length);
  } finally {
    closeSync(fd);
  }
}

/** A NUL-terminated field of a header. */
function text(header: Uint8Array, start: number, length: number): string {
  const field = header.subarray(start, start + length);
  const end = field.indexOf(0);
  return Buffer.from(end < 0 ? field : field.subarray(0, end)).toString("utf8");
}
