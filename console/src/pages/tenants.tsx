/** Tenants: state, plan, placement and this month's usage; onboarding a new one. */
import { useState } from "preact/hooks";
import { api, type Tenant, type UsageRow } from "../api.js";
import { Badge, Problem, Show } from "../components/view.js";
import { useLoad } from "../load.js";
import { href } from "../route.js";

export function TenantsPage() {
  const period = new Date().toISOString().slice(0, 7);
  const loaded = useLoad(async () => {
    const [tenants, usage] = await Promise.all([api.tenants(), api.usage("", period).catch(() => [] as UsageRow[])]);
    return { tenants, usage };
  }, []);
  return (
    <section>
      <h1>Tenants</h1>
      <Onboard done={loaded.reload} />
      <Show loaded={loaded}>
        {({ tenants, usage }) => (
          <table data-testid="tenants">
            <thead>
              <tr>
                <th>Tenant</th>
                <th>State</th>
                <th>Plan</th>
                <th>Placement</th>
                <th>Usage ({period})</th>
              </tr>
            </thead>
            <tbody>
              {tenants.map((t) => (
                <tr key={t.id} data-tenant={t.id}>
                  <td>
                    <a href={href.tenant(t.id)}>{t.id}</a>
                  </td>
                  <td>
                    <Badge value={t.state} />
                  </td>
                  <td>{t.pendingPlan === undefined ? t.plan : `${t.plan} → ${t.pendingPlan}`}</td>
                  <td>{placement(t)}</td>
                  <td>{usageOf(usage, t.id)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Show>
    </section>
  );
}

export const placement = (t: Tenant): string => [t.cloud, t.region].filter((p) => p !== undefined && p !== "").join(" · ") || "default";

const usageOf = (rows: UsageRow[], tenant: string): string =>
  rows
    .filter((r) => r.tenant === tenant)
    .map((r) => `${r.metric} ${r.quantity}`)
    .join(", ") || "—";

function Onboard({ done }: { done: () => void }) {
  const plans = useLoad(() => api.plans(), []);
  const [id, setId] = useState("");
  const [plan, setPlan] = useState("");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const chosen = plan || plans.data?.[0]?.name || "";
      await api.onboard({ id: id.trim(), plan: chosen });
      location.hash = href.tenant(id.trim());
      done();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="inline" onSubmit={submit} aria-label="onboard a tenant">
      <input name="tenant" placeholder="new tenant id" value={id} onInput={(e) => setId(e.currentTarget.value)} required />
      <select name="plan" value={plan} onChange={(e) => setPlan(e.currentTarget.value)}>
        {(plans.data ?? []).map((p) => (
          <option key={p.name} value={p.name}>
            {p.name}
          </option>
        ))}
      </select>
      <button type="submit" disabled={busy}>
        Onboard
      </button>
      <Problem message={error} />
    </form>
  );
}
