/**
 * `test` blocks → test cases: plain data naming bundle declarations (names resolved through
 * the model's references, so an imported or aliased name is the declaration's own), with
 * record values evaluated. Where a test is in its file is kept for the report.
 */
import type { Declaration, Declared, Ident, Model, QualifiedName, RecordLiteral, SourceFile, TestDecl } from "@paybill/lang";
import { policyBundleNames } from "../emit/bundle/select.js";
import { printCel } from "@paybill/lang";
import type { Outcome } from "@paybill/runtime";
import { celConstant } from "./values.js";

export interface TestCase {
  readonly name: string;
  readonly file: SourceFile;
  /** Offset of the `test` keyword, for `file:line:col`. */
  readonly offset: number;
  readonly agent: string;
  readonly workflow?: { readonly name: string; readonly state?: string };
  readonly tenant?: string;
  readonly rows: readonly { readonly entity: string; readonly record: Readonly<Record<string, unknown>> }[];
  readonly approvals: readonly string[];
  /** The run's trusted context (`given context`); absent when the test gives none. */
  readonly context?: Readonly<Record<string, unknown>>;
  /** The values the run has seen in untrusted output (`given untrusted`), as written. */
  readonly untrusted: readonly string[];
  readonly action: string;
  readonly input: Readonly<Record<string, unknown>>;
  readonly expect: { readonly decision: Outcome; readonly by: readonly string[]; readonly offset: number };
}

export function testCases(model: Model): TestCase[] {
  const cases: TestCase[] = [];
  const policies = policyBundleNames(model);
  for (const unit of model.units) {
    for (const decl of unit.ast.declarations) {
      if (decl.kind === "Test") {
        const test = testCase(model, unit.source, decl, policies);
        if (test !== undefined) cases.push(test);
      }
    }
  }
  return cases;
}

function testCase(model: Model, file: SourceFile, decl: TestDecl, policies: ReadonlyMap<Declaration, string>): TestCase | undefined {
  if (decl.name.kind !== "String") return undefined;
  const name = (node: Ident | QualifiedName): string => {
    const declared = model.references.get(node) as Declared | undefined;
    // A policy by its name in the bundle (qualified when another package's policy shares it).
    return declared === undefined ? lastPart(node) : (policies.get(declared.decl) ?? declared.name);
  };
  let agent: string | undefined;
  let workflow: TestCase["workflow"];
  let tenant: string | undefined;
  const rows: { entity: string; record: Record<string, unknown> }[] = [];
  const approvals: string[] = [];
  let context: Record<string, unknown> | undefined;
  const untrusted: string[] = [];
  let action: string | undefined;
  let input: Record<string, unknown> = {};
  let expect: TestCase["expect"] | undefined;
  for (const step of decl.body) {
    switch (step.kind) {
      case "As":
        agent = name(step.agent);
        if (step.workflow !== undefined) workflow = { name: name(step.workflow), ...(step.state === undefined ? {} : { state: step.state.name }) };
        break;
      case "TenantIs":
        tenant = name(step.tenant);
        break;
      case "GivenRecord":
        rows.push({ entity: name(step.entity), record: record(step.record) });
        break;
      case "GivenApproval":
        if (step.group.kind === "String") approvals.push(step.group.value);
        break;
      case "GivenContext":
        context = record(step.record);
        break;
      case "GivenUntrusted":
        if (step.value.kind === "String") untrusted.push(step.value.value);
        break;
      case "Do":
        action = name(step.action);
        input = record(step.input);
        break;
      case "Expect":
        expect = { decision: step.decision, by: step.by.map(name), offset: step.span.start };
        break;
    }
  }
  // The checker reports a test without `as`, `do` or `expect` (PB3008); such a test cannot run.
  if (agent === undefined || action === undefined || expect === undefined) return undefined;
  return { name: decl.name.value, file, offset: decl.span.start, agent, workflow, tenant, rows, approvals, ...(context === undefined ? {} : { context }), untrusted, action, input, expect };
}

function record(literal: RecordLiteral): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of literal.fields) out[field.name.name] = celConstant(printCel(field.value));
  return out;
}

function lastPart(node: Ident | QualifiedName): string {
  return node.kind === "Ident" ? node.name : (node.parts.at(-1)?.name ?? "");
}
