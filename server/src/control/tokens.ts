/**
 * API tokens (spec/control-server.md, "Authentication"): `pbt_` and 32 random bytes in
 * base64url, shown once when created; the table keeps the SHA-256 of each, never the token.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { CONTROL_ROLE, type Database } from "@paybill/runtime";
import { parseRole, type Role } from "./identity.js";
import { TOKENS_TABLE } from "./tables.js";

export const TOKEN_PREFIX = "pbt_";

export interface ApiToken {
  readonly id: string;
  readonly label?: string;
  readonly roles: readonly Role[];
  readonly createdAt: string;
  readonly revokedAt?: string;
}

const hashOf = (token: string) => createHash("sha256").update(token).digest("hex");

interface TokenRow extends Record<string, unknown> {
  id: string;
  label: string | null;
  roles: string[];
  created_at: Date | string;
  revoked_at: Date | string | null;
}

function tokenOf(row: TokenRow): ApiToken {
  return {
    id: row.id,
    ...(row.label === null ? {} : { label: row.label }),
    roles: row.roles.flatMap((r) => {
      const role = parseRole(r);
      return role === undefined ? [] : [role];
    }),
    createdAt: new Date(row.created_at).toISOString(),
    ...(row.revoked_at === null ? {} : { revokedAt: new Date(row.revoked_at).toISOString() }),
  };
}

const asControl = { role: CONTROL_ROLE };

/** Creates a token with `roles`; the token itself is returned once and never stored. */
export async function createApiToken(db: Database, request: { roles: readonly Role[]; label?: string }, options: { role?: string | null } = {}): Promise<{ token: string; record: ApiToken }> {
  const token = TOKEN_PREFIX + randomBytes(32).toString("base64url");
  const id = randomUUID();
  const role = options.role === null ? {} : { role: options.role ?? CONTROL_ROLE };
  const [row] = await db.transaction(
    (tx) =>
      tx.query<TokenRow>(`insert into ${TOKENS_TABLE} (id, label, roles, hash) values ($1, $2, $3, $4) returning id, label, roles, created_at, revoked_at`, [
        id,
        request.label ?? null,
        [...request.roles],
        hashOf(token),
      ]),
    role,
  );
  if (row === undefined) throw new Error("the token was not stored");
  return { token, record: tokenOf(row) };
}

/** The live token `token` is, or undefined. */
export async function findApiToken(db: Database, token: string): Promise<ApiToken | undefined> {
  if (!token.startsWith(TOKEN_PREFIX)) return undefined;
  const [row] = await db.transaction(
    (tx) => tx.query<TokenRow>(`select id, label, roles, created_at, revoked_at from ${TOKENS_TABLE} where hash = $1 and revoked_at is null`, [hashOf(token)]),
    asControl,
  );
  return row === undefined ? undefined : tokenOf(row);
}

export async function listApiTokens(db: Database, options: { role?: string | null } = {}): Promise<ApiToken[]> {
  const role = options.role === null ? {} : { role: options.role ?? CONTROL_ROLE };
  const rows = await db.transaction((tx) => tx.query<TokenRow>(`select id, label, roles, created_at, revoked_at from ${TOKENS_TABLE} order by created_at, id`), role);
  return rows.map(tokenOf);
}

/** Revokes a token; false when there is no live token with that id. */
export async function revokeApiToken(db: Database, id: string, options: { role?: string | null } = {}): Promise<boolean> {
  const role = options.role === null ? {} : { role: options.role ?? CONTROL_ROLE };
  const rows = await db.transaction((tx) => tx.query(`update ${TOKENS_TABLE} set revoked_at = now() where id = $1 and revoked_at is null returning id`, [id]), role);
  return rows.length > 0;
}
