/**
 * Authentication (spec/control-server.md, "Authentication"): `Authorization: Bearer …`
 * carries an API token (`pbt_…`, looked up by its hash, tokens.ts) or, when an OIDC issuer
 * is configured, a JWT verified with `jose` against the issuer's JWKS — its issuer, audience
 * (when configured), expiry and signature; its roles from a claim (default `paybill_roles`),
 * its name from `email` or `sub`. Missing credentials: 401 PBR243; credentials that are not
 * a live token or a valid JWT: 401 PBR244.
 */
import type { Database } from "@paybill/runtime";
import { createRemoteJWKSet, type JWTVerifyGetKey, jwtVerify } from "jose";
import { type Caller, parseRole, type Role } from "./identity.js";
import { ProblemError } from "./problem.js";
import { findApiToken } from "./tokens.js";

export interface OidcOptions {
  readonly issuer: string;
  /** The JWKS URL (default: `<issuer>/.well-known/jwks.json`). */
  readonly jwksUrl?: string;
  readonly audience?: string;
  /** The claim holding the caller's roles: a list, or a space-separated text (default `paybill_roles`). */
  readonly rolesClaim?: string;
}

export type Authenticate = (header: string | undefined) => Promise<Caller>;

export function authenticator(db: Database, oidc: OidcOptions | undefined): Authenticate {
  let keys: JWTVerifyGetKey | undefined;
  return async (header) => {
    if (header === undefined || header === "") {
      throw new ProblemError(401, "PBR243", "this call needs credentials", "send `Authorization: Bearer <token>`: an API token (`paybillc serve tokens create --role …`) or an OIDC token");
    }
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const bad = new ProblemError(401, "PBR244", "the credentials are not a live API token or a valid OIDC token", "create a token with `paybillc serve tokens create --role …`, or get a fresh one from the identity provider");
    if (match === null || match[1] === undefined) throw bad;
    const credential = match[1];
    const token = await findApiToken(db, credential);
    if (token !== undefined) return { name: `token:${token.id}${token.label === undefined ? "" : ` (${token.label})`}`, roles: token.roles, key: `token:${token.id}` };
    if (oidc === undefined || credential.split(".").length !== 3) throw bad;
    keys ??= createRemoteJWKSet(new URL(oidc.jwksUrl ?? `${oidc.issuer.replace(/\/$/, "")}/.well-known/jwks.json`));
    try {
      const { payload } = await jwtVerify(credential, keys, { issuer: oidc.issuer, ...(oidc.audience === undefined ? {} : { audience: oidc.audience }) });
      const claim = payload[oidc.rolesClaim ?? "paybill_roles"];
      const written = Array.isArray(claim) ? claim : typeof claim === "string" ? claim.split(/\s+/) : [];
      const roles = written.flatMap((r): Role[] => {
        const role = typeof r === "string" ? parseRole(r) : undefined;
        return role === undefined ? [] : [role];
      });
      const name = typeof payload.email === "string" ? payload.email : payload.sub;
      if (name === undefined) throw bad;
      return { name: `oidc:${name}`, roles, key: `oidc:${payload.iss ?? ""}:${payload.sub ?? name}` };
    } catch (error) {
      if (error instanceof ProblemError) throw error;
      throw bad;
    }
  };
}
