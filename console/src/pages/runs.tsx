/** Runs: state, steps and writes against their budgets; a run's moves. */
import { api, type Run } from "../api.js";
import { Badge, Show, when } from "../components/view.js";
import { useLoad } from "../load.js";
import { href } from "../route.js";

export function RunsPage({ tenant }: { tenant?: string }) {
  const loaded = useLoad(() => api.runs(tenant), [tenant]);
  return (
    <section>
      <h1>Runs{tenant === undefined ? "" : ` of ${tenant}`}</h1>
      <Show loaded={loaded}>{(runs) => <RunsTable runs={runs} />}</Show>
    </section>
  );
}

const used = (n: number, of: number | undefined): string => (of === undefined ? `${n}` : `${n} / ${of}`);

export function RunsTable({ runs }: { runs: Run[] }) {
  if (runs.length === 0) return <p class="muted">No runs.</p>;
  return (
    <table data-testid="runs">
      <thead>
        <tr>
          <th>Run</th>
          <th>Tenant</th>
          <th>Workflow</th>
          <th>State</th>
          <th>Steps</th>
          <th>Writes</th>
          <th>Deadline</th>
        </tr>
      </thead>
      <tbody>
        {runs.map((r) => (
          <tr key={r.id} data-run={r.id}>
            <td>
              <a href={href.run(r.id)}>{r.id.slice(0, 8)}</a>
            </td>
            <td>{r.tenant}</td>
            <td>{r.workflow}</td>
            <td>
              <Badge value={r.expiredAt !== undefined ? "expired" : r.state} />
            </td>
            <td>{used(r.steps, r.budget.steps)}</td>
            <td>{used(r.writes, r.budget.writes)}</td>
            <td>{when(r.budget.deadline)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function RunPage({ id }: { id: string }) {
  const loaded = useLoad(async () => {
    const { run, history: moves } = await api.run(id);
    const approvals = await api.approvals({ tenant: run.tenant });
    return { run, moves, approvals: approvals.filter((a) => a.run === id) };
  }, [id]);
  return (
    <section>
      <h1>Run {id}</h1>
      <Show loaded={loaded}>
        {({ run, moves, approvals }) => (
          <>
            <dl class="facts">
              <dt>Tenant</dt>
              <dd>
                <a href={href.tenant(run.tenant)}>{run.tenant}</a>
              </dd>
              <dt>Workflow</dt>
              <dd>
                {run.workflow} (agent {run.agent})
              </dd>
              <dt>State</dt>
              <dd data-testid="run-state">
                <Badge value={run.state} /> {run.final ? "final" : ""}
              </dd>
              <dt>Steps</dt>
              <dd data-testid="run-steps">
                <Meter value={run.steps} max={run.budget.steps} />
              </dd>
              <dt>Writes</dt>
              <dd>
                <Meter value={run.writes} max={run.budget.writes} />
              </dd>
              <dt>Deadline</dt>
              <dd>{when(run.budget.deadline) || "none"}</dd>
            </dl>
            <h2>Moves</h2>
            <ol data-testid="run-moves">
              {moves.map((m) => (
                <li key={m.seq}>
                  {m.from ?? "start"} → {m.to} {m.at === undefined ? "" : `at ${when(m.at)}`}
                </li>
              ))}
            </ol>
            <h2>Approvals</h2>
            <ul data-testid="run-approvals">
              {approvals.map((a) => (
                <li key={a.id}>
                  {a.action} for {a.group}: <Badge value={a.status} /> {a.decidedBy === undefined ? "" : `by ${a.decidedBy}`}
                </li>
              ))}
            </ul>
          </>
        )}
      </Show>
    </section>
  );
}

function Meter({ value, max }: { value: number; max: number | undefined }) {
  if (max === undefined) return <span>{value} (no budget)</span>;
  return (
    <span>
      <meter min={0} max={max} value={value} /> {value} / {max}
    </span>
  );
}
