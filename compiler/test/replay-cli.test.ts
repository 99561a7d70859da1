/**
 * `paybillc replay`: decisions made by a real runtime on PGlite, exported with `paybillc
 * audit export`, re-decided under a changed bundle: the changed ones listed with the rules
 * before and after (exit 1), the ones that read what the export lacks (a row) listed as not
 * replayed, workflow states rebuilt from the run's moves; no change (exit 0) under the
 * baseline itself; coded usage errors.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { openRuntime } from "@paybill/runtime";
import { beforeAll, describe, expect, it } from "vitest";
import { main } from "../src/cli.js";
import type { Io } from "../src/io.js";
import { STACK_LINE } from "./support/cli.js";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";

const SOURCE = `package shop

import std.isolation.{pooled}

plan free {
  price     = 0 usd per month
  isolation = pooled
  limits { agent_actions = 1000 per day }
  features  = [notes]
}

tenant demo { plan = free }

entity Note {
  id     uuid              @id
  title  string(max: 200)
  status enum(open, done)  @default("open")
}

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

policy notes {
  permit helper to add_note, finish_note
  permit runner to read_note
  forbid any agent to finish_note when resource.status == "done"
}

workflow tidy {
  agent = runner
  budget { steps = 10 }
  start reading
  state reading { allow read_note next closing }
  state closing { allow finish_note next finished }
  state finished { final }
}
`;

/** The change under review: no note about refunds, and the runner reads only while closing. */
const CHANGED = SOURCE.replace(
  '  forbid any agent to finish_note when resource.status == "done"\n',
  '  forbid any agent to finish_note when resource.status == "done"\n  forbid helper to add_note when input.title.contains("refund")\n',
).replace("state reading { allow read_note next closing }", "state reading { next closing }");

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

let root = "";
async function run(args: string[]): Promise<Ran> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io: Io = { cwd: root, color: false, debug: false, out: (t) => stdout.push(t), err: (t) => stderr.push(t) };
  const code = await main(args, io);
  const ran = { code, stdout: stdout.join(""), stderr: stderr.join("") };
  expect(ran.stderr).not.toMatch(STACK_LINE);
  expect(ran.stderr).not.toContain("internal error");
  return ran;
}

interface Report {
  decisions: number;
  replayed: number;
  changed: { seq: number; agent: string; action: string; workflow?: { name: string; state: string }; before: { decision: string; rules: { rule: string; kind: string; when?: string }[] }; after: { decision: string; rules: { rule: string; kind: string; when?: string }[]; reasons: string[] } }[];
  unreplayable: { seq: number; action: string; why: string }[];
}

