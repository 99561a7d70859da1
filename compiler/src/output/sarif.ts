/**
 * `paybillc check --format sarif`: the diagnostics as one SARIF 2.1.0 log (OASIS), the
 * format code-scanning UIs read (GitHub code scanning, Azure DevOps, IDE viewers). One run of
 * the tool `paybillc`; a rule per code that occurs, described by the catalogue (its title and
 * default level, and where its entry is); a result per diagnostic with its file (relative,
 * from the working directory: `%SRCROOT%`), its region (1-based lines and columns in UTF-16
 * units, as the text report), and its message with the help line.
 */
import { CATALOG, type CatalogEntry, type Diagnostic, diagnosticToJson } from "@paybill/lang";
import type { Log, ReportingDescriptor, Result } from "sarif";

const LEVEL = { error: "error", warning: "warning", info: "note" } as const;

const byCode = new Map<string, CatalogEntry>(Object.values(CATALOG).map((entry) => [entry.code, entry]));

/** A relative path as a URI reference: `/`-separated, each segment percent-encoded. */
function uriOf(file: string): string {
  return file
    .split(/[\\/]/)
    .map((segment) => encodeURIComponent(segment))
    .join("/");
}

/** Typed by the SARIF 2.1.0 schema's own TypeScript types (@types/sarif), so a misnamed property does not compile. */
export function sarifLog(diagnostics: readonly Diagnostic[], version: string): Log {
  const codes = [...new Set(diagnostics.map((d) => d.code))].sort();
  const rules = codes.map((code): ReportingDescriptor => {
    const entry = byCode.get(code);
    return {
      id: code,
      ...(entry === undefined ? {} : { shortDescription: { text: entry.title }, defaultConfiguration: { level: LEVEL[entry.severity] } }),
      help: { text: `spec/diagnostics.md, section ${code}: what it means, a failing example and its fix` },
    };
  });
  const index = new Map(codes.map((code, i) => [code, i]));
  const results = diagnostics.map((d): Result => {
    const json = diagnosticToJson(d);
    return {
      ruleId: d.code,
      ruleIndex: index.get(d.code) ?? -1,
      level: LEVEL[d.severity],
      message: { text: d.help === undefined ? d.message : `${d.message}\nhelp: ${d.help}` },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: uriOf(json.file), uriBaseId: "%SRCROOT%" },
            region: { startLine: json.line, startColumn: json.column, endLine: json.endLine, endColumn: json.endColumn },
          },
        },
      ],
    };
  });
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [{ tool: { driver: { name: "paybillc", version, rules } }, columnKind: "utf16CodeUnits", results }],
  };
}
