/**
 * `test` blocks: everything they name resolves, and their records match the schemas they
 * fill (a `given` row its entity, a `do` input its action); what the test's run is given
 * (`given context`, `given untrusted`) is check-test-run.ts's.
 */
import type { TestDecl, WorkflowDecl } from "../ast/nodes.js";
import { didYouMean } from "../2-resolve/suggest.js";
import type { Unit } from "../2-resolve/symbols.js";
import { inputFieldsOf } from "./check-data.js";
import { checkTestRun } from "./check-test-run.js";
import { statesOf } from "./check-workflows.js";
import type { State } from "./state.js";
import { checkRecord, TEST_RECORD } from "./test-records.js";

export function checkTest(state: State, unit: Unit, test: TestDecl): void {
  const name = test.name.kind === "String" ? test.name.value : "";
  const what = `test \`${name}\``;
  const count = (kind: string) => test.body.filter((s) => s.kind === kind).length;
  for (const [kind, word] of [["As", "as"], ["Do", "do"], ["Expect", "expect"]] as const) {
    if (count(kind) === 0) state.ctx.report("missingAttribute", unit, test.name.span, `${what} has no \`${word}\` step`, "a test says who acts (`as`), what they do (`do`) and the decision it expects (`expect`)");
    if (count(kind) > 1) state.ctx.report("duplicateName", unit, test.body.filter((s) => s.kind === kind)[1]?.span ?? test.span, `${what} has more than one \`${word}\` step`);
  }
  // The workflow the test runs in (`as A in W`), once resolved: undefined outside a run, null when it does not resolve.
  let workflowOf: WorkflowDecl | null | undefined;
  for (const statement of test.body) {
    switch (statement.kind) {
      case "As": {
        state.ctx.resolve(unit, "agent", statement.agent);
        if (statement.workflow === undefined) break;
        const workflow = state.ctx.resolve(unit, "workflow", statement.workflow);
        workflowOf = workflow?.decl.kind === "Workflow" ? workflow.decl : null;
        if (statement.state !== undefined && workflow?.decl.kind === "Workflow") {
          const states = statesOf(workflow.decl).map((s) => s.name.name);
          if (!states.includes(statement.state.name)) {
            state.ctx.report("unknownName", unit, statement.state.span, `workflow \`${workflow.name}\` has no state \`${statement.state.name}\``, didYouMean(statement.state.name, states));
          }
        }
        break;
      }
      case "TenantIs":
        state.ctx.resolve(unit, "tenant", statement.tenant);
        break;
      case "GivenRecord": {
        const entity = state.ctx.resolve(unit, "entity", statement.entity);
        if (entity?.decl.kind === "Entity") checkRecord(state, unit, statement.record, state.fieldsOf(entity.decl), { what: `entity \`${entity.name}\``, complete: false, codes: TEST_RECORD });
        break;
      }
      case "Do": {
        const action = state.ctx.resolve(unit, "action", statement.action);
        if (action?.decl.kind === "Action") {
          const fields = inputFieldsOf(state, state.unitOf.get(action.decl) ?? unit, action.decl);
          checkRecord(state, unit, statement.input, fields, { what: `the input of \`${action.name}\``, complete: true, codes: TEST_RECORD });
        }
        break;
      }
      case "Expect":
        for (const policy of statement.by) state.ctx.resolve(unit, "policy", policy);
        break;
      case "GivenApproval":
      case "GivenContext":
      case "GivenUntrusted":
        break;
    }
  }
  checkTestRun(state, unit, test, what, workflowOf);
}
