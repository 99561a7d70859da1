/**
 * Semantic tokens: what each name is, beyond what the TextMate grammar can tell from text —
 * declarations and references by kind (an entity, an action, a plan…), CEL variables,
 * fields and functions, entity and input field names. Keywords, strings, numbers and
 * comments stay with the grammar. Encoded as LSP wants: five integers per token, each
 * position relative to the previous token, sorted, one line per token.
 */
import type { SemanticTokens, SemanticTokensLegend } from "vscode-languageserver/node";
import type { CelCall, CelSelect } from "../ast/cel.js";
import type { Field } from "../ast/nodes.js";
import type { Namespace, Unit } from "../2-resolve/symbols.js";
import type { Span } from "../source/source-file.js";
import type { Analysis } from "./analysis.js";
import { allNodes } from "./locate.js";
import { occurrencesIn } from "./occurrences.js";

export const TOKEN_TYPES = ["namespace", "type", "class", "enum", "enumMember", "function", "variable", "property", "event", "struct", "interface", "method"] as const;
export const TOKEN_MODIFIERS = ["declaration", "readonly", "defaultLibrary"] as const;
export const LEGEND: SemanticTokensLegend = { tokenTypes: [...TOKEN_TYPES], tokenModifiers: [...TOKEN_MODIFIERS] };

type TokenType = (typeof TOKEN_TYPES)[number];

const BY_NAMESPACE: Record<Namespace, TokenType> = {
  provider: "namespace",
  isolation: "enum",
  cloud: "namespace",
  plan: "class",
  tenant: "enumMember",
  agent: "interface",
  group: "enumMember",
  entity: "struct",
  action: "function",
  policy: "event",
  workflow: "class",
  test: "method",
  const: "variable",
};

interface Token {
  readonly span: Span;
  readonly type: TokenType;
  readonly modifiers: number;
}

const DECLARATION = 1;
const READONLY = 2;
const DEFAULT_LIBRARY = 4;

export function semanticTokens(analysis: Analysis, unit: Unit): SemanticTokens {
  const tokens: Token[] = [];
  for (const [symbol, o] of occurrencesIn(analysis, unit)) {
    tokens.push({ span: o.span, type: BY_NAMESPACE[symbol.namespace], modifiers: (o.declaration ? DECLARATION : 0) | (symbol.unit.std ? DEFAULT_LIBRARY : 0) });
  }
  for (const node of allNodes(unit.ast)) {
    switch (node.kind) {
      case "CelIdent":
        tokens.push({ span: node.span, type: "variable", modifiers: READONLY });
        break;
      case "CelSelect":
        tokens.push({ span: (node as CelSelect).fieldSpan, type: "property", modifiers: 0 });
        break;
      case "CelCall":
        tokens.push({ span: (node as CelCall).fnSpan, type: "function", modifiers: DEFAULT_LIBRARY });
        break;
      case "Field":
        tokens.push({ span: (node as Field).name.span, type: "property", modifiers: DECLARATION });
        break;
    }
  }
  return { data: encode(unit, tokens) };
}

function encode(unit: Unit, tokens: Token[]): number[] {
  const { source } = unit;
  tokens.sort((a, b) => a.span.start - b.span.start || b.span.end - a.span.end);
  const data: number[] = [];
  let prevLine = 0;
  let prevChar = 0;
  let lastEnd = -1;
  for (const t of tokens) {
    if (t.span.end <= t.span.start || t.span.start < lastEnd) continue; // empty or overlapping
    const start = source.position(t.span.start);
    const end = source.position(t.span.end);
    if (start.line !== end.line) continue;
    const line = start.line - 1;
    const char = start.column - 1;
    data.push(line - prevLine, line === prevLine ? char - prevChar : char, t.span.end - t.span.start, TOKEN_TYPES.indexOf(t.type), t.modifiers);
    prevLine = line;
    prevChar = char;
    lastEnd = t.span.end;
  }
  return data;
}
