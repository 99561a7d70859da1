/**
 * @paybill/compiler — what a Paybill project produces: the `paybillc` command line, and the
 * parts a host service may embed: the MCP tool server over a runtime (what `paybillc serve
 * --mcp` runs) and the Terraform provisioner of the control plane.
 */
export { main } from "./cli.js";
export type { Io } from "./io.js";
// Moved to @paybill/server (what hosts run, without the compiler); re-exported here for hosts that embed them from the compiler.
export { createPaybillMcpServer, type PaybillMcpServer, type SessionOptions, TerraformProvisioner, type TerraformProvisionerOptions } from "@paybill/server";
