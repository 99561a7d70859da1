/** Tenant routing: where each tenant's data is, and a connection there (spec/runtime.md §Tenant routing). */
export { bridgeGuardSql, SCHEMA_TENANT_POLICY } from "./bridge-guard.js";
export { type DatabaseTarget, type PlacementTarget, type ResolveOptions, resolvePlacement, type TenancyModel, tenancyOf } from "./placements.js";
export { type PlacementConnection, type RouterOptions, TenantRouter } from "./router.js";
export { bridgeSchema } from "./schema-name.js";
export { inSchema } from "./scoped.js";
export { migratePlacement, prepareBridgeSchema } from "./prepare.js";
export { registeredTenants } from "./registry.js";
export { databasesFollow, type FollowOptions } from "./provisioning.js";
