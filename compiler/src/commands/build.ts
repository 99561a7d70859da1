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
import { join, relative, resolve, sep } from "node:path";
import { checkProject, compareDiagnostics, type Diagnostic, diagnosticToJson, hasErrors, type SourceFile } from "@paybill/lang";
import { bundleCounts, bundleText, tryEmitBundle } from "../emit/bundle/index.js";
import { writeBundleFile } from "../emit/bundle/write.js";
import type { Io } from "../io.js";
import { type OutputFormat, printFrames, printJson, summary } from "../output/report.js";
import { describeFsError } from "../project/fs-errors.js";
import { readSources } from "../project/read.js";
import { findFiles } from "./find-files.js";

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
  const found = await findFiles([project], io);
  if (found === undefined) return 2;
  const diagnostics: Diagnostic[] = [...found.diagnostics];
  const sources: SourceFile[] = [];
  for await (const { source } of readSources(found.files, diagnostics)) sources.push(source);
  const checked = checkProject(sources);
  diagnostics.push(...checked.diagnostics);
  if (!hasErrors(diagnostics) && checked.model !== undefined) {
    const emitted = tryEmitBundle(checked.model);
    if (emitted.ok) {
      const out = options.out === undefined ? join(dir, DEFAULT_OUT) : resolve(io.cwd, options.out);
      const shown = display(io.cwd, join(out, "bundle.json"));
      try {
        await writeBundleFile(out, bundleText(emitted.bundle));
      } catch (error) {
        io.err(`paybillc: cannot write ${shown}: ${describeFsError(error)}\n`);
        return 2;
      }
      const counts = bundleCounts(emitted.bundle);
      diagnostics.sort(compareDiagnostics);
      if (options.format === "json") {
        printJson({ bundle: shown, hash: emitted.bundle.hash, counts, diagnostics: diagnostics.map(diagnosticToJson) }, io);
      } else {
        printFrames(diagnostics, io);
        const parts = Object.entries(counts).map(([word, n]) => `${n} ${n === 1 ? singular(word) : word}`);
        io.err(`built ${shown}: ${parts.join(", ")} (${emitted.bundle.hash})\n`);
      }
      return 0;
    }
    diagnostics.push(...emitted.diagnostics);
  }
  diagnostics.sort(compareDiagnostics);
  if (options.format === "json") {
    printJson({ diagnostics: diagnostics.map(diagnosticToJson) }, io);
  } else {
    printFrames(diagnostics, io);
    io.err(`${summary(diagnostics, found.files.length)}; nothing written\n`);
  }
  return 1;
}

function singular(word: string): string {
  return word === "entities" ? "entity" : word === "policies" ? "policy" : word.slice(0, -1);
}

/** A path as the user would write it from where they are. */
function display(cwd: string, path: string): string {
  const rel = relative(cwd, path);
  return (rel === "" || rel.startsWith("..") ? path : rel).split(sep).join("/");
}
