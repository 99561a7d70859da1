/**
 * `paybillc explain --agent A [--state S]`: each action with the rules that decide it for A,
 * the features it needs and where it may be asked for, as a table and as JSON; unknown agents
 * and states are coded errors with a did-you-mean and a command that runs as printed.
 */
import { describe, expect, it } from "vitest";
import { paybillc, project } from "./support/cli.js";

const SOURCE = `package shop

import std.isolation.{pooled}

plan free {
  price     = 0 usd per month
  isolation = pooled
  limits { agent_actions = 1000 per day }
  features  = [notes]
}

plan pro {
  price     = 10 usd per month
  isolation = pooled
  limits { agent_actions = 1000 per day }
  features  = [notes, exports]
}

tenant demo { plan = free }

entity Note {
  id     uuid              @id
  title  string(max: 200)
  status enum(open, done)  @default("open")
}

group owner {}

agent helper { roles = [assistant] }
agent runner { roles = [batch] runs = required }

action add_note {
  input { title: string(max: 200) }
  effect insert Note set { title = input.title }
  requires feature notes
}

action read_note {
  input { note: Note.id }
  effect read Note(input.note)
}

action finish_note {
  input { note: Note.id }
  effect update Note(input.note) set { status = done }
}

action export_notes {
  input { note: Note.id }
  effect read Note(input.note)
  requires feature exports
}

action purge {
  input { note: Note.id }
  effect delete Note(input.note)
}

policy notes {
  permit helper to add_note, read_note, finish_note
  permit runner to read Note
  forbid any agent to finish_note when resource.status == "done"
  require approval from owner to add_note when input.title.size() > 100
}

policy exports {
  permit helper to export_notes
}

workflow tidy {
  agent = runner
  budget { steps = 10 }
  start reading
  state reading { allow read_note, export_notes next closing }
  state closing { allow purge await approval from "owner" next finished }
  state finished { final }
}
`;

describe("paybillc explain --agent", () => {
  it("lists each action with its rules, conditions, features and places, as a table", async () => {
    const dir = await project({ "shop.paybill": SOURCE });
    const ran = await paybillc(["explain", "--agent", "helper"], dir);
    expect([ran.code, ran.stderr]).toEqual([0, ""]);
    const lines = ran.stdout.split("\n");
    expect(lines[0]).toBe("agent helper (roles assistant)");
    // An unconditional permit alone: yes; a feature, a forbid or an approval rule: depends.
    expect(ran.stdout).toMatch(/^ {2}read_note +yes +outside runs$/m);
    expect(ran.stdout).toMatch(/^ {2}finish_note +depends +outside runs$/m);
    expect(ran.stdout).toContain('forbid  notes (shop.paybill:62:3): when resource.status == "done"');
    expect(ran.stdout).toContain("approval from owner  notes (shop.paybill:63:3): when input.title.size() > 100");
    expect(ran.stdout).toContain("needs feature exports: plans pro");
    expect(ran.stdout).toContain("needs feature notes: plans free, pro");
    expect(ran.stdout).toMatch(/not permitted: purge\n$/);
  });

  it("as JSON: an agent acting only in runs may act only in its workflow's states", async () => {
    const dir = await project({ "shop.paybill": SOURCE });
    const ran = await paybillc(["explain", "--agent", "runner", "--format", "json"], dir);
    expect(ran.code, ran.stderr).toBe(0);
    const out = JSON.parse(ran.stdout) as { runsRequired: boolean; states: string[]; actions: { action: string; may: string; outsideRuns: boolean; states: string[]; permits: { rule: string; policy: string; at?: string }[]; awaits: Record<string, string> }[] };
    expect(out.runsRequired).toBe(true);
    expect(out.states).toEqual(["tidy.closing", "tidy.finished", "tidy.reading"]);
    const byName = new Map(out.actions.map((a) => [a.action, a]));
    // `permit runner to read Note` covers both reads; only the state decides where.
    expect(byName.get("read_note")).toMatchObject({ may: "yes", outsideRuns: false, states: ["tidy.reading"], permits: [{ rule: "notes#1", policy: "notes", at: "shop.paybill:61:3" }] });
    expect(byName.get("export_notes")).toMatchObject({ may: "depends", states: ["tidy.reading"] });
    // A state allows purge but no rule permits it: no.
    expect(byName.get("purge")).toMatchObject({ may: "no", states: ["tidy.closing"], awaits: { "tidy.closing": "owner" }, permits: [] });
    // No state allows add_note and the agent may not act outside runs: nowhere, so no.
    expect(byName.get("add_note")).toMatchObject({ may: "no", outsideRuns: false, states: [] });
  });

  it("--state keeps what that state allows; the state alone or with its workflow", async () => {
    const dir = await project({ "shop.paybill": SOURCE });
    const bare = await paybillc(["explain", "--agent", "runner", "--state", "reading", "--format", "json"], dir);
    const qualified = await paybillc(["explain", "--agent", "runner", "--state", "tidy.reading", "--format", "json"], dir);
    expect(bare.code, bare.stderr).toBe(0);
    expect(bare.stdout).toBe(qualified.stdout);
    const out = JSON.parse(bare.stdout) as { state: string; actions: { action: string }[] };
    expect(out.state).toBe("tidy.reading");
    expect(out.actions.map((a) => a.action)).toEqual(["export_notes", "read_note"]);
    const finished = await paybillc(["explain", "--agent", "runner", "--state", "finished"], dir);
    expect(finished.stdout).toBe("agent runner (roles batch) in state tidy.finished; acts only inside workflow runs\n  no rule permits it any action\n");
  });

  it("unknown agents and states: PB9012 and PB9013 with a did-you-mean and a command to run", async () => {
    const dir = await project({ "p/shop.paybill": SOURCE });
    const agent = await paybillc(["explain", "p", "--agent", "helpr"], dir);
    expect([agent.code, agent.stdout]).toEqual([2, ""]);
    expect(agent.stderr).toBe("error[PB9012]: the project has no agent `helpr`; did you mean `helper`?\n  = help: its agents are `helper`, `runner`: `paybillc explain p --agent helper`\n");
    const state = await paybillc(["explain", "p", "--agent", "runner", "--state", "closng"], dir);
    expect(state.code).toBe(2);
    expect(state.stderr).toBe(
      "error[PB9013]: agent `runner`'s workflows have no state `closng`; did you mean `tidy.closing`?\n  = help: its states are `tidy.closing`, `tidy.finished`, `tidy.reading`: `paybillc explain p --agent runner --state tidy.closing`\n",
    );
    // The suggested command runs as printed.
    expect((await paybillc(["explain", "p", "--agent", "runner", "--state", "tidy.closing"], dir)).code).toBe(0);
    const none = await paybillc(["explain", "p", "--agent", "helper", "--state", "reading", "--format", "json"], dir);
    expect(none.code).toBe(2);
    expect(JSON.parse(none.stdout)).toEqual({ error: { code: "PB9013", message: "agent `helper` runs no workflow, so it has no state `reading`", help: "leave out --state: `paybillc explain p --agent helper`" } });
  });

  it("takes --request or --agent, not both, and --state only with --agent (PB9014)", async () => {
    const dir = await project({ "shop.paybill": SOURCE });
    for (const args of [["explain"], ["explain", "--agent", "helper", "--request", "r.json"], ["explain", "--state", "reading"]]) {
      const ran = await paybillc(args, dir);
      expect(ran.code, args.join(" ")).toBe(2);
      expect(ran.stderr).toMatch(/^error\[PB9014\]: /);
    }
  });
});
