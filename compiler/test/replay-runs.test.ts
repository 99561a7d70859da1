/**
 * replay/replay.ts on the helpdesk bundle: a run's state comes from its moves in the export;
 * a run with neither start nor move in an export that starts at the tenant's first record is
 * at its workflow's start, and in a range export (starting later) its state is unknown, so
 * the record is not replayed rather than decided in the wrong state.
 */
import { Decider } from "@paybill/runtime";
import { describe, expect, it } from "vitest";
import { type ExportedRecord, replay } from "../src/replay/replay.js";
import { emitOk, HELPDESK, sourcesIn } from "./support/bundle.js";

const { bundle } = emitOk(sourcesIn(HELPDESK));
const decider = new Decider(bundle);
const TICKET = "00000000-0000-4000-8000-000000000001";
const TIME = "2030-01-01T00:00:00.000000Z";

function decided(seq: number, state: string | undefined, action = "read_ticket"): ExportedRecord {
  const input = { ticket: TICKET };
  const tenant = { id: "initech", plan: "business", state: "active" };
  const decision = decider.decide({ tenant, agent: "support_bot", action, input, ...(state === undefined ? {} : { workflow: { name: "resolve_ticket", state } }), time: TIME });
  return { tenant: "initech", seq, time: TIME, agent: "support_bot", action, input, decision: decision.decision, reasons: JSON.parse(JSON.stringify(decision.reasons)) as unknown[], run: "run-1" };
}

function move(seq: number, from: string, to: string): ExportedRecord {
  return { tenant: "initech", seq, time: TIME, agent: "paybill:host", action: "workflow.move", input: { workflow: "resolve_ticket", from, to, by: "host" }, decision: "allow", reasons: [], run: "run-1" };
}

describe("replay: workflow states from the export", () => {
  it("follows the run's moves: read_ticket allowed in triage, denied in resolve", () => {
    const records = [decided(1, "triage"), move(2, "triage", "resolve"), decided(3, "resolve")];
    expect([records[0]?.decision, records[2]?.decision]).toEqual(["allow", "deny"]);
    // Decided in triage (moves ignored), record 3 would be allowed: not the recorded outcome, so not replayed.
    const report = replay(records, { baseline: bundle, candidate: bundle });
    expect([report.decisions, report.replayed, report.unreplayable]).toEqual([2, 2, []]);
  });

  it("without the moves: the start state from the first record, unknown in a range export", () => {
    expect(replay([decided(1, "triage")], { baseline: bundle, candidate: bundle }).replayed).toBe(1);
    const range = replay([decided(7, "triage")], { baseline: bundle, candidate: bundle });
    expect(range.replayed).toBe(0);
    expect(range.unreplayable).toEqual([{ tenant: "initech", seq: 7, action: "read_ticket", why: "the export starts at record 7 of tenant initech: the run's start and moves may be before it, so its workflow state is not known" }]);
  });
});
