// A stateless MCP server of the 2026-07-28 revision (no sessions; each
// request carries its protocol version and `Mcp-Method` / `Mcp-Name`), built
// with the official TypeScript SDK v2 (`@modelcontextprotocol/server`), with
// the same tools as server.ts. The SDK's handler is web-standard (Request →
// Response); a few lines put it on node:http.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { SECRET } from './server.js';

export interface SeenRequest2026 {
  method: string;
  headers: IncomingHttpHeaders;
  rpc?: string;
  tool?: string;
}

export interface TestMcpServer2026 {
  url: string;
  seen: SeenRequest2026[];
  close(): Promise<void>;
}

function buildServer(): McpServer {
  const server = new McpServer({ name: 'warden-test-server-2026', version: '1.0.0' });
  const text = (t: string) => ({ content: [{ type: 'text' as const, text: t }] });
  server.registerTool('read_file', { description: 'Read a file', inputSchema: z.object({ path: z.string() }), annotations: { readOnlyHint: true } }, async ({ path }) => text(`contents of ${path}`));
  server.registerTool('search', { description: 'Search files', inputSchema: z.object({ query: z.string() }), annotations: { readOnlyHint: true } }, async ({ query }) => text(`3 results for ${query}`));
  server.registerTool('delete_file', { description: 'Delete a file', inputSchema: z.object({ path: z.string() }), annotations: { destructiveHint: true } }, async ({ path }) => text(`deleted ${path}`));
  server.registerTool('show_config', { description: 'Show the deployment config', annotations: { readOnlyHint: true } }, async () => text(`region: us-central1\naws_access_key_id: ${SECRET}\n`));
  return server;
}

/** `legacy`: also serve 2025-era clients, statelessly (no sessions), as the SDK's handler can. */
export async function startMcpServer2026(o: { legacy?: boolean } = {}): Promise<TestMcpServer2026> {
  const handler = createMcpHandler(() => buildServer(), { legacy: o.legacy ? 'stateless' : 'reject' });
  const seen: SeenRequest2026[] = [];
  let base = '';
  const http: Server = createServer(async (req, res) => {
    try {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = Buffer.concat(chunks);
      let msg: { method?: string; params?: { name?: string } } | undefined;
      try {
        msg = body.length ? (JSON.parse(body.toString('utf8')) as typeof msg) : undefined;
      } catch {
        msg = undefined;
      }
      seen.push({ method: req.method ?? '', headers: req.headers, rpc: msg?.method, tool: msg?.method === 'tools/call' ? msg.params?.name : undefined });
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
      const response = await handler.fetch(new Request(`${base}${req.url}`, { method: req.method, headers, body: body.length ? body : undefined }));
      res.writeHead(response.status, Object.fromEntries(response.headers));
      if (response.body) for await (const c of response.body) res.write(c);
      res.end();
    } catch (e) {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(e));
    }
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return {
    url: `${base}/mcp`,
    seen,
    async close() {
      await handler.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
