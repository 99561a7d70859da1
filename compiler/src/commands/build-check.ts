/**
 * `paybillc build --check`, CI's frozen mode: everything a build would write — the output
 * directory's files (when that directory exists: `out/` is usually not committed), the
 * next migration in `<project>/migrations/` and the placements record — compared with what
 * is on disk, and nothing written. Exit 0 when all are up to date; else each file that
 * would be added, changed or removed is listed and the build fails with PB9007, exit 1.
 */
import { readFile } from "node:fs/promises";
import type { Io } from "../io.js";
import { displayPath, type OutputFormat, printJson } from "../output/report.js";

/** A file the build would write (`text`), or remove (`text` undefined); `path` absolute. */
export interface PendingWrite {
  readonly path: string;
  readonly text: string | undefined;
}

export interface PendingChange {
  readonly path: string;
  readonly change: "added" | "changed" | "removed";
}

export async function pendingChanges(writes: readonly PendingWrite[]): Promise<PendingChange[]> {
  const changes: PendingChange[] = [];
  for (const write of writes) {
    const now = await readFile(write.path, "utf8").catch(() => undefined);
    if (write.text === undefined) {
      if (now !== undefined) changes.push({ path: write.path, change: "removed" });
    } else if (now === undefined) changes.push({ path: write.path, change: "added" });
    else if (now !== write.text) changes.push({ path: write.path, change: "changed" });
  }
  return changes;
}

/** Prints the outcome of `--check`; the exit status. `outChecked`: whether the output directory existed to compare. */
export function reportCheck(changes: readonly PendingChange[], compared: number, outChecked: { readonly shown: string; readonly exists: boolean }, format: OutputFormat, io: Io, json: Record<string, unknown>): 0 | 1 {
  const shown = changes.map((c) => ({ path: displayPath(io.cwd, c.path), change: c.change }));
  const upToDate = changes.length === 0;
  const count = `${changes.length} ${changes.length === 1 ? "file" : "files"}`;
  const help = "run `paybillc build` and commit what it writes (the project's `migrations/` and `paybill-placements.json`); nothing written";
  if (format === "json") {
    printJson({ upToDate, changes: shown, outputChecked: outChecked.exists, ...json, ...(upToDate ? {} : { error: { code: "PB9007", message: `the build is not up to date: ${count} would change`, help } }) }, io);
    return upToDate ? 0 : 1;
  }
  if (!outChecked.exists) io.err(`note: there is no output directory ${outChecked.shown} to compare; only the project's committed files were checked\n`);
  if (upToDate) {
    io.err(`up to date: ${compared} ${compared === 1 ? "file" : "files"} compared, nothing would change\n`);
    return 0;
  }
  for (const c of shown) io.err(`  ${c.change.padEnd(7)} ${c.path}\n`);
  io.err(`error[PB9007]: the build is not up to date: ${count} would change\n  = help: ${help}\n`);
  return 1;
}
