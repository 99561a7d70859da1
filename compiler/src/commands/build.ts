/**
 * `paybillc build [project] [--out dir]`: check the project, then write the runtime's
 * bundle to `<out>/bundle.json` (spec/bundle.md).
 *
 * Any error — in the files, or one only the bundle can see (two declarations of a kind
 * with one name in two modules) — is printed as `check` prints it, exit 1, and nothing is
 * written. On success the bundle replaces `<out>/bundle.json` atomically and nothing else
 * in `<out>` is touched; a one-line summary (counts and hash) goes to stderr, or with
 * `--format json` an object to stdout. Exit 2 for a project that is not a directory, and
 * for an output that cannot be written.
 */
import { stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { diagnosticToJson } from "@paybill/lang";
import { bundleCounts, bundleText } from "../emit/bundle/index.js";
import { writeBundleFile } from "../emit/bundle/write.js";
import type { Io } from "../io.js";
import { displayPath, type OutputFormat, printFrames, printJson } from "../output/report.js";
import { describeFsError } from "../project/fs-errors.js";
import { compileProject } from "./compile-project.js";

export interface BuildOptions {
  /** The output directory, relative to the working directory; default `<project>/out`. */
  readonly out?: string;
  readonly format: OutputFormat;
}

export const DEFAULT_OUT = "out";

export async function build(project: string, options: BuildOptions, io: Io): Promise<number> {
  const dir = resolve(io.cwd, project);
  const kind = await stat(dir).then(
    (s) => (s.isDirectory() ? "directory" : "file"),
    () => "missing",
  );
  if (kind !== "directory") {
    io.err(kind === "missing" ? `paybillc: no such directory: ${project}\n` : `paybillc: \`${project}\` is not a directory: build takes the project's directory\n`);
    return 2;
  }
  const compiled = await compileProject([project], options.format, io, "; nothing written");
  if (!compiled.ok) return compiled.status;
  const { bundle, diagnostics } = compiled;
  const out = options.out === undefined ? join(dir, DEFAULT_OUT) : resolve(io.cwd, options.out);
  const shown = displayPath(io.cwd, join(out, "bundle.json"));
  try {
    await writeBundleFile(out, bundleText(bundle));
  } catch (error) {
    io.err(`paybillc: cannot write ${shown}: ${describeFsError(error)}\n`);
    return 2;
  }
  const counts = bundleCounts(bundle);
  if (options.format === "json") {
    printJson({ bundle: shown, hash: bundle.hash, counts, diagnostics: diagnostics.map(diagnosticToJson) }, io);
  } else {
    printFrames(diagnostics, io);
    const parts = Object.entries(counts).map(([word, n]) => `${n} ${n === 1 ? singular(word) : word}`);
    io.err(`built ${shown}: ${parts.join(", ")} (${bundle.hash})\n`);
  }
  return 0;
}

function singular(word: string): string {
  return word === "entities" ? "entity" : word === "policies" ? "policy" : word.slice(0, -1);
}
