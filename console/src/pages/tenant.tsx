/** A tenant: its facts, provisioning steps still to do, its history, its runs and its usage chart. */
import { useState } from "preact/hooks";
import { api, type Placement, type ProvisionStep } from "../api.js";
import { UsageChart } from "../components/usage-chart.js";
import { Badge, Problem, Show, when } from "../components/view.js";
import { useLoad } from "../load.js";
import { href } from "../route.js";
import { RunsTable } from "./runs.js";
import { placement } from "./tenants.js";

export function TenantPage({ id }: { id: string }) {
  const loaded = useLoad(async () => {
    const [tenant, history, plan, runs, quota] = await Promise.all([api.tenant(id), api.history(id), api.provisioning(id), api.runs(id), api.quota(id).catch(() => undefined)]);
    return { tenant, history, plan, runs, quota };
  }, [id]);
  return (
    <section>
      <h1>
        Tenant <span data-testid="tenant-id">{id}</span>
      </h1>
      <Show loaded={loaded}>
        {({ tenant, history, plan, runs, quota }) => (
          <>
            <dl class="facts">
              <dt>State</dt>
              <dd data-testid="tenant-state">
                <Badge value={tenant.state} />
              </dd>
              <dt>Plan</dt>
              <dd>{tenant.plan}</dd>
              <dt>Placement</dt>
              <dd>{placement(tenant)}</dd>
              <dt>Agent actions</dt>
              <dd data-testid="tenant-quota">
                {quota === undefined ? "—" : quota.limit === undefined ? `${quota.used} (no limit)` : `${quota.used} of ${quota.limit}${quota.per === undefined ? "" : ` per ${quota.per}`}`}
              </dd>
              <dt>Since</dt>
              <dd>{when(tenant.createdAt)}</dd>
            </dl>
            <h2>Provisioning</h2>
            {plan === undefined || plan.steps.length === 0 ? (
              <p class="muted" data-testid="provisioning">
                No provisioning under way.
              </p>
            ) : (
              <>
                <ol data-testid="provisioning">
                  {plan.steps.map((s, i) => (
                    <li key={i}>{step(s)}</li>
                  ))}
                </ol>
                <Provision id={id} done={loaded.reload} />
              </>
            )}
            <h2>History</h2>
            <table data-testid="history">
              <thead>
                <tr>
                  <th>#</th>
                  <th>Event</th>
                  <th>From → to</th>
                  <th>Plan</th>
                  <th>By</th>
                  <th>At</th>
                </tr>
              </thead>
              <tbody>
                {history.map((t) => (
                  <tr key={t.seq}>
                    <td>{t.seq}</td>
                    <td>{t.event}</td>
                    <td>
                      {t.from ?? "—"} → {t.to}
                    </td>
                    <td>{t.plan}</td>
                    <td>{t.actor}</td>
                    <td>{when(t.at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <h2>Runs</h2>
            <RunsTable runs={runs} />
            <h2>Usage</h2>
            <UsageChart tenant={id} />
            <p>
              <a href={href.audit(id)}>Audit log</a>
            </p>
          </>
        )}
      </Show>
    </section>
  );
}

const where = (p: Placement | undefined): string => (p === undefined ? "" : [p.isolation, p.cloud, p.region].filter(Boolean).join(" · "));

function step(s: ProvisionStep): string {
  if (s.kind === "move_data") return `move data: ${where(s.from)} → ${where(s.to)}`;
  return `${s.kind}: ${where(s.placement)}`;
}

function Provision({ id, done }: { id: string; done: () => void }) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const run = async (): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      await api.provision(id);
      done();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <p>
      <button type="button" onClick={run} disabled={busy}>
        Provision
      </button>
      <Problem message={error} />
    </p>
  );
}
