/**
 * fast-check arbitraries for Paybill syntax trees: every node kind, nested to a bounded
 * depth, with spans set to zero (structural comparisons ignore them). Names come from a
 * pool that avoids reserved words and the few contextual keywords a position forbids.
 */
import type * as A from "@paybill/lang";
import fc from "fast-check";

const S = { start: 0, end: 0 };

const NAMES = ["a", "b", "x", "y", "ticket", "amount", "status", "support_bot", "refund", "pooled", "t2", "_p"];
/** Contextual keywords are valid CEL identifiers and field names. */
const CEL_NAMES = [...NAMES, "input", "resource", "tenant", "action", "state", "principal", "context"];

const name = fc.constantFrom(...NAMES);
const ident = name.map((n): A.Ident => ({ kind: "Ident", span: S, name: n }));
const qualified = fc.array(ident, { minLength: 1, maxLength: 3 }).map((parts): A.QualifiedName => ({ kind: "QualifiedName", span: S, parts }));
const STRINGS: [string, string][] = [
  ['"eu-west-1"', "eu-west-1"], ['""', ""], ["'single'", "single"], ['"a\\"b"', 'a"b'], ['r"\\d+"', "\\d+"],
  ['"""tri\nple"""', "tri\nple"], ['"caf\u00e9"', "caf\u00e9"], ['"\\u00e9\\n"', "\u00e9\n"],
];
const stringValue = fc.constantFrom(...STRINGS).map(([raw, value]): A.StringValue => ({ kind: "String", span: S, raw, value }));

// ---- values ----

const number = fc.constantFrom("0", "3", "99", "12.50", "-1", "1e3", "0.5").map((raw): A.NumberValue => ({ kind: "Number", span: S, raw }));
const quantity = fc
  .record({ amount: number, unit: fc.option(fc.constantFrom("usd", "eur", "days", "seats"), { nil: undefined }), per: fc.option(fc.constantFrom("month", "day"), { nil: undefined }) })
  .filter((q) => q.unit !== undefined || q.per !== undefined)
  .map((q): A.QuantityValue => ({
    kind: "Quantity",
    span: S,
    amount: q.amount,
    unit: q.unit === undefined ? undefined : { kind: "Ident", span: S, name: q.unit },
    per: q.per === undefined ? undefined : { kind: "Ident", span: S, name: q.per },
  }));
const duration = fc.constantFrom("10m", "30s", "2h", "14d", "250ms").map((raw): A.DurationValue => ({ kind: "Duration", span: S, raw }));
const bool = fc.boolean().map((value): A.BoolValue => ({ kind: "Bool", span: S, value }));

const { value } = fc.letrec<{ value: A.Value; ref: A.RefValue; arg: A.Arg }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    stringValue,
    number,
    quantity,
    duration,
    bool,
    tie("ref"),
    fc.array(tie("value"), { maxLength: 3 }).map((items): A.ListValue => ({ kind: "List", span: S, items })),
  ),
  ref: fc
    .record({
      name: qualified,
      args: fc.option(fc.array(tie("arg"), { maxLength: 3 }), { nil: undefined }),
      optional: fc.boolean(),
      on: fc.option(qualified, { nil: undefined }),
    })
    .map((r): A.RefValue => ({ kind: "Ref", span: S, ...r })),
  arg: fc.record({ name: fc.option(ident, { nil: undefined }), value: tie("value") }).map((a): A.Arg => ({ kind: "Arg", span: S, ...a })),
}));

const typeRef = fc
  .record({ name: qualified, args: fc.option(fc.array(fc.record({ name: fc.option(ident, { nil: undefined }), value }).map((a): A.Arg => ({ kind: "Arg", span: S, ...a })), { maxLength: 2 }), { nil: undefined }), optional: fc.boolean() })
  .map((r): A.RefValue => ({ kind: "Ref", span: S, ...r, on: undefined }));

const annotation = fc
  .record({ name: ident, args: fc.option(fc.array(value.map((v): A.Arg => ({ kind: "Arg", span: S, name: undefined, value: v })), { maxLength: 2 }), { nil: undefined }) })
  .map((a): A.Annotation => ({ kind: "Annotation", span: S, ...a }));

