/** `@paybill/server/control`: the control-plane HTTP server alone, for `paybillc serve --control` and `serve tokens`. */
export { type ControlAppOptions, controlApp } from "./app.js";
export { type ControlServer, type ControlServerOptions, isLoopbackHost, startControlServer } from "./serve.js";
export { type Caller, parseRole, type Role } from "./identity.js";
export type { OidcOptions } from "./auth.js";
export type { StripeOptions } from "./stripe.js";
export { type ApiToken, createApiToken, listApiTokens, revokeApiToken } from "./tokens.js";
export { controlTablesInstalled, installControlTables } from "./tables.js";
