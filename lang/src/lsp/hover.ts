/**
 * Hover: what the name under the cursor is. A declared name (or a reference to one) shows
 * its kind, module, fields and doc comment; inside CEL, a variable shows its type and a
 * field (`resource.amount`) its type and the field's doc (which entity or input it is);
 * an entity or input field shows its type; a constant its type and value and a lookup
 * what it tests (hover-data.ts); the words of some constructs say what they do (an effect's,
 * an approval rule's, a test's run steps). Must not find symbols itself.
 */
import type { Hover } from "vscode-languageserver/node";
import type { ActionDecl, EntityDecl, Field } from "../ast/nodes.js";
import type { Unit } from "../2-resolve/symbols.js";
import { typeName } from "../3-check/cel/cel-types.js";
import { describeWindow } from "../3-check/cel/windows.js";
import { printCel } from "../format/cel-print.js";
import type { Analysis } from "./analysis.js";
import { approvalKeywordAt } from "./approval-hover.js";
import { celAt, fieldsOf } from "./cel-at.js";
import type { CelExpr } from "../ast/cel.js";
import { describeField, describeSymbol, FUNCTION_DOCS } from "./describe.js";
import { constantAt, describeConst, describeLookup } from "./hover-data.js";
import { effectKeywordAt } from "./effect-keywords.js";
import { pathAt } from "./locate.js";
import { symbolAt } from "./occurrences.js";
import { toRange } from "./positions.js";
import { testStepAt } from "./test-step-hover.js";

export function hover(analysis: Analysis, unit: Unit, offset: number): Hover | null {
  const cel = celAt(analysis.model, unit, offset);
  if (cel !== undefined) {
    const { node, types } = cel;
    const constant = constantAt(analysis.model, cel.path.filter((n) => n.kind?.startsWith("Cel") === true) as CelExpr[]);
    if (constant !== undefined) return markdown(`${describeConst(constant.decl, analysis.model)}\n\nconstant \`${constant.decl.name.name}\``, toRange(unit.source, constant.node.span));
    const lookup = node.kind === "CelCall" && offset <= node.fnSpan.end ? describeLookup(node, analysis.model) : undefined;
    if (lookup !== undefined && node.kind === "CelCall") return markdown(lookup, toRange(unit.source, node.fnSpan));
    if (node.kind === "CelSelect" && offset >= node.fieldSpan.start) {
      const type = types.get(node);
      const owner = fieldsOf(types.get(node.operand));
      const field = owner?.fields.get(node.field);
      const text = [`\`${node.field}\`: \`${type === undefined ? "unknown" : typeName(type)}\``];
      if (owner !== undefined) text.push(`field of \`${owner.name}\``);
      if (field?.doc !== undefined) text.push(field.doc);
      if (field?.pii === true) text.push("personal data (`@pii`)");
      return markdown(text.join("\n\n"), toRange(unit.source, node.fieldSpan));
    }
    const window = node.kind === "CelCall" ? analysis.model?.windows.get(node) : undefined;
    if (window !== undefined && node.kind === "CelCall") {
      const type = types.get(node);
      const text = `\`${printCel(node)}\`: \`${type === undefined ? "unknown" : typeName(type)}\`\n\n${describeWindow(window)}`;
      return markdown(text, toRange(unit.source, node.fnSpan));
    }
    if (node.kind === "CelIdent" || node.kind === "CelCall") {
      const type = types.get(node);
      const name = node.kind === "CelIdent" ? node.name : `${node.fn}()`;
      const span = node.kind === "CelIdent" ? node.span : node.fnSpan;
      const doc = node.kind === "CelCall" && node.target === undefined ? FUNCTION_DOCS[node.fn] : undefined;
      if (type !== undefined) return markdown(`\`${name}\`: \`${typeName(type)}\`${doc === undefined ? "" : `\n\n${doc}`}`, toRange(unit.source, span));
    }
  }
  const at = symbolAt(analysis, unit, offset);
  if (at !== undefined) return markdown(describeSymbol(at.symbol, analysis.model), toRange(unit.source, at.span));
  const field = fieldAt(analysis, unit, offset);
  if (field !== undefined) return markdown(field.text, toRange(unit.source, field.node.name.span));
  const keyword = effectKeywordAt(pathAt(unit.ast, offset), unit.source.text, offset);
  if (keyword !== undefined) return markdown(keyword.doc, toRange(unit.source, keyword.span));
  const step = testStepAt(pathAt(unit.ast, offset), unit.source.text, offset);
  if (step !== undefined) return markdown(step.doc, toRange(unit.source, step.span));
  const approvalWord = approvalKeywordAt(unit, offset);
  if (approvalWord !== undefined) return markdown(approvalWord.text, toRange(unit.source, approvalWord.span));
  return null;
}

/** An entity field or action input field whose name is under the cursor. */
function fieldAt(analysis: Analysis, unit: Unit, offset: number): { node: Field; text: string } | undefined {
  const model = analysis.model;
  if (model === undefined) return undefined;
  const path = pathAt(unit.ast, offset);
  const index = path.findIndex((n) => n.kind === "Field");
  const node = path[index] as Field | undefined;
  if (node === undefined || offset > node.name.span.end || offset < node.name.span.start) return undefined;
  const decl = path.find((n) => n.kind === "Entity" || n.kind === "Action");
  if (decl === undefined) return undefined;
  const fields = decl.kind === "Entity" ? model.entityFields.get(decl as EntityDecl) : model.inputFields.get(decl as ActionDecl);
  const typed = fields?.find((f) => f.node === node);
  if (typed === undefined) return undefined;
  const owner = decl.kind === "Entity" ? "field of entity" : "input of action";
  const declName = (decl as EntityDecl | ActionDecl).name.name;
  return { node, text: `\`${typed.name}\`: \`${describeField(typed)}\`\n\n${owner} \`${declName}\`` };
}

function markdown(value: string, range: Hover["range"]): Hover {
  return range === undefined ? { contents: { kind: "markdown", value } } : { contents: { kind: "markdown", value }, range };
}