const field = fc
  .record({ name: ident, type: typeRef, annotations: fc.array(annotation, { maxLength: 2 }) })
  .map((f): A.Field => ({ kind: "Field", span: S, ...f }));

// ---- CEL ----

const celLiteral = fc
  .constantFrom<[A.CelLiteralType, string]>(
    ["int", "0"], ["int", "42"], ["int", "-7"], ["int", "0x1F"], ["uint", "5u"], ["double", "1.5"], ["double", "-2.5e3"],
    ["string", '"s"'], ["string", "'q'"], ["bytes", 'b"\\x00"'], ["bool", "true"], ["bool", "false"], ["null", "null"],
  )
  .map(([type, raw]): A.CelExpr => ({ kind: "CelLiteral", span: S, type, raw }));
const celName = fc.constantFrom(...CEL_NAMES);
const binaryOps: A.CelBinaryOp[] = ["||", "&&", "==", "!=", "<", "<=", ">", ">=", "in", "+", "-", "*", "/", "%"];

/** The parser folds `-` into a non-negative number literal, so such a tree cannot be parsed. */
const foldsIntoLiteral = (op: "!" | "-", operand: A.CelExpr): boolean =>
  op === "-" && operand.kind === "CelLiteral" && (operand.type === "int" || operand.type === "double") && !operand.raw.startsWith("-");

export const { cel } = fc.letrec<{ cel: A.CelExpr }>((tie) => {
  const sub = tie("cel");
  return {
    cel: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      celLiteral,
      fc.record({ name: celName, absolute: fc.boolean() }).map((r): A.CelExpr => ({ kind: "CelIdent", span: S, ...r })),
      fc.record({ operand: sub, field: celName }).map((r): A.CelExpr => ({ kind: "CelSelect", span: S, fieldSpan: S, ...r })),
      fc
        .record({ target: fc.option(sub, { nil: undefined }), fn: name, absolute: fc.boolean(), args: fc.array(sub, { maxLength: 3 }) })
        .map(({ target, fn, absolute, args }): A.CelExpr => ({
          kind: "CelCall", span: S, fnSpan: S, target, fn: target === undefined && absolute ? `.${fn}` : fn, args,
        })),
      fc.record({ operand: sub, index: sub }).map((r): A.CelExpr => ({ kind: "CelIndex", span: S, ...r })),
      fc
        .record({ op: fc.constantFrom<"!" | "-">("!", "-"), operand: sub })
        .filter((r) => !foldsIntoLiteral(r.op, r.operand))
        .map((r): A.CelExpr => ({ kind: "CelUnary", span: S, ...r })),
      fc.record({ op: fc.constantFrom(...binaryOps), left: sub, right: sub }).map((r): A.CelExpr => ({ kind: "CelBinary", span: S, ...r })),
      // biome-ignore lint/suspicious/noThenProperty: `then` is the CEL AST's field name, not a thenable
      fc.record({ condition: sub, then: sub, otherwise: sub }).map((r): A.CelExpr => ({ kind: "CelConditional", span: S, ...r })),
      fc.array(sub, { maxLength: 3 }).map((elements): A.CelExpr => ({ kind: "CelList", span: S, elements })),
      fc.array(fc.record({ key: sub, value: sub }), { maxLength: 2 }).map((entries): A.CelExpr => ({
        kind: "CelMap", span: S, entries: entries.map((e) => ({ span: S, ...e })),
      })),
      fc
        .record({ typeName: fc.constantFrom("Msg", "google.protobuf.Int64Value", ".pkg.T"), fields: fc.array(fc.record({ name, value: sub }), { maxLength: 2 }) })
        .map((r): A.CelExpr => ({ kind: "CelStruct", span: S, typeName: r.typeName, fields: r.fields.map((f) => ({ span: S, ...f })) })),
    ),
  };
});

// ---- entries and declarations ----

