/**
 * @paybill/server — what hosts run, on the runtime and without the compiler: the
 * control-plane HTTP server (control/), the MCP tool server over a runtime (mcp/) and the
 * provisioners of the control plane (provision/). `paybillc serve` calls it. Each part is
 * also a subpath of its own (`@paybill/server/control`, `/mcp`, `/provision`), so a host —
 * and each CLI command — loads only the part it runs.
 */
export * from "./control/index.js";
export * from "./mcp/index.js";
export * from "./provision/index.js";
