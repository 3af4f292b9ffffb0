// The stateless 2026-07-28 revision through Warden, with the official SDK v2
// client and server: per-request protocol version and Mcp-Method / Mcp-Name
// headers, which Warden checks against the body (a mismatch is -32020
// HeaderMismatch and never reaches the server); and as Envoy's external
// authorizer, where it decides per tool from those headers alone, without
// the body, and needs the body from older clients.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { credentials, loadPackageDefinition, type Client as GrpcClient, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { Client, ClientCredentialsProvider, ProtocolError, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { LOADER_OPTIONS } from '../../src/envoy-api/load.js';
import { EXTERNAL_AUTH_PROTO, type CheckRequest } from '../../src/extauthz/proto.js';
import type { RunningGateway } from '../../src/gateway.js';
import { readAuditDb } from '../helpers/audit-db.js';
import { startGatewayFromYaml } from '../helpers/gateway.js';
import { until } from '../helpers/process.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { SECRET } from './server.js';
import { startMcpServer2026, type TestMcpServer2026 } from './server-2026.js';
import { ADMIN, READER, READERS_POLICY } from './stack.js';

interface Answer {
  status: { code: number; message?: string };
  okResponse?: { headers: { header: { key: string; value: string } }[] };
  deniedResponse?: { status: { code: string }; body: string };
}
type AuthorizationClient = GrpcClient & { Check(req: CheckRequest, cb: (err: ServiceError | null, res: Answer) => void): void };

const VERSION = '2026-07-28';
const HOST = 'tools.example.internal';

