/**
 * What `check` and `fmt` both do first: find the files the paths name. A path that does
 * not exist is a usage error, reported here; the caller then exits with 2.
 */
import type { Io } from "../io.js";
import { printMissing } from "../output/report.js";
import { type Discovery, discover } from "../project/files.js";

export async function findFiles(paths: readonly string[], io: Io): Promise<Discovery | undefined> {
  const found = await discover(paths, io.cwd);
  if (found.missing.length === 0) return found;
  printMissing(found.missing, io);
  return undefined;
}
