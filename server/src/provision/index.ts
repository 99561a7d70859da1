/** `@paybill/server/provision`: the provisioners alone (no HTTP framework, no MCP SDK), for the CLI's `tenants` commands. */
export { TerraformProvisioner, type TerraformProvisionerOptions } from "./terraform.js";
export { type Manifest, MANIFEST_PATH, readManifest, stackFor } from "./stacks.js";
export type { Placement, StackTenant } from "./types.js";
export { placedOn, unfinishedOf } from "./placed.js";