describe('MCP 2026-07-28 (stateless) through Warden', () => {
  let emu: Emulator;
  let server: TestMcpServer2026;
  let gw: RunningGateway;
  let dir: string;
  let grpc: AuthorizationClient;
  const check = (req: CheckRequest) => new Promise<Answer>((resolve, reject) => grpc.Check(req, (err, res) => (err ? reject(err) : resolve(res))));

  before(async () => {
    dir = makeTempDir('warden-mcp26-');
    emu = await startEmulator({ port: 0 });
    emu.registerOidcClient(READER.id, READER.secret, READER.groups);
    emu.registerOidcClient(ADMIN.id, ADMIN.secret, ADMIN.groups);
    server = await startMcpServer2026();
    ({ gw } = await startGatewayFromYaml(
      `
apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: mcp}
spec:
  extAuthz:
    timeout: 2s
    grpc: {port: 0}
  routes:
    - name: tools
      provider: mcp
      match: {pathPrefix: /mcp}
      upstream: ${server.url}
      mcp:
        authorizationServers: [${emu.issuer}]
      guardrails:
        response: {secret: redact}
    # In the mesh, through Envoy: request guardrails only flag, so a call decided from its headers may pass unscanned.
    - name: mesh-tools
      provider: mcp
      match: {host: ${HOST}, pathPrefix: /mcp}
      upstream: ${server.url}
      guardrails:
        request: {secret: flag}
  guardrails:
    request: {secret: block}
  audit: {sqlite: ./audit.db}
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: dev-issuer}
spec:
  jwtRules: [{issuer: ${emu.issuer}, jwksUri: ${emu.issuer}/jwks}]
---
${READERS_POLICY}`,
      { dir, quiet: true },
    ));
    const pkg = loadPackageDefinition(loadSync(EXTERNAL_AUTH_PROTO, LOADER_OPTIONS)) as unknown as {
      envoy: { service: { auth: { v3: { Authorization: new (addr: string, creds: ReturnType<typeof credentials.createInsecure>) => AuthorizationClient } } } };
    };
    grpc = new pkg.envoy.service.auth.v3.Authorization(`127.0.0.1:${gw.extAuthz!.grpc!.port}`, credentials.createInsecure());
  });
  after(async () => {
    grpc?.close();
    await gw?.close();
    await server?.close();
    await emu?.close();
    removeDir(dir);
  });

  async function connect(who: { id: string; secret: string }): Promise<Client> {
    const authProvider = new ClientCredentialsProvider({ clientId: who.id, clientSecret: who.secret, expectedIssuer: emu.issuer });
    const client = new Client({ name: 'warden-test-client', version: '1.0.0' }, { versionNegotiation: { mode: { pin: VERSION } } });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp`), { authProvider }));
    return client;
  }

  it('signs in, lists what the reader may call, calls, is refused, gets secrets redacted', async () => {
    const client = await connect(READER);
    try {
      assert.deepEqual((await client.listTools()).tools.map((t) => t.name).sort(), ['read_file', 'search', 'show_config']);
      const r = await client.callTool({ name: 'read_file', arguments: { path: '/etc/motd' } });
      assert.deepEqual(r.content, [{ type: 'text', text: 'contents of /etc/motd' }]);
      await assert.rejects(client.callTool({ name: 'delete_file', arguments: { path: '/etc/motd' } }), (e: unknown) => {
        assert.ok(e instanceof ProtocolError, String(e));
        assert.equal(e.code, -31403);
        return true;
      });
      const config = await client.callTool({ name: 'show_config' });
      const text = (config.content as { text: string }[])[0]!.text;
      assert.ok(!text.includes(SECRET), text);
    } finally {
      await client.close();
    }
    const call = server.seen.find((r) => r.tool === 'read_file')!;
    assert.equal(call.headers['mcp-method'], 'tools/call');
    assert.equal(call.headers['mcp-name'], 'read_file');
    assert.equal(call.headers['mcp-protocol-version'], VERSION);
    assert.equal(call.headers.authorization, undefined, 'the caller’s token does not reach the server');
    assert.ok(!server.seen.some((r) => r.tool === 'delete_file'));
    // The record keeps the revision (written off the request path: waited for).
    const modern = () => readAuditDb(`${dir}/audit.db`, (db) => db.prepare("SELECT mcp FROM audit WHERE mcp LIKE '%tools/call%'").all() as { mcp: string }[])
      .some((r) => (JSON.parse(r.mcp) as { protocolVersion?: string }).protocolVersion === VERSION);
    await until(modern, 'a tools/call record of the 2026-07-28 revision');
  });

  it('answers a header that disagrees with the body with 400 HeaderMismatch, before the server', async () => {
    const token = await emu.mintIdToken({ sub: ADMIN.id, groups: ADMIN.groups, aud: `${gw.url}/mcp` });
    const seen = server.seen.length;
    const body = {
      jsonrpc: '2.0',
      id: 3,
      method: 'tools/call',
      params: { name: 'delete_file', arguments: { path: '/x' }, _meta: { 'io.modelcontextprotocol/protocolVersion': VERSION, 'io.modelcontextprotocol/clientInfo': { name: 'x', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': {} } },
    };
    const post = (headers: Record<string, string>) =>
      fetch(`${gw.url}/mcp`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': VERSION, ...headers },
        body: JSON.stringify(body),
      });
    const cases: Record<string, string>[] = [{ 'mcp-method': 'tools/call', 'mcp-name': 'read_file' }, { 'mcp-method': 'tools/list' }, { 'mcp-method': 'tools/call' }, {}];
    for (const headers of cases) {
      const res = await post(headers);
      assert.equal(res.status, 400, JSON.stringify(headers));
      const answer = (await res.json()) as { id: number; error: { code: number; data: { reason: string } } };
      assert.equal(answer.error.code, -32020);
      assert.equal(answer.error.data.reason, 'MCP_HEADER_MISMATCH');
    }
    assert.equal(server.seen.length, seen, 'nothing reached the server');
    // The Base64 sentinel form of Mcp-Name is the same name.
    const ok = await post({ 'mcp-method': 'tools/call', 'mcp-name': `=?base64?${Buffer.from('delete_file').toString('base64')}?=` });
    assert.equal(ok.status, 200);
  });

  /** The CheckRequest Envoy sends for a POST to the MCP route, with or without its body. */
  function mcpCheck(o: { token: string; headers?: Record<string, string>; body?: string; requestId: string; route?: string }): CheckRequest {
    const headers: Record<string, string> = {
      ':authority': HOST,
      ':method': 'POST',
      ':path': '/mcp',
      authorization: `Bearer ${o.token}`,
      'content-type': 'application/json',
      'content-length': String(o.body ? Buffer.byteLength(o.body) : 180),
      'x-request-id': o.requestId,
      ...o.headers,
    };
    return {
      attributes: {
        source: { address: { socketAddress: { address: '10.44.0.13', portValue: 52088 } } },
        destination: { address: { socketAddress: { address: '10.44.3.30', portValue: 8080 } } },
        request: { http: { method: 'POST', headers, path: '/mcp', host: HOST, scheme: 'http', protocol: 'HTTP/1.1', size: headers['content-length'], ...(o.body ? { body: o.body } : {}) } },
        contextExtensions: { route: o.route ?? 'mesh-tools' },
      },
    };
  }

  it('ext_authz: decides per tool from the 2026-07-28 headers alone, without the body', async () => {
    const token = await emu.mintIdToken({ sub: READER.id, groups: READER.groups, aud: `http://${HOST}/mcp` });
    const call = (tool: string, id: string) => mcpCheck({ token, requestId: id, headers: { 'mcp-protocol-version': VERSION, 'mcp-method': 'tools/call', 'mcp-name': tool } });
    const allowed = await check(call('search', 'mcp-xa-1'));
    assert.equal(allowed.status.code, 0);
    const denied = await check(call('delete_file', 'mcp-xa-2'));
    assert.equal(denied.status.code, 7);
    // Without the body there is no JSON-RPC id to answer: HTTP 403, with the error as a JSON-RPC error without id.
    assert.equal(denied.deniedResponse?.status.code, 'Forbidden');
    assert.deepEqual((JSON.parse(denied.deniedResponse!.body) as { id: null; error: { code: number } }).error.code, -31403);
    // An older revision's headers are not trusted: its body is needed.
    const old = await check(mcpCheck({ token, requestId: 'mcp-xa-3', headers: { 'mcp-protocol-version': '2025-06-18', 'mcp-method': 'tools/call', 'mcp-name': 'search' } }));
    assert.equal(old.status.code, 3);
    assert.match(old.deniedResponse!.body, /BODY_TOO_LARGE_TO_CLASSIFY/);
    // A route whose request guardrails block cannot let arguments pass unscanned: fail closed.
    const guarded = await check(mcpCheck({ token, requestId: 'mcp-xa-4', route: 'tools', headers: { 'mcp-protocol-version': VERSION, 'mcp-method': 'tools/call', 'mcp-name': 'search' } }));
    assert.equal(guarded.status.code, 3);
    assert.match(guarded.deniedResponse!.body, /without its body, so the guardrails cannot scan its arguments/);
  });

  it('ext_authz: an older client is decided from its body', async () => {
    const token = await emu.mintIdToken({ sub: READER.id, groups: READER.groups, aud: `http://${HOST}/mcp` });
    const body = (tool: string) => JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: tool, arguments: { query: 'q', path: '/p' } } });
    const ok = await check(mcpCheck({ token, requestId: 'mcp-xb-1', body: body('search'), headers: { 'mcp-protocol-version': '2025-06-18' } }));
    assert.equal(ok.status.code, 0);
    const no = await check(mcpCheck({ token, requestId: 'mcp-xb-2', body: body('delete_file'), headers: { 'mcp-protocol-version': '2025-06-18' } }));
    assert.equal(no.status.code, 7);
    // With the body, the refusal answers the call's id with HTTP 200, as the SDK expects of a refused call.
    assert.equal(no.deniedResponse?.status.code, 'OK');
    assert.equal((JSON.parse(no.deniedResponse!.body) as { id: number }).id, 9);
    // A session it has not seen is bound to the first caller that presents it; another caller is then refused.
    const session = { 'mcp-protocol-version': '2025-06-18', 'mcp-session-id': 'session-from-upstream-1' };
    assert.equal((await check(mcpCheck({ token, requestId: 'mcp-xb-3', body: body('search'), headers: session }))).status.code, 0);
    const other = await emu.mintIdToken({ sub: ADMIN.id, groups: ADMIN.groups, aud: `http://${HOST}/mcp` });
    const stolen = await check(mcpCheck({ token: other, requestId: 'mcp-xb-4', body: body('search'), headers: session }));
    assert.equal(stolen.status.code, 5);
    await until(() => readAuditDb(`${dir}/audit.db`, (db) => db.prepare("SELECT 1 FROM audit WHERE request_id = 'mcp-xb-4' AND reason LIKE 'MCP_SESSION_FOREIGN%'").get() !== undefined), 'the refusal record');
  });
});
