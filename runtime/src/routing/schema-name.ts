/**
 * The schema a bridge tenant's rows live in, in its cell's shared database server
 * (spec/runtime.md §Tenant routing): `tenant_` and the tenant's owner name
 * (control/cloud-names.ts `tenantOwner`, the same that names its cloud resources) with `-`
 * written `_`. Owner names are distinct for distinct tenant ids and hold no `_`, so schema
 * names are distinct too; one that would pass PostgreSQL's 63 bytes keeps its first
 * characters and 8 hex digits of the SHA-256 of the id.
 */
import { hash8, tenantOwner } from "../control/cloud-names.js";

const PREFIX = "tenant_";
const MAX = 63;

export function bridgeSchema(tenant: string): string {
  const name = PREFIX + tenantOwner(tenant).replaceAll("-", "_");
  if (name.length <= MAX) return name;
  // `__` never occurs in a short name (owner names have no `--`), so a shortened one is apart from every short one.
  return `${name.slice(0, MAX - 10).replace(/_+$/, "")}__${hash8(tenant)}`;
}
