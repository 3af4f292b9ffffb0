// A real MCP server for the tests, built with the official TypeScript SDK
// (2025-06-18 Streamable HTTP, stateful: one transport per session), on a
// free loopback port. Its tools, prompts and resources:
//
//   tools      read_file, search (read-only), delete_file (destructive),
//              show_config (its result carries an AWS access key), echo
//   prompts    summarize, admin_report
//   resources  file:///public/readme.md, file:///private/keys.txt
//
// It keeps what it saw of each request (method, headers) so that tests can
// tell what left Warden.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

export const SECRET = 'AKIAIOSFODNN7EXAMPLE';

export interface SeenRequest {
  method: string;
  headers: IncomingHttpHeaders;
  /** The JSON-RPC method of a POST. */
  rpc?: string;
  /** tools/call's tool name. */
  tool?: string;
}

export interface TestMcpServer {
  /** http://127.0.0.1:PORT/mcp */
  url: string;
  seen: SeenRequest[];
  /** Sessions the server holds, by id. */
  sessions: Map<string, StreamableHTTPServerTransport>;
  close(): Promise<void>;
}

function buildServer(): McpServer {
  const server = new McpServer({ name: 'warden-test-server', version: '1.0.0' });
  const text = (t: string) => ({ content: [{ type: 'text' as const, text: t }] });
  server.registerTool('read_file', { description: 'Read a file', inputSchema: { path: z.string() }, annotations: { readOnlyHint: true } }, async ({ path }) => text(`contents of ${path}`));
  server.registerTool('search', { description: 'Search files', inputSchema: { query: z.string() }, annotations: { readOnlyHint: true } }, async ({ query }) => text(`3 results for ${query}`));
  server.registerTool('delete_file', { description: 'Delete a file', inputSchema: { path: z.string() }, annotations: { destructiveHint: true } }, async ({ path }) => text(`deleted ${path}`));
  server.registerTool('show_config', { description: 'Show the deployment config', annotations: { readOnlyHint: true } }, async () =>
    text(`region: us-central1\naws_access_key_id: ${SECRET}\n`),
  );
  server.registerTool('echo', { description: 'Echo the text', inputSchema: { text: z.string() } }, async ({ text: t }) => text(t));
  server.registerTool('fail', { description: 'Always fails' }, async () => ({ content: [{ type: 'text' as const, text: 'it failed' }], isError: true }));
  server.registerPrompt('summarize', { description: 'Summarize a text', argsSchema: { text: z.string() } }, ({ text: t }) => ({
    messages: [{ role: 'user', content: { type: 'text', text: `Summarize: ${t}` } }],
  }));
  server.registerPrompt('admin_report', { description: 'Administrator report' }, () => ({
    messages: [{ role: 'user', content: { type: 'text', text: 'Report on every account' } }],
  }));
  server.registerResource('readme', 'file:///public/readme.md', { mimeType: 'text/markdown' }, async (uri) => ({
    contents: [{ uri: uri.href, text: '# Read me' }],
  }));
  server.registerResource('keys', 'file:///private/keys.txt', { mimeType: 'text/plain' }, async (uri) => ({
    contents: [{ uri: uri.href, text: `key=${SECRET}` }],
  }));
  return server;
}

/** `json`: answer requests with application/json instead of an SSE stream. */
export async function startMcpServer(o: { json?: boolean } = {}): Promise<TestMcpServer> {
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const seen: SeenRequest[] = [];
  const http: Server = createServer(async (req, res) => {
    try {
      let body: unknown;
      if (req.method === 'POST') {
        const chunks: Buffer[] = [];
        for await (const c of req) chunks.push(c as Buffer);
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      }
      const msg = body as { method?: string; params?: { name?: string } } | undefined;
      seen.push({ method: req.method ?? '', headers: req.headers, rpc: msg?.method, tool: msg?.method === 'tools/call' ? msg.params?.name : undefined });
      const id = req.headers['mcp-session-id'];
      let transport = typeof id === 'string' ? sessions.get(id) : undefined;
      if (!transport) {
        if (typeof id === 'string' || !isInitializeRequest(body)) {
          res.writeHead(typeof id === 'string' ? 404 : 400, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message: typeof id === 'string' ? 'Session not found' : 'No session' }, id: null }));
          return;
        }
        const t: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          enableJsonResponse: o.json ?? false,
          onsessioninitialized: (sid) => void sessions.set(sid, t),
        });
        t.onclose = () => {
          if (t.sessionId) sessions.delete(t.sessionId);
        };
        await buildServer().connect(t);
        transport = t;
      }
      await transport.handleRequest(req, res, body);
    } catch (e) {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(e));
    }
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const port = (http.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    seen,
    sessions,
    async close() {
      for (const t of sessions.values()) await t.close().catch(() => {});
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
