/**
 * @paybill/compiler — what a Paybill project produces: the `paybillc` command line, and the
 * parts a host service may embed: the MCP tool server over a runtime (what `paybillc serve
 * --mcp` runs) and the Terraform provisioner of the control plane.
 */
export { main } from "./cli.js";
export type { Io } from "./io.js";
export { createPaybillMcpServer, type PaybillMcpServer } from "./mcp/server.js";
export type { SessionOptions } from "./mcp/session.js";
export { TerraformProvisioner, type TerraformProvisionerOptions } from "./provision/terraform.js";
