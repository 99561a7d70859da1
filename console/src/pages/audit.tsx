/**
 * A tenant's audit log: the chain's verification status, each record with its decision, and
 * each decision's explanation: the rules behind it as recorded, and on demand what the
 * policies would decide for the same request now (`POST /api/decisions/explain`).
 */
import { useState } from "preact/hooks";
import { api, type AuditRecord, type Explanation, type Reason } from "../api.js";
import { Badge, Json, Problem, Show, when } from "../components/view.js";
import { useLoad } from "../load.js";
import { href } from "../route.js";

export function AuditPage({ tenant }: { tenant?: string }) {
  const tenants = useLoad(() => api.tenants(), []);
  return (
    <section>
      <h1>Audit log</h1>
      <Show loaded={tenants}>
        {(list) => (
          <form class="inline" onSubmit={(e) => e.preventDefault()}>
            <label>
              Tenant{" "}
              <select name="tenant" value={tenant ?? ""} onChange={(e) => (location.hash = href.audit(e.currentTarget.value))}>
                <option value="">choose…</option>
                {list.map((t) => (
                  <option key={t.id} value={t.id}>
                    {t.id}
                  </option>
                ))}
              </select>
            </label>
          </form>
        )}
      </Show>
      {tenant === undefined ? null : <Chain tenant={tenant} />}
    </section>
  );
}

function Chain({ tenant }: { tenant: string }) {
  const loaded = useLoad(async () => {
    const [verify, records] = await Promise.all([api.verify(tenant), api.audit(tenant)]);
    return { verify, records };
  }, [tenant]);
  return (
    <Show loaded={loaded}>
      {({ verify, records }) => (
        <>
          <p class={verify.ok ? "verified" : "broken"} data-testid="chain-status">
            {verify.ok ? `Chain verified: ${verify.records} records, unbroken.` : `Chain broken at record ${verify.seq} (${verify.problem}): ${verify.message}`}
          </p>
          <table data-testid="audit">
            <thead>
              <tr>
                <th>#</th>
                <th>Time</th>
                <th>Agent</th>
                <th>Action</th>
                <th>Decision</th>
                <th>Why</th>
              </tr>
            </thead>
            <tbody>
              {records.map((r) => (
                <Row key={r.id} record={r} />
              ))}
            </tbody>
          </table>
        </>
      )}
    </Show>
  );
}

function Row({ record }: { record: AuditRecord }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <tr data-seq={record.seq} data-decision={record.decision}>
        <td>{record.seq}</td>
        <td>{when(record.time)}</td>
        <td>{record.agent}</td>
        <td>{record.action}</td>
        <td>
          <Badge value={record.decision} />
        </td>
        <td>
          <button type="button" class="link" onClick={() => setOpen(!open)}>
            {open ? "Hide" : "Explain"}
          </button>
        </td>
      </tr>
      {open ? (
        <tr class="explanation">
          <td colSpan={6}>
            <Explain record={record} />
          </td>
        </tr>
      ) : null}
    </>
  );
}

function Explain({ record }: { record: AuditRecord }) {
  const [now, setNow] = useState<Explanation | string>();
  const again = async (): Promise<void> => {
    try {
      setNow(await api.explain({ tenant: record.tenant, agent: record.agent, action: record.action, input: record.input ?? {}, ...(record.run === undefined || record.run === null ? {} : { run: record.run }) }));
    } catch (error) {
      setNow(error instanceof Error ? error.message : String(error));
    }
  };
  return (
    <div data-testid="explanation">
      <p>
        Input: <Json value={record.input} />
      </p>
      <p>
        Decided <Badge value={record.decision} /> because:
      </p>
      <Reasons reasons={record.reasons} />
      {record.reasons.length === 0 ? null : (
        <button type="button" class="link" onClick={again}>
          Decide it again now
        </button>
      )}
      {now === undefined ? null : typeof now === "string" ? (
        <Problem message={now} />
      ) : (
        <div data-testid="decided-now">
          <p>
            Now: <Badge value={now.decision} />
          </p>
          <Reasons reasons={now.reasons} />
        </div>
      )}
    </div>
  );
}

/** The rules behind a decision, one line each. */
export function Reasons({ reasons }: { reasons: readonly (Reason & { location?: string; condition?: string })[] }) {
  if (reasons.length === 0) return <p class="muted">No rules: an operator's action.</p>;
  return (
    <ul class="reasons">
      {reasons.map((r, i) => (
        <li key={i} data-kind={r.kind}>
          <strong>{r.kind}</strong>
          {r.rule === undefined ? null : (
            <>
              {" "}
              rule <code>{r.rule}</code> of policy <code>{r.policy}</code>
            </>
          )}
          {r.group === undefined ? null : <> (group {r.group})</>}
          {r.message === undefined ? null : <>: {r.message}</>}
          {r.location === undefined ? null : <span class="muted"> at {r.location}</span>}
          {r.condition === undefined ? null : (
            <>
              {" "}
              when <code>{r.condition}</code>
            </>
          )}
        </li>
      ))}
    </ul>
  );
}


