/**
 * The control-plane API the console reads and calls (`paybillc serve --control`, /api): one
 * function per route, the bearer token from the sign-in box (kept in sessionStorage), and a
 * problem+json answer turned into an `ApiError` whose message is the problem's detail.
 */

export interface Tenant {
  readonly id: string;
  readonly plan: string;
  readonly state: string;
  readonly region?: string;
  readonly cloud?: string;
  readonly pendingPlan?: string;
  readonly suspendedFor?: string;
  readonly outputs?: Readonly<Record<string, unknown>>;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface Placement {
  readonly plan: string;
  readonly isolation: string;
  readonly cloud?: string;
  readonly region?: string;
}

export interface Transition {
  readonly seq: number;
  readonly event: string;
  readonly from?: string;
  readonly to: string;
  readonly reason?: string;
  readonly actor: string;
  readonly at: string;
  readonly plan: string;
}

export interface ProvisionStep {
  readonly kind: string;
  readonly placement?: Placement;
  readonly from?: Placement;
  readonly to?: Placement;
}

export interface ProvisioningPlan {
  readonly tenant: string;
  readonly reason: string;
  readonly steps: readonly ProvisionStep[];
}

export interface Run {
  readonly id: string;
  readonly tenant: string;
  readonly workflow: string;
  readonly agent: string;
  readonly state: string;
  readonly final: boolean;
  readonly steps: number;
  readonly writes: number;
  readonly budget: { readonly steps?: number; readonly writes?: number; readonly deadline?: string };
  readonly startedAt: string;
  readonly updatedAt: string;
  readonly expiredAt?: string;
}

export interface RunMove {
  readonly seq: number;
  readonly from?: string;
  readonly to: string;
  readonly by?: string;
  readonly at?: string;
}

export interface Reason {
  readonly kind: string;
  readonly message?: string;
  readonly policy?: string;
  readonly rule?: string;
  readonly group?: string;
  readonly severity?: string;
}

export interface Approval {
  readonly id: string;
  readonly tenant: string;
  readonly run?: string;
  readonly agent: string;
  readonly action: string;
  readonly input: Readonly<Record<string, unknown>>;
  readonly group: string;
  readonly status: string;
  readonly requestedAt: string;
  readonly requestAuditId: string;
  readonly decidedBy?: string;
  readonly note?: string;
  readonly expiresAt?: string;
}

export interface AuditRecord {
  readonly id: string;
  readonly seq: number;
  readonly time: string;
  readonly tenant: string;
  readonly agent: string;
  readonly action: string;
  readonly input: unknown;
  readonly decision: string;
  readonly reasons: readonly Reason[];
  readonly run?: string;
  readonly approval?: string;
  readonly hash: string;
}

export type Verify = { readonly ok: true; readonly records: number } | { readonly ok: false; readonly seq: number; readonly problem: string; readonly message: string };

export interface UsageRow {
  readonly tenant: string;
  readonly period: string;
  readonly metric: string;
  readonly quantity: number;
  readonly plan: string;
  readonly amount?: number;
  readonly currency?: string;
}

/** A decision explained: its outcome and each rule behind it, where it is written and its condition. */
export interface Explanation {
  readonly decision: string;
  readonly reasons: readonly (Reason & { readonly location?: string; readonly condition?: string })[];
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const TOKEN_KEY = "paybill.console.token";

export const token = {
  get: (): string => sessionStorage.getItem(TOKEN_KEY) ?? "",
  set: (value: string): void => (value === "" ? sessionStorage.removeItem(TOKEN_KEY) : sessionStorage.setItem(TOKEN_KEY, value)),
};

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  const bearer = token.get();
  if (bearer !== "") headers["authorization"] = `Bearer ${bearer}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await response.text();
  const json: unknown = text === "" ? undefined : JSON.parse(text);
  if (!response.ok) {
    const problem = (json ?? {}) as { detail?: string; title?: string; code?: string };
    const message = [problem.code, problem.detail ?? problem.title ?? response.statusText].filter(Boolean).join(": ");
    throw new ApiError(response.status, message);
  }
  return json as T;
}

/** A list answer: the array itself, or the array under `key` (`{ tenants: [...] }`). */
function items<T>(json: unknown, key: string): T[] {
  if (Array.isArray(json)) return json as T[];
  const value = (json as Record<string, unknown> | undefined)?.[key] ?? (json as Record<string, unknown> | undefined)?.["items"];
  return Array.isArray(value) ? (value as T[]) : [];
}

/** An object answer, bare or under `key` (`{ tenant: {...} }`). */
function one<T>(json: unknown, key: string): T {
  const inner = (json as Record<string, unknown> | undefined)?.[key];
  return (inner !== undefined && typeof inner === "object" && !Array.isArray(inner) ? inner : json) as T;
}

const q = (params: Record<string, string | undefined>): string => {
  const search = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ""));
  const text = search.toString();
  return text === "" ? "" : `?${text}`;
};
const seg = encodeURIComponent;

export const api = {
  tenants: async (): Promise<Tenant[]> => items(await call("GET", "/api/tenants"), "tenants"),
  tenant: async (id: string): Promise<Tenant> => one(await call("GET", `/api/tenants/${seg(id)}`), "tenant"),
  history: async (id: string): Promise<Transition[]> => items(await call("GET", `/api/tenants/${seg(id)}/history`), "history"),
  provisioning: async (id: string): Promise<ProvisioningPlan | undefined> => {
    const json = await call<unknown>("GET", `/api/tenants/${seg(id)}/plan`);
    const plan = one<ProvisioningPlan | null | undefined>(json, "plan");
    return plan === null || plan === undefined || !Array.isArray((plan as ProvisioningPlan).steps) ? undefined : plan;
  },
  onboard: async (body: { id: string; plan: string; region?: string }): Promise<Tenant> => one(await call("POST", "/api/tenants", body), "tenant"),
  provision: async (id: string): Promise<unknown> => call("POST", `/api/tenants/${seg(id)}/provision`),
  /** The tenant's agent actions in its quota's current period. */
  quota: async (id: string): Promise<{ used: number; limit?: number; per?: string }> => call("GET", `/api/tenants/${seg(id)}/usage`),
  plans: async (): Promise<{ name: string }[]> => items(await call("GET", "/api/plans"), "plans"),
  /**
   * The runs of a tenant (every tenant's without one): the runs its audit records name, newest
   * first — the API shows a run by id, and every act, move and context start in a run is audited.
   */
  runs: async (tenant?: string): Promise<Run[]> => {
    const tenants = tenant === undefined ? (await api.tenants()).map((t) => t.id) : [tenant];
    const ids = new Set((await Promise.all(tenants.map((t) => api.audit(t)))).flat().flatMap((r) => (r.run === undefined || r.run === null ? [] : [r.run])));
    const runs = await Promise.all([...ids].map(async (id) => (await api.run(id)).run));
    return runs.sort((a, b) => (a.startedAt < b.startedAt ? 1 : -1));
  },
  run: async (id: string): Promise<{ run: Run; history: RunMove[] }> => {
    const json = await call<{ run: Run; history?: RunMove[] }>("GET", `/api/runs/${seg(id)}`);
    return { run: one(json, "run"), history: items(json.history ?? [], "history") };
  },
  approvals: async (query: { tenant: string; status?: string }): Promise<Approval[]> =>
    items(await call("GET", `/api/tenants/${seg(query.tenant)}/approvals${q({ status: query.status })}`), "approvals"),
  approval: async (id: string): Promise<Approval> => one(await call("GET", `/api/approvals/${seg(id)}`), "approval"),
  grant: async (id: string, note?: string): Promise<Approval> => one(await call("POST", `/api/approvals/${seg(id)}/grant`, note === undefined ? {} : { note }), "approval"),
  reject: async (id: string, note?: string): Promise<Approval> => one(await call("POST", `/api/approvals/${seg(id)}/reject`, note === undefined ? {} : { note }), "approval"),
  audit: async (tenant: string): Promise<AuditRecord[]> => items(await call("GET", `/api/audit${q({ tenant })}`), "records"),
  verify: async (tenant: string): Promise<Verify> => one(await call("GET", `/api/audit/verify${q({ tenant })}`), "result"),
  /** What `act` would decide now for the request (nothing is written), with every rule behind it. */
  explain: async (request: { tenant: string; agent: string; action: string; input: unknown; run?: string }): Promise<Explanation> => call("POST", "/api/decisions/explain", request),
  usage: async (tenant: string, period?: string): Promise<UsageRow[]> => items(await call("GET", `/api/usage${q({ tenant, period })}`), "usage"),
};
