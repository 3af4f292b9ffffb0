// An MCP test stack on loopback: the emulator's dev OIDC issuer with two
// registered clients (a reader and an admin), real MCP servers from the
// official SDK (one answering with SSE streams, one with JSON), and Warden in
// front of both as an OAuth resource server, with the policy the docs show:
// readers may call read-only tools only.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ClientCredentialsProvider } from '@modelcontextprotocol/sdk/client/auth-extensions.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import type { RunningGateway } from '../../src/gateway.js';
import { startGatewayFromYaml } from '../helpers/gateway.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { startMcpServer, type TestMcpServer } from './server.js';

export const READER = { id: 'reader-agent', secret: 'reader-secret', groups: ['readers'] };
export const ADMIN = { id: 'admin-agent', secret: 'admin-secret', groups: ['admins'] };

export interface McpStack {
  emu: Emulator;
  gw: RunningGateway;
  /** Answers with SSE streams; behind Warden at /mcp. */
  sse: TestMcpServer;
  /** Answers with JSON bodies; behind Warden at /json/mcp. */
  json: TestMcpServer;
  dir: string;
  auditDb: string;
  close(): Promise<void>;
}

export const READERS_POLICY = `
apiVersion: warden.dev/v1alpha1
kind: AuthorizationPolicy
metadata: {name: mcp-readers}
spec:
  action: ALLOW
  rules:
    # Everything but tool calls: the session, listing, prompts and resources.
    - when:
        - {key: 'request.auth.claims[groups]', values: [readers]}
        - {key: request.mcp.method, notValues: [tools/call]}
    # Read-only tools only, and read_file outside /private.
    - when:
        - {key: 'request.auth.claims[groups]', values: [readers]}
        - {key: request.mcp.tool, values: [read_file, search, show_config, echo, fail]}
      cel: "request.mcp.tool != 'read_file' || !request.mcp.arguments.path.startsWith('/private')"
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: mcp-admins}
spec:
  action: ALLOW
  rules:
    - when: [{key: 'request.auth.claims[groups]', values: [admins]}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: no-private-prompts}
spec:
  action: DENY
  rules:
    - when:
        - {key: 'request.auth.claims[groups]', notValues: [admins]}
        - {key: request.mcp.prompt, values: [admin_*]}
    - when:
        - {key: 'request.auth.claims[groups]', notValues: [admins]}
        - {key: request.mcp.resource, values: ['file:///private/*']}
`;

/**
 * `routes` and `gateway` are YAML added to spec.routes and to spec; they get the servers' URLs.
 * `documents`: more documents (policies). `files`: written into the config's directory first.
 * `googleCredentials`: the emulator's key files in `credentials/` there (service-account.json, …).
 */
export async function startMcpStack(
  extra: {
    routes?: (o: { sse: string; json: string; emulator: string }) => string;
    gateway?: string;
    documents?: string;
    files?: Record<string, string>;
    googleCredentials?: boolean;
  } = {},
): Promise<McpStack> {
  const dir = makeTempDir('warden-mcp-');
  for (const [name, text] of Object.entries(extra.files ?? {})) writeFileSync(join(dir, name), text);
  const emu = await startEmulator({ port: 0 });
  if (extra.googleCredentials) await emu.writeCredentials(join(dir, 'credentials'));
  emu.registerOidcClient(READER.id, READER.secret, READER.groups);
  emu.registerOidcClient(ADMIN.id, ADMIN.secret, ADMIN.groups);
  const sse = await startMcpServer();
  const json = await startMcpServer({ json: true });
  try {
    const yaml = `
apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: mcp}
spec:
  routes:
    - name: tools
      provider: mcp
      match: {pathPrefix: /mcp}
      upstream: ${sse.url}
      storePrompts: true
      mcp:
        authorizationServers: [${emu.issuer}]
        scopes: [mcp]
      guardrails:
        response: {secret: redact}
    - name: tools-json
      provider: mcp
      match: {pathPrefix: /json/mcp}
      upstream: ${json.url}
      mcp:
        authorizationServers: [${emu.issuer}]
      guardrails:
        response: {secret: redact}
${extra.routes?.({ sse: sse.url, json: json.url, emulator: emu.url }) ?? ''}
  guardrails:
    request: {secret: block}
  audit: {sqlite: ./audit.db}
${extra.gateway ?? ''}
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: dev-issuer}
spec:
  jwtRules: [{issuer: ${emu.issuer}, jwksUri: ${emu.issuer}/jwks}]
---
${READERS_POLICY}
${extra.documents ?? ''}
`;
    const { gw } = await startGatewayFromYaml(yaml, { dir, quiet: true });
    return {
      emu,
      gw,
      sse,
      json,
      dir,
      auditDb: `${dir}/audit.db`,
      async close() {
        await gw.close();
        await sse.close();
        await json.close();
        await emu.close();
        removeDir(dir);
      },
    };
  } catch (e) {
    await sse.close();
    await json.close();
    await emu.close();
    removeDir(dir);
    throw e;
  }
}

/** An SDK client that signs in with client credentials when Warden asks it to (the 401's resource metadata). */
export async function connect(url: string, who: { id: string; secret: string }, issuer: string): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const authProvider = new ClientCredentialsProvider({ clientId: who.id, clientSecret: who.secret, expectedIssuer: issuer });
  const transport = new StreamableHTTPClientTransport(new URL(url), { authProvider });
  const client = new Client({ name: 'warden-test-client', version: '1.0.0' });
  await client.connect(transport);
  return { client, transport };
}