describe("paybillc replay", () => {
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "paybill-replay-"));
    await mkdir(join(root, "shop"));
    await writeFile(join(root, "shop/shop.paybill"), SOURCE);
    expect((await run(["build", "shop"])).code).toBe(0);
    expect((await run(["migrate", "shop"])).code).toBe(0);
    const runtime = await openRuntime({ bundle: await readFile(join(root, "shop/out/bundle.json"), "utf8"), database: { pglite: { dataDir: join(root, "shop/.paybill/db") } } });
    try {
      const added = await runtime.act({ tenant: "demo", agent: "helper", action: "add_note", input: { title: "call back" } });
      expect(added.decision).toBe("allow");
      expect((await runtime.act({ tenant: "demo", agent: "helper", action: "add_note", input: { title: "refund the invoice" } })).decision).toBe("allow");
      // Reads the row (resource.status): the export does not hold it.
      const note = added.result?.["id"];
      expect(typeof note).toBe("string");
      expect((await runtime.act({ tenant: "demo", agent: "helper", action: "finish_note", input: { note } })).decision).toBe("allow");
      // A run: read_note allowed in `reading`, denied in `closing` (the state does not allow it).
      const r = await runtime.runs.start({ tenant: "demo", workflow: "tidy" });
      expect((await runtime.act({ tenant: "demo", agent: "runner", action: "read_note", input: { note }, run: r.id })).decision).toBe("allow");
      await runtime.runs.next(r.id, "closing");
      expect((await runtime.act({ tenant: "demo", agent: "runner", action: "read_note", input: { note }, run: r.id })).decision).toBe("deny");
      // Outside a run the runner is denied (runs = required), whatever the policies say.
      expect((await runtime.act({ tenant: "demo", agent: "runner", action: "read_note", input: { note } })).decision).toBe("deny");
    } finally {
      await runtime.close();
    }
    expect((await run(["audit", "export", "--tenant", "demo", "--out", "demo.ndjson", "--project", "shop"])).code).toBe(0);
    await mkdir(join(root, "changed"));
    await writeFile(join(root, "changed/shop.paybill"), CHANGED);
    expect((await run(["build", "changed", "--out", "candidate"])).code).toBe(0);
  }, 180_000);

  it("lists the decisions the change alters, with the rules before and after; exit 1", async () => {
    const ran = await run(["replay", "shop", "--audit", "demo.ndjson", "--bundle", "candidate/bundle.json", "--format", "json"]);
    expect(ran.code, ran.stderr).toBe(1);
    const report = JSON.parse(ran.stdout) as Report;
    expect(report.decisions).toBe(6);
    expect(report.changed.map((c) => [c.agent, c.action, c.before.decision, c.after.decision])).toEqual([
      ["helper", "add_note", "allow", "deny"],
      ["runner", "read_note", "allow", "deny"],
    ]);
    const [refund, read] = report.changed;
    expect(refund?.before.rules).toEqual([{ rule: "notes#0", policy: "notes", kind: "permit" }]);
    expect(refund?.after.rules).toEqual([{ rule: "notes#3", policy: "notes", kind: "forbid", when: 'input.title.contains("refund")' }]);
    // The state came from the run's moves: `reading` then (no longer allowing read_note).
    expect(read?.workflow).toEqual({ name: "tidy", state: "reading" });
    expect(read?.after.reasons).toEqual(["workflow: state `reading` of workflow `tidy` does not allow `read_note`"]);
    // finish_note read the row: not replayed, and said why.
    expect(report.unreplayable.map((u) => u.action)).toEqual(["finish_note"]);
    expect(report.unreplayable[0]?.why).toMatch(/^the baseline gives deny \(error:notes#2\) where the record says allow \(permit:notes#0\)/);
    expect(report.replayed).toBe(5);
  });

  it("as text: each change with its rules; the summary on stderr", async () => {
    const ran = await run(["replay", "shop", "--audit", "demo.ndjson", "--bundle", "candidate/bundle.json"]);
    expect(ran.code).toBe(1);
    expect(ran.stdout).toMatch(/^tenant demo record 2 \(.+\): helper add_note: allow → deny\n {2}before permit notes \(notes#0\): unconditional\n {2}after {2}forbid notes \(notes#3\): when input\.title\.contains\("refund"\)\n/);
    expect(ran.stderr).toMatch(/replay: 6 decisions, 5 replayed under candidate\/bundle\.json: 2 would change, 1 could not be replayed\n$/);
  });

  it("nothing changes under the baseline itself: exit 0", async () => {
    const ran = await run(["replay", "shop", "--audit", "demo.ndjson", "--bundle", "shop/out/bundle.json", "--format", "json"]);
    expect(ran.code, ran.stderr).toBe(0);
    expect((JSON.parse(ran.stdout) as Report).changed).toEqual([]);
  });

  it("usage errors are coded: an export line that is not a record, a missing bundle, a tenant whose plan is unknown", async () => {
    await writeFile(join(root, "bad.ndjson"), `${(await readFile(join(root, "demo.ndjson"), "utf8")).split("\n")[0]}\n{"tenant": "demo"}\n`);
    const bad = await run(["replay", "shop", "--audit", "bad.ndjson", "--bundle", "candidate/bundle.json"]);
    expect([bad.code, bad.stderr]).toEqual([2, "error[PB9015]: bad.ndjson:2: the line is not an audit record (`seq` is not a number)\n  = help: give the file `paybillc audit export` wrote, one record per line, unedited\n"]);
    const missing = await run(["replay", "shop", "--audit", "demo.ndjson", "--bundle", "nowhere/bundle.json"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error\[PB9016\]: cannot read the candidate bundle `nowhere\/bundle\.json`: no such file\n/);
    const noBaseline = await run(["replay", "changed", "--audit", "demo.ndjson", "--bundle", "candidate/bundle.json"]);
    expect(noBaseline.stderr).toBe("error[PB9016]: cannot read the baseline bundle `changed/out/bundle.json`: no such file\n  = help: run `paybillc build changed` first, or give the bundle that made the decisions with --baseline\n");
    const ghost = (await readFile(join(root, "demo.ndjson"), "utf8")).split("\n")[0]?.replaceAll('"demo"', '"ghost"');
    await writeFile(join(root, "ghost.ndjson"), `${ghost}\n`);
    const unknown = await run(["replay", "shop", "--audit", "ghost.ndjson", "--bundle", "candidate/bundle.json"]);
    expect(unknown.stderr).toBe(
      "error[PB9017]: tenant `ghost` is not declared in either bundle, so its plan is not known\n  = help: give its plan: `paybillc replay shop --audit ghost.ndjson --bundle candidate/bundle.json --plan free` (the plans are `free`)\n",
    );
    const given = await run(["replay", "shop", "--audit", "ghost.ndjson", "--bundle", "candidate/bundle.json", "--plan", "free"]);
    expect(given.code, given.stderr).toBe(0);
  });
});
