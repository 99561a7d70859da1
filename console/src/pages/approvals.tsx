/**
 * Pending approvals across tenants, each with what the agent wants, its input (masked as
 * stored) and the rules behind the wait (its request's audit record); grant or reject with a
 * note. `#/approvals/<id>` shows one approval, whatever its status.
 */
import { useState } from "preact/hooks";
import { type Approval, api, type AuditRecord } from "../api.js";
import { Badge, Json, Problem, Show, when } from "../components/view.js";
import { useLoad } from "../load.js";
import { href } from "../route.js";
import { Reasons } from "./audit.js";

export function ApprovalsPage({ id }: { id?: string }) {
  const loaded = useLoad(async () => {
    if (id !== undefined) return [await api.approval(id)];
    const tenants = await api.tenants();
    return (await Promise.all(tenants.map((t) => api.approvals({ tenant: t.id, status: "pending" })))).flat();
  }, [id]);
  return (
    <section>
      <h1>{id === undefined ? "Pending approvals" : "Approval"}</h1>
      <Show loaded={loaded}>
        {(approvals) =>
          approvals.length === 0 ? (
            <p class="muted" data-testid="no-approvals">
              Nothing waits for an approval.
            </p>
          ) : (
            <ul class="cards">
              {approvals.map((a) => (
                <ApprovalCard key={a.id} approval={a} />
              ))}
            </ul>
          )
        }
      </Show>
    </section>
  );
}

function ApprovalCard({ approval }: { approval: Approval }) {
  const [current, setCurrent] = useState(approval);
  const [note, setNote] = useState("");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const request = useLoad(async () => (await api.audit(approval.tenant)).find((r) => r.id === approval.requestAuditId), [approval.id]);
  const decide = async (verb: "grant" | "reject"): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      const settled = await api[verb](current.id, note === "" ? undefined : note);
      // The answer may be the approval, or a wrapper with the resumed act: read it again.
      setCurrent(typeof (settled as Partial<Approval>).status === "string" ? settled : await api.approval(current.id));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <li class="card" data-approval={current.id}>
      <p>
        <strong>{current.agent}</strong> wants to <strong>{current.action}</strong> for tenant <a href={href.tenant(current.tenant)}>{current.tenant}</a>, waiting for{" "}
        <strong>{current.group}</strong> — <span data-testid="approval-status">{<Badge value={current.status} />}</span>
      </p>
      <p>
        Input: <Json value={current.input} />
      </p>
      <p class="muted">
        Requested {when(current.requestedAt)}
        {current.expiresAt === undefined ? "" : `, expires ${when(current.expiresAt)}`}
        {current.run === undefined ? null : (
          <>
            {" "}
            in run <a href={href.run(current.run)}>{current.run.slice(0, 8)}</a>
          </>
        )}
        {current.decidedBy === undefined ? "" : `; decided by ${current.decidedBy}`}
      </p>
      <Show loaded={request}>{(record: AuditRecord | undefined) => (record === undefined ? null : <Reasons reasons={record.reasons} />)}</Show>
      {current.status === "pending" ? (
        <form class="inline" onSubmit={(e) => e.preventDefault()}>
          <input name="note" placeholder="note (optional)" value={note} onInput={(e) => setNote(e.currentTarget.value)} />
          <button type="button" disabled={busy} onClick={() => decide("grant")}>
            Grant
          </button>
          <button type="button" class="danger" disabled={busy} onClick={() => decide("reject")}>
            Reject
          </button>
        </form>
      ) : null}
      <Problem message={error} />
    </li>
  );
}
