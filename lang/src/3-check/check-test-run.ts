/**
 * What a test's workflow run is given (spec/language.md §5.9): `given context { … }`, its
 * trusted context, checked against the workflow's `context { … }` as `runs.start` checks a
 * host's (an undeclared field PB4102, a value of the wrong type PB4103, a required field
 * left out PB4104; no workflow, or one without a context, PB4105); and `given untrusted "…"`,
 * a value the run has seen in untrusted output, which needs a run (PB4113). The values are
 * `paybillc test`'s to use; this file only checks.
 */
import type { GivenContext, TestDecl, WorkflowDecl } from "../ast/nodes.js";
import type { Unit } from "../2-resolve/symbols.js";
import type { State } from "./state.js";
import { checkRecord } from "./test-records.js";

/** `workflow`: the test's `as … in W` (undefined without `in`, null when W did not resolve: already reported). */
export function checkTestRun(state: State, unit: Unit, test: TestDecl, what: string, workflow: WorkflowDecl | null | undefined): void {
  const contexts = test.body.filter((s): s is GivenContext => s.kind === "GivenContext");
  for (const extra of contexts.slice(1)) state.ctx.report("duplicateName", unit, extra.span, `${what} gives more than one \`context\``, "give the run's context in one `given context { … }`");
  const given = contexts[0];
  if (given !== undefined && workflow !== null) checkContext(state, unit, given, what, workflow);
  if (workflow !== undefined) return;
  for (const step of test.body) {
    if (step.kind !== "GivenUntrusted") continue;
    state.ctx.report(
      "testUntrustedWithoutRun",
      unit,
      step.span,
      `${what} gives an untrusted value but runs in no workflow`,
      "outside a run `untrusted(x)` errs whatever was seen: say the workflow the test runs in, `as AGENT in WORKFLOW`",
    );
  }
}

function checkContext(state: State, unit: Unit, given: GivenContext, what: string, workflow: WorkflowDecl | undefined): void {
  if (workflow === undefined) {
    state.ctx.report("testContextWithoutRun", unit, given.span, `${what} gives a context but runs in no workflow`, "a run's context belongs to its workflow: say the workflow the test runs in, `as AGENT in WORKFLOW`");
    return;
  }
  const name = workflow.name.name;
  if (!workflow.body.some((e) => e.kind === "Context")) {
    state.ctx.report("testContextWithoutRun", unit, given.span, `workflow \`${name}\` declares no \`context\`, so its runs take none`, `leave \`given context\` out, or declare \`context { … }\` in workflow \`${name}\``);
    return;
  }
  // Typed once by runType (check.ts runs it before the tests), so a bad field type is reported once.
  const fields = state.contextFields.get(workflow) ?? [];
  checkRecord(state, unit, given.record, fields, {
    what: `the context of workflow \`${name}\``,
    complete: true,
    codes: { unknown: "testContextUnknownField", type: "testContextType", missing: "testContextMissing" },
    missingHelp: `a run of \`${name}\` cannot start without them: give each a value of its declared type`,
  });
}
