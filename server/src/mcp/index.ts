/** `@paybill/server/mcp`: the MCP tool server alone, for `paybillc serve --mcp`. */
export { createPaybillMcpServer, type PaybillMcpServer } from "./server.js";
export { checkSession, checkSessionNames, SessionError, type SessionOptions } from "./session.js";
export { isLoopback, serveHttp } from "./http.js";
export { PaybillStdioTransport } from "./stdio.js";