const { entry } = fc.letrec<{ entry: A.Entry }>((tie) => ({
  entry: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.record({ key: fc.oneof(ident, stringValue), value }).map((a): A.Entry => ({ kind: "Attribute", span: S, ...a })),
    fc.record({ name: ident, entries: fc.array(tie("entry"), { maxLength: 3 }) }).map((b): A.Entry => ({ kind: "Block", span: S, ...b })),
  ),
}));
const attribute = fc.record({ key: ident, value }).map((a): A.Attribute => ({ kind: "Attribute", span: S, ...a }));
const body = fc.array(entry, { maxLength: 4 });

const dataOp = fc.constantFrom<A.DataOp>("read", "insert", "update", "delete");
const actionSelector = fc.oneof(
  fc.constant<A.ActionSelector>({ kind: "AnyAction", span: S }),
  fc.record({ op: dataOp, target: qualified }).map((r): A.ActionSelector => ({ kind: "DataAccess", span: S, ...r })),
  ident.map((action): A.ActionSelector => ({ kind: "ActionRef", span: S, action })),
);
const principal = fc.oneof(
  fc.constant<A.PrincipalSelector>({ kind: "AnyAgent", span: S }),
  ident.map((role): A.PrincipalSelector => ({ kind: "RoleSelector", span: S, role })),
  ident.map((agent): A.PrincipalSelector => ({ kind: "AgentSelector", span: S, agent })),
);
const rule = fc
  .record({
    effect: fc.constantFrom<"permit" | "forbid">("permit", "forbid"),
    principals: fc.array(principal, { minLength: 1, maxLength: 2 }),
    actions: fc.array(actionSelector, { minLength: 1, maxLength: 2 }),
    condition: fc.option(cel, { nil: undefined }),
  })
  .map((r): A.Rule => ({ kind: "Rule", span: S, ...r }));

const effect = fc
  .record({
    op: dataOp,
    entity: qualified,
    key: fc.option(cel, { nil: undefined }),
    assignments: fc.option(fc.array(fc.record({ field: ident, value: cel }).map((a): A.Assignment => ({ kind: "Assignment", span: S, ...a })), { maxLength: 2 }), { nil: undefined }),
  })
  .map((e): A.ActionEntry => ({ kind: "Effect", span: S, ...e }));
const actionEntry = fc.oneof(
  fc.array(field, { maxLength: 3 }).map((fields): A.ActionEntry => ({ kind: "Input", span: S, fields })),
  effect,
  ident.map((feature): A.ActionEntry => ({ kind: "RequiresFeature", span: S, feature })),
  attribute,
);

const stateEntry = fc.oneof(
  fc.array(actionSelector, { minLength: 1, maxLength: 2 }).map((actions): A.StateEntry => ({ kind: "Allow", span: S, actions })),
  fc.array(ident, { minLength: 1, maxLength: 2 }).map((states): A.StateEntry => ({ kind: "Next", span: S, states })),
  // Targets with `by` and `when` (the printer writes `edges`; a parse gives them back only when one says either).
  fc
    .array(fc.record({ state: ident, by: fc.option(ident, { nil: undefined }), when: fc.option(cel, { nil: undefined }) }), { minLength: 1, maxLength: 2 })
    .filter((edges) => edges.some((e) => e.by !== undefined || e.when !== undefined))
    .map((edges): A.StateEntry => ({ kind: "Next", span: S, states: edges.map((e) => e.state), edges: edges.map((e): A.NextEdge => ({ kind: "NextEdge", span: S, ...e })) })),
  stringValue.map((group): A.StateEntry => ({ kind: "AwaitApproval", span: S, group })),
  fc.constant<A.StateEntry>({ kind: "Final", span: S }),
  attribute,
);
const workflowEntry = fc.oneof(
  ident.map((state): A.WorkflowEntry => ({ kind: "Start", span: S, state })),
  fc.record({ name: ident, body: fc.array(stateEntry, { maxLength: 3 }) }).map((s): A.WorkflowEntry => ({ kind: "State", span: S, ...s })),
  attribute,
);

const record = fc
  .array(fc.record({ name: ident, value: cel }).map((f): A.RecordField => ({ kind: "RecordField", span: S, ...f })), { maxLength: 3 })
  .map((fields): A.RecordLiteral => ({ kind: "Record", span: S, fields }));
