/**
 * Connections dropped under a runtime on PostgreSQL, round after round (shared by
 * connection-drop.test.ts, in process, and its child process, on the built package):
 *
 * 1. in flight: an act waits on its tenant's audit head, locked by another connection; the
 *    runtime's backends are terminated while it waits; it must reject (its code is kept);
 * 2. idle in a transaction: a transaction's connection is terminated between two of its
 *    statements (the `pg` client emits `error` with no query running);
 * 3. between acts: every connection of the pool is terminated while idle;
 *
 * and after each, an act that must be allowed. Waiting is on conditions read from
 * `pg_stat_activity`, never on a clock. Returns what happened; asserts nothing.
 */

/** @typedef {{ inFlight: (string | undefined)[], idleInTransaction: (string | undefined)[], afterDrop: string[], lostLabels: number, verify: unknown, records: number }} DropSummary */

/**
 * @param {{ runtime: import("../../src/runtime.js").Runtime, url: string, schema: string | undefined, app: string, rounds: number, pg: typeof import("pg").default }} options
 * @returns {Promise<DropSummary>}
 */
export async function dropScenario({ runtime, url, schema, app, rounds, pg }) {
  const admin = new pg.Client({ connectionString: url, application_name: `${app}_admin` });
  await admin.connect();
  const search = schema === undefined ? "" : `set search_path to "${schema}"`;
  if (search !== "") await admin.query(search);
  const tenant = `t_drop_${Math.floor(Math.random() * 1e9)}`;
  await runtime.tenants.put({ id: tenant, plan: "business", state: "active" });
  /** @param {string} name */
  const label = (name) => runtime.act({ tenant, agent: "support_bot", action: "add_label", input: { name, color: "red" } });
  /** @returns {Promise<number>} */
  const backends = async (extra = "") =>
    Number((await admin.query(`select count(*)::int as n from pg_stat_activity where application_name = $1 ${extra}`, [app])).rows[0].n);
  const until = async (/** @type {() => Promise<boolean>} */ condition) => {
    while (!(await condition())) await new Promise((done) => setTimeout(done, 5));
  };
  const terminate = async () => {
    await admin.query("select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1", [app]);
    await until(async () => (await backends()) === 0);
  };
  /** @param {unknown} error */
  const codeOf = (error) => (typeof error === "object" && error !== null && "code" in error ? String(error.code) : String(error));

  /** @type {DropSummary} */
  const summary = { inFlight: [], idleInTransaction: [], afterDrop: [], lostLabels: 0, verify: undefined, records: 0 };
  summary.afterDrop.push((await label("first")).decision);
  for (let round = 0; round < rounds; round++) {
    // 1. In flight, waiting on the head another connection holds.
    const holder = new pg.Client({ connectionString: url, application_name: `${app}_holder` });
    await holder.connect();
    if (search !== "") await holder.query(search);
    await holder.query("begin");
    await holder.query("select seq from paybill_audit_heads where tenant_id = $1 for update", [tenant]);
    const inFlight = label(`lost_${round}`).then(
      () => undefined,
      (error) => codeOf(error),
    );
    await until(async () => (await backends("and wait_event_type = 'Lock'")) > 0);
    await terminate();
    summary.inFlight.push(await inFlight);
    await holder.query("rollback");
    await holder.end();
    summary.afterDrop.push((await label(`after_flight_${round}`)).decision);

    // 2. Idle in a transaction: the client is checked out and no query runs when it dies.
    const idle = await runtime.database
      .transaction(async (tx) => {
        await tx.query("select 1");
        await terminate();
        await tx.query("select 1");
      })
      .then(
        () => undefined,
        (error) => codeOf(error),
      );
    summary.idleInTransaction.push(idle);
    summary.afterDrop.push((await label(`after_idle_${round}`)).decision);

    // 3. Between acts: the pool's idle connections (several, from concurrent acts) terminated.
    await Promise.all([label(`a_${round}`), label(`b_${round}`), label(`c_${round}`)]);
    await terminate();
    summary.afterDrop.push((await label(`after_pool_${round}`)).decision);
  }
  await admin.end();
  const lost = await runtime.database.query("select count(*)::int as n from labels where tenant_id = $1 and name like 'lost\\_%'", [tenant]);
  summary.lostLabels = Number(lost[0]?.["n"]);
  summary.verify = await runtime.audit.verify(tenant);
  summary.records = (await runtime.audit.query({ tenant, limit: 100000 })).length;
  return summary;
}
