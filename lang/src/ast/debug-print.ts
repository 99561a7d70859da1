/**
 * A readable dump of a syntax tree with every node's position (`line:col-line:col`), for
 * golden tests: a change in shape or in a span shows up as a one-line diff.
 */
import type { SourceFile, Span } from "../source/source-file.js";

export function debugPrint(node: unknown, source: SourceFile): string {
  const lines: string[] = [];
  const where = (span: Span): string => {
    const a = source.position(span.start);
    const b = source.position(span.end);
    return `${a.line}:${a.column}-${b.line}:${b.column}`;
  };
  const visit = (value: unknown, prefix: string, indent: string): void => {
    if (Array.isArray(value)) {
      if (value.length === 0) {
        lines.push(`${indent}${prefix}[]`);
        return;
      }
      lines.push(`${indent}${prefix}`.trimEnd());
      for (const item of value) visit(item, "- ", `${indent}  `);
      return;
    }
    if (typeof value !== "object" || value === null) {
      lines.push(`${indent}${prefix}${JSON.stringify(value)}`);
      return;
    }
    const record = value as Record<string, unknown>;
    const kind = typeof record.kind === "string" ? record.kind : "";
    const span = record.span as Span | undefined;
    const head = `${kind}${span === undefined ? "" : ` ${where(span)}`}`.trim();
    // Leaf-like nodes (a name, a literal) print on one line.
    if (kind === "Ident") {
      lines.push(`${indent}${prefix}${head} ${JSON.stringify(record.name)}`);
      return;
    }
    lines.push(`${indent}${prefix}${head}`);
    for (const [key, child] of Object.entries(record)) {
      if (key === "kind" || key === "span" || child === undefined) continue;
      if (key.endsWith("Span")) continue;
      visit(child, `${key}: `, `${indent}  `);
    }
  };
  visit(node, "", "");
  return `${lines.join("\n")}\n`;
}
