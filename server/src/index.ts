/**
 * @paybill/server — what hosts run, on the runtime and without the compiler: the
 * control-plane HTTP server (control/), the MCP tool server over a runtime (mcp/) and the
 * provisioners of the control plane (provision/). `paybillc serve` calls it.
 */
export { createPaybillMcpServer, type PaybillMcpServer } from "./mcp/server.js";
export { checkSession, checkSessionNames, SessionError, type SessionOptions } from "./mcp/session.js";
export { isLoopback, serveHttp } from "./mcp/http.js";
export { PaybillStdioTransport } from "./mcp/stdio.js";
export { TerraformProvisioner, type TerraformProvisionerOptions } from "./provision/terraform.js";
export { type Manifest, MANIFEST_PATH, readManifest, stackFor } from "./provision/stacks.js";
export type { Placement, StackTenant } from "./provision/types.js";
export { placedOn, unfinishedOf } from "./provision/placed.js";
export { type ControlAppOptions, controlApp } from "./control/app.js";
export { type ControlServer, type ControlServerOptions, isLoopbackHost, startControlServer } from "./control/serve.js";
export { type Caller, parseRole, type Role } from "./control/identity.js";
export type { OidcOptions } from "./control/auth.js";
export type { StripeOptions } from "./control/stripe.js";
export { type ApiToken, createApiToken, listApiTokens, revokeApiToken } from "./control/tokens.js";
export { controlTablesInstalled, installControlTables } from "./control/tables.js";