const testStatement = fc.oneof(
  fc
    .record({ agent: ident, workflow: fc.option(ident, { nil: undefined }), state: fc.option(ident, { nil: undefined }) })
    .map((r): A.TestStatement => ({ kind: "As", span: S, agent: r.agent, workflow: r.workflow, state: r.workflow === undefined ? undefined : r.state })),
  ident.map((tenant): A.TestStatement => ({ kind: "TenantIs", span: S, tenant })),
  fc.record({ entity: qualified, record }).map((r): A.TestStatement => ({ kind: "GivenRecord", span: S, ...r })),
  stringValue.map((group): A.TestStatement => ({ kind: "GivenApproval", span: S, group })),
  record.map((r): A.TestStatement => ({ kind: "GivenContext", span: S, record: r })),
  stringValue.map((value): A.TestStatement => ({ kind: "GivenUntrusted", span: S, value })),
  fc.record({ action: ident, input: record }).map((r): A.TestStatement => ({ kind: "Do", span: S, ...r })),
  fc
    .record({ decision: fc.constantFrom<"allow" | "deny" | "pending">("allow", "deny", "pending"), by: fc.array(ident, { maxLength: 2 }) })
    .map((r): A.TestStatement => ({ kind: "Expect", span: S, ...r })),
);

export const declaration: fc.Arbitrary<A.Declaration> = fc.oneof(
  fc.record({ name: ident, body }).map((d): A.Declaration => ({ kind: "Provider", span: S, ...d })),
  fc.record({ name: ident, body }).map((d): A.Declaration => ({ kind: "Isolation", span: S, ...d })),
  fc.record({ provider: ident, name: fc.option(ident, { nil: undefined }), body }).map((d): A.Declaration => ({ kind: "Cloud", span: S, ...d })),
  fc.record({ name: ident, body }).map((d): A.Declaration => ({ kind: "Plan", span: S, ...d })),
  fc.record({ name: ident, body }).map((d): A.Declaration => ({ kind: "Tenant", span: S, ...d })),
  fc.record({ name: ident, body }).map((d): A.Declaration => ({ kind: "Agent", span: S, ...d })),
  fc
    .record({ name: ident, annotations: fc.array(annotation, { maxLength: 2 }), fields: fc.array(field, { maxLength: 4 }) })
    .map((d): A.Declaration => ({ kind: "Entity", span: S, ...d })),
  fc.record({ name: ident, body: fc.array(actionEntry, { maxLength: 4 }) }).map((d): A.Declaration => ({ kind: "Action", span: S, ...d })),
  fc.record({ name: ident, body: fc.array(fc.oneof(rule, attribute), { maxLength: 3 }) }).map((d): A.Declaration => ({ kind: "Policy", span: S, ...d })),
  fc.record({ name: ident, body: fc.array(workflowEntry, { maxLength: 4 }) }).map((d): A.Declaration => ({ kind: "Workflow", span: S, ...d })),
  fc.record({ name: stringValue, body: fc.array(testStatement, { maxLength: 4 }) }).map((d): A.Declaration => ({ kind: "Test", span: S, ...d })),
);

const importDecl = fc
  .record({ path: qualified, form: fc.constantFrom("plain", "members", "alias"), members: fc.array(ident, { minLength: 1, maxLength: 3 }), alias: ident })
  .map((r): A.ImportDecl => ({
    kind: "Import",
    span: S,
    path: r.path,
    members: r.form === "members" ? r.members : undefined,
    alias: r.form === "alias" ? r.alias : undefined,
  }));

export const fileNode: fc.Arbitrary<A.FileNode> = fc
  .record({
    package: fc.option(qualified.map((n): A.PackageDecl => ({ kind: "Package", span: S, name: n })), { nil: undefined }),
    imports: fc.array(importDecl, { maxLength: 2 }),
    declarations: fc.array(declaration, { maxLength: 4 }),
  })
  .map((f): A.FileNode => ({ kind: "File", span: S, comments: [], ...f }));
