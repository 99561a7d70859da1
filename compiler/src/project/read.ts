/**
 * Reads a source file: bytes from disk, decoded as strict UTF-8.
 *
 * A file that cannot be read (PB9001) or is not UTF-8 (PB0004) becomes a diagnostic at 1:1
 * of an empty `SourceFile` and is not parsed: guessing an encoding would give positions and
 * a formatted output that do not match the bytes. A leading byte-order mark is dropped.
 */
import { readFile } from "node:fs/promises";
import { type Diagnostic, diagnostic, SourceFile } from "@paybill/lang";
import type { ProjectFile } from "./files.js";
import { describeFsError } from "./fs-errors.js";

export type ReadResult =
  | { readonly ok: true; readonly source: SourceFile; readonly bytes: Uint8Array }
  | { readonly ok: false; readonly diagnostic: Diagnostic };

const utf8 = new TextDecoder("utf-8", { fatal: true });

export async function readSource(file: ProjectFile): Promise<ReadResult> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file.path);
  } catch (error) {
    return failed(file, "unreadableFile", `cannot read \`${file.name}\`: ${describeFsError(error)}`, "check that the file exists and that you are allowed to read it");
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return failed(file, "notUtf8", "this file is not UTF-8 text", "Paybill files are UTF-8; convert it, for example with `iconv -t UTF-8`");
  }
  return { ok: true, source: new SourceFile(file.name, text), bytes };
}

function failed(file: ProjectFile, kind: "unreadableFile" | "notUtf8", message: string, help: string): ReadResult {
  return { ok: false, diagnostic: diagnostic(kind, new SourceFile(file.name, ""), { start: 0, end: 0 }, message, help) };
}

/** Reads kept in flight at once: enough to hide the file system's latency, few enough for any fd limit. */
const IN_FLIGHT = 32;

/**
 * Reads files, several at a time, yielding them in order: each one that could be read as
 * text; a file that could not is added to `diagnostics` and skipped.
 */
export async function* readSources(
  files: readonly ProjectFile[],
  diagnostics: Diagnostic[],
): AsyncGenerator<{ readonly file: ProjectFile; readonly source: SourceFile; readonly bytes: Uint8Array }> {
  const pending: Promise<ReadResult>[] = [];
  for (let i = 0; i < files.length; i++) {
    while (pending.length < IN_FLIGHT && i + pending.length < files.length) pending.push(readSource(files[i + pending.length] as ProjectFile));
    const read = await (pending.shift() as Promise<ReadResult>);
    if (read.ok) yield { file: files[i] as ProjectFile, source: read.source, bytes: read.bytes };
    else diagnostics.push(read.diagnostic);
  }
}
