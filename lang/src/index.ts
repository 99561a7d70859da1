/**
 * @paybill/lang — what a `.paybill` file means: parsing, diagnostics, formatting.
 */
export type * from "./ast/cel.js";
export type * from "./ast/nodes.js";
export { ALL_CODES, CATALOG, type CatalogEntry, type DiagnosticKind, type Severity } from "./diagnostics/catalog.js";
export { compareDiagnostics, type Diagnostic, diagnostic, hasErrors } from "./diagnostics/diagnostic.js";
export { type DiagnosticJson, diagnosticToJson, MAX_SOURCE_WIDTH, type RenderOptions, renderDiagnostic } from "./diagnostics/render.js";
export { MAX_EXPRESSION_DEPTH } from "./1-parse/cel-parser.js";
export { MAX_NESTING } from "./1-parse/depth-guard.js";
export { MAX_DIAGNOSTICS_PER_FILE, type ParseResult, parse } from "./1-parse/parse.js";
export { type Position, SourceFile, type Span } from "./source/source-file.js";
export { debugPrint } from "./ast/debug-print.js";
export { sameTree, withoutPositions } from "./ast/equal.js";
export { type FormatResult, format } from "./format/format.js";
export { printFile } from "./format/layout.js";
export { checkProject, type ProjectResult } from "./check-project.js";
export { loadStdlib } from "./stdlib.js";
export type { Model } from "./3-check/model.js";
export type { Module, Namespace, Declared, Unit } from "./2-resolve/symbols.js";
export type { CelType, CelField } from "./3-check/cel/cel-types.js";
export { typeName } from "./3-check/cel/cel-types.js";
export type { FieldType, TypedField } from "./3-check/field-types.js";
export { MAX_CONDITION_COST, MAX_CONDITION_NODES } from "./3-check/cel/index.js";
export { RESERVED_TABLE_PREFIX, snakeCase } from "./3-check/reserved-names.js";
export { printCel } from "./format/cel-print.js";
export { type Comprehension, comprehensionOf } from "./3-check/cel/macros.js";
export { startLanguageServer } from "./lsp/start.js";
export type { ServerHost } from "./lsp/server.js";
export { unguardedOptionalReads } from "./3-check/effect-inputs.js";
export { closest, didYouMean } from "./2-resolve/suggest.js";
export { type CompareOp, type RowFilterNode, rowFilter } from "./3-check/row-filter.js";
export { MAX_LIST_READ } from "./3-check/read-many.js";
export { findProjectRoot, MANIFEST_FILE } from "./project/manifest.js";
