/**
 * Code lenses on tests: "▶ run test" above each `test "…"` and "explain" above each `do`
 * step. They carry commands for the editor to run, not the server: `paybill.runTest` with
 * `{ project, test }` (the VS Code extension runs `paybillc test <project> --filter <test>`)
 * and `paybill.explain` with `{ project, request }`, the step as an `explain` request
 * (agent, action, tenant, workflow state, the input's literal values and, as the resource, a
 * given row whose `id` the input names, its literal fields; the extension
 * writes it to a file and runs `paybillc explain <project> --request <file>`). A client
 * without these commands can run the same lines itself (README, "Editors").
 */
import type { CodeLens } from "vscode-languageserver/node";
import type { CelExpr } from "../ast/cel.js";
import type { FileNode, TestDecl } from "../ast/nodes.js";
import type { SourceFile } from "../source/source-file.js";
import { toRange } from "./positions.js";

export const RUN_TEST = "paybill.runTest";
export const EXPLAIN = "paybill.explain";

export function codeLenses(ast: FileNode, source: SourceFile, project: string): CodeLens[] {
  const lenses: CodeLens[] = [];
  for (const decl of ast.declarations) {
    if (decl.kind !== "Test") continue;
    const test = decl as TestDecl;
    if (test.name.kind !== "String") continue;
    lenses.push({ range: toRange(source, test.span), command: { title: "▶ run test", command: RUN_TEST, arguments: [{ project, test: test.name.value }] } });
    let agent: string | undefined;
    let tenant: string | undefined;
    let workflow: { name: string; state: string } | undefined;
    const rows: Record<string, unknown>[] = [];
    for (const step of test.body) {
      if (step.kind === "As") {
        agent = step.agent.name;
        workflow = step.workflow !== undefined && step.state !== undefined ? { name: step.workflow.name, state: step.state.name } : undefined;
      } else if (step.kind === "TenantIs") tenant = step.tenant.name;
      else if (step.kind === "GivenRecord") rows.push(literals(step.record.fields));
      else if (step.kind === "Do" && agent !== undefined) {
        const input = literals(step.input.fields);
        // The row the step acts on: a given row whose `id` the input names.
        const resource = rows.findLast((row) => row.id !== undefined && Object.values(input).includes(row.id));
        const request = {
          agent,
          action: step.action.name,
          ...(tenant === undefined ? {} : { tenant }),
          input,
          ...(resource === undefined ? {} : { resource }),
          ...(workflow === undefined ? {} : { workflow }),
        };
        lenses.push({ range: toRange(source, step.span), command: { title: "explain", command: EXPLAIN, arguments: [{ project, request }] } });
      }
    }
  }
  return lenses;
}

const NOT_LITERAL = Symbol("not a literal");

/** The fields whose values are literals, as JSON. */
function literals(fields: readonly { readonly name: { readonly name: string }; readonly value: CelExpr }[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    const value = literal(field.value);
    if (value !== NOT_LITERAL) out[field.name.name] = value;
  }
  return out;
}

/** A CEL literal (or a list or map of them) as JSON; anything else is left for explain to report. */
function literal(expr: CelExpr): unknown {
  switch (expr.kind) {
    case "CelLiteral":
      if (expr.type === "string") {
        try {
          return JSON.parse(expr.raw.startsWith("'") ? `"${expr.raw.slice(1, -1).replace(/"/g, '\\"')}"` : expr.raw);
        } catch {
          return NOT_LITERAL;
        }
      }
      if (expr.type === "bool") return expr.raw === "true";
      if (expr.type === "null") return null;
      if (expr.type === "bytes") return NOT_LITERAL;
      return Number(expr.raw.replace(/[uU]$/, ""));
    case "CelList": {
      const items = expr.elements.map(literal);
      return items.includes(NOT_LITERAL) ? NOT_LITERAL : items;
    }
    case "CelUnary":
      return expr.op === "-" && expr.operand.kind === "CelLiteral" ? -(literal(expr.operand) as number) : NOT_LITERAL;
    default:
      return NOT_LITERAL;
  }
}
