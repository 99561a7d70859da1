/**
 * Agent tokens: bearer tokens that let a client act as one agent of one tenant (the MCP
 * server over HTTP authenticates with them). A token is shown once, when it is created;
 * the database keeps its SHA-256 only (`paybill_agent_tokens`, migration 10), so a copy of
 * the database gives no working token.
 *
 * A token reads `pbt.<tenant>.<id>.<secret>`: the tenant and id say which row to read, so
 * authentication binds the transaction to the tenant before it reads (the row is
 * tenant-scoped like every other), and the 32 random bytes of the secret are what the hash
 * proves. Hashes are compared in constant time. A revoked token stays listed, and never
 * authenticates again.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Bundle } from "../bundle/format.js";
import type { Database, Sql } from "./adapter.js";
import { PaybillRuntimeError } from "./errors.js";
import { getTenant } from "./tenants.js";

export interface AgentToken {
  readonly id: string;
  readonly tenant: string;
  readonly agent: string;
  readonly label?: string;
  readonly createdAt: string;
  readonly revokedAt?: string;
}

/** What `authenticate` says of a valid token: whom it acts as. */
export interface TokenIdentity {
  readonly id: string;
  readonly tenant: string;
  readonly agent: string;
}

const PREFIX = "pbt";
/** A tenant id has no `.` (spec/control-plane.md; a bundle's tenants are names). */
const TOKEN = /^pbt\.([^.\s]{1,63})\.([0-9a-f]{16})\.([A-Za-z0-9_-]{43})$/;

export async function createToken(
  db: Database,
  bundle: Pick<Bundle, "agents">,
  request: { tenant: string; agent: string; label?: string },
  now: Date,
): Promise<{ token: string; record: AgentToken }> {
  if (!Object.hasOwn(bundle.agents, request.agent)) {
    throw new PaybillRuntimeError("PBR192", `there is no agent \`${request.agent}\``, `a token acts as an agent the bundle declares: one of ${Object.keys(bundle.agents).map((a) => `\`${a}\``).join(", ")}`);
  }
  if (!/^[^.\s]{1,63}$/.test(request.tenant)) throw new PaybillRuntimeError("PBR110", `there is no tenant \`${request.tenant}\``, "name a registered tenant");
  const id = randomBytes(8).toString("hex");
  const token = `${PREFIX}.${request.tenant}.${id}.${randomBytes(32).toString("base64url")}`;
  const record = await db.transaction(async (tx) => {
    await bind(tx, request.tenant);
    if ((await getTenant(tx, request.tenant)) === undefined) {
      throw new PaybillRuntimeError("PBR110", `there is no tenant \`${request.tenant}\``, "onboard it first (`paybillc tenants onboard`), or name a tenant the bundle declares");
    }
    const [row] = await tx.query<TokenRow>(
      `insert into paybill_agent_tokens (tenant_id, id, agent, label, hash, created_at) values ($1, $2, $3, $4, $5, $6)
       returning ${COLUMNS}`,
      [request.tenant, id, request.agent, request.label ?? null, digest(token), now.toISOString()],
    );
    if (row === undefined) throw new Error("the token insert returned no row");
    return fromRow(row);
  });
  return { token, record };
}

export async function listTokens(db: Database, tenant: string): Promise<AgentToken[]> {
  return db.transaction(async (tx) => {
    await bind(tx, tenant);
    const rows = await tx.query<TokenRow>(`select ${COLUMNS} from paybill_agent_tokens where tenant_id = $1 order by created_at, id`, [tenant]);
    return rows.map(fromRow);
  });
}

/** Revokes the token (idempotent); PBR193 when the tenant has no token with that id. */
export async function revokeToken(db: Database, tenant: string, id: string, now: Date): Promise<AgentToken> {
  return db.transaction(async (tx) => {
    await bind(tx, tenant);
    const [row] = await tx.query<TokenRow>(
      `update paybill_agent_tokens set revoked_at = coalesce(revoked_at, $3) where tenant_id = $1 and id = $2 returning ${COLUMNS}`,
      [tenant, id, now.toISOString()],
    );
    if (row === undefined) throw new PaybillRuntimeError("PBR193", `tenant \`${tenant}\` has no token \`${id}\``, "list the tenant's tokens with `paybillc mcp token list --tenant …`");
    return fromRow(row);
  });
}

/** Whom `token` acts as; undefined for anything but a token created here and not revoked. */
export async function authenticate(db: Database, token: string): Promise<TokenIdentity | undefined> {
  const parts = TOKEN.exec(token);
  if (parts === null) return undefined;
  const [, tenant = "", id = ""] = parts;
  return db.transaction(async (tx) => {
    await tx.query("set transaction read only");
    await bind(tx, tenant);
    const [row] = await tx.query<{ agent: string; hash: string; revoked: boolean }>(
      "select agent, hash, revoked_at is not null as revoked from paybill_agent_tokens where tenant_id = $1 and id = $2",
      [tenant, id],
    );
    if (row === undefined || row.revoked) return undefined;
    const given = Buffer.from(digest(token), "hex");
    const kept = Buffer.from(row.hash, "hex");
    return kept.length === given.length && timingSafeEqual(kept, given) ? { id, tenant, agent: row.agent } : undefined;
  });
}

interface TokenRow extends Record<string, unknown> {
  tenant_id: string;
  id: string;
  agent: string;
  label: string | null;
  created_at: Date | string;
  revoked_at: Date | string | null;
}

const COLUMNS = "tenant_id, id, agent, label, created_at, revoked_at";

function fromRow(row: TokenRow): AgentToken {
  return {
    id: row.id,
    tenant: row.tenant_id,
    agent: row.agent,
    ...(row.label === null ? {} : { label: row.label }),
    createdAt: new Date(row.created_at).toISOString(),
    ...(row.revoked_at === null ? {} : { revokedAt: new Date(row.revoked_at).toISOString() }),
  };
}

function digest(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** The transaction's tenant (`paybill.tenant`), as every tenant-scoped transaction binds it. */
async function bind(tx: Sql, tenant: string): Promise<void> {
  await tx.query("select set_config('paybill.tenant', $1, true)", [tenant]);
}
