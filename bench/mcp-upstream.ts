// The MCP server bench/mcp.ts measures against: the tests' server built on the
// official SDK (2025-06-18 Streamable HTTP, sessions), answering with JSON.
//
//   node --import tsx bench/mcp-upstream.ts      → prints `listening http://…/mcp`
import { startMcpServer } from '../test/mcp/server.js';

const server = await startMcpServer({ json: true });
console.log(`listening ${server.url}`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
