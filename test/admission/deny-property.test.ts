// Property: however a denied model's call is encoded (percent and double
// encoding, dot segments, `//`, backslashes, case, absolute-form, trailing
// dots, a detour through an allowed model, and mixes of these), it is denied
// or refused — never forwarded. Through the proxy (an upstream records what
// reaches it), both ext_authz modes (a check that allows is a forward) and
// ext_proc (a gRPC client plays Envoy: an answer that lets the request go on
// is a forward), under each of Istio's path normalizations.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { credentials, loadPackageDefinition, type Client, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { LOADER_OPTIONS } from '../../src/envoy-api/load.js';
import { EXTERNAL_AUTH_PROTO, type CheckRequest } from '../../src/extauthz/proto.js';
import { ExtProcClient, type ExtProcRequest } from '../helpers/extproc-client.js';
import { startGatewayFromYaml, type YamlGateway } from '../helpers/gateway.js';
import { rawRequest, startRecordingUpstream, type RecordingUpstream } from '../helpers/recording-upstream.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { bodyCall, DENIED, DENIED_BODY_MODEL, encodedCall, type BodyCall, type EncodedCall } from './deny-encodings.js';

const HOST = 'us-central1-aiplatform.googleapis.com';
const PROMPT = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] });
const RUNS = Number(process.env.WARDEN_PROPERTY_RUNS ?? 120);
/** ext_proc's bodyBufferBytes here: a body padded past it streams on, unread. */
const BODY_BUFFER = 1024;

type AuthorizationClient = Client & { Check(req: CheckRequest, cb: (err: ServiceError | null, res: { status: { code: number } }) => void): void };

function config(upstream: string, normalization: string): string {
  return `apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: t}
spec:
  listen: {host: 127.0.0.1, port: 0}
  policy: {pathNormalization: ${normalization}}
  extAuthz: {timeout: 5s, grpc: {port: 0}, http: {port: 0, pathPrefix: /check}}
  extProc: {grpc: {port: 0}, timeout: 5s, bodyBufferBytes: ${BODY_BUFFER}}
  routes:
    - {name: vertex, provider: vertex, upstream: "${upstream}"}
    - {name: openai, provider: openai, match: {pathPrefix: /openai/}, upstream: "${upstream}"}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: no-${DENIED}}
spec:
  action: DENY
  rules: [{when: [{key: request.model, values: [${DENIED}, ${DENIED_BODY_MODEL}]}]}]
`;
}

function grpcCheck(path: string, body: string, contentType: string | undefined = 'application/json'): CheckRequest {
  const headers: Record<string, string> = { ':authority': HOST, ':method': 'POST', ':path': path, 'content-length': String(Buffer.byteLength(body)) };
  if (contentType !== undefined) headers['content-type'] = contentType;
  return {
    attributes: {
      source: { address: { socketAddress: { address: '10.44.0.13', portValue: 52088 } } },
      destination: { address: { socketAddress: { address: '10.44.3.30', portValue: 8080 } } },
      request: {
        http: {
          id: '1',
          method: 'POST',
          headers,
          path,
          host: HOST,
          protocol: 'HTTP/1.1',
          size: String(Buffer.byteLength(body)),
          body,
        },
      },
    },
  };
}

function httpCheck(port: number, path: string, body: string, contentType: string | undefined = 'application/json', partial = false): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { host: HOST, 'content-length': Buffer.byteLength(body) };
    if (contentType !== undefined) headers['content-type'] = contentType;
    if (partial) headers['x-envoy-auth-partial-body'] = 'true';
    const req = request(
      { host: '127.0.0.1', port, method: 'POST', path: `/check${path}`, headers },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const show = (c: EncodedCall) => c.absolute + c.path;

for (const normalization of ['BASE', 'NONE', 'MERGE_SLASHES', 'DECODE_AND_MERGE_SLASHES']) {
  describe(`a DENY on ${DENIED} holds for every encoding of its call (pathNormalization ${normalization})`, () => {
    let up: RecordingUpstream;
    let g: YamlGateway;
    let dir: string;
    let client: AuthorizationClient;
    let extProc: ExtProcClient;
    let port: number;

    before(async () => {
      up = await startRecordingUpstream();
      dir = makeTempDir('warden-deny-property-');
      g = await startGatewayFromYaml(config(up.url, normalization), { dir, quiet: true });
      port = Number(new URL(g.gw.url).port);
      const pkg = loadPackageDefinition(loadSync(EXTERNAL_AUTH_PROTO, LOADER_OPTIONS)) as unknown as {
        envoy: { service: { auth: { v3: { Authorization: new (addr: string, creds: ReturnType<typeof credentials.createInsecure>) => AuthorizationClient } } } };
      };
      client = new pkg.envoy.service.auth.v3.Authorization(`127.0.0.1:${g.gw.extAuthz!.grpc!.port}`, credentials.createInsecure());
      extProc = new ExtProcClient(g.gw.extProc!.port);
    });
    after(async () => {
      client?.close();
      extProc?.close();
      await g?.gw.close();
      await up?.close();
      removeDir(dir);
    });

    const check = (req: CheckRequest) =>
      new Promise<number>((resolve, reject) => client.Check(req, (err, res) => (err ? reject(err) : resolve(res.status.code))));

    it('control: the allowed model is forwarded, and the denied one in plain form is not', async () => {
      const ok = await rawRequest(port, post(`/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.0-flash:generateContent`));
      assert.equal(ok.status, 200, ok.body);
      const denied = await rawRequest(port, post(`/v1/projects/p/locations/us-central1/publishers/google/models/${DENIED}:generateContent`));
      assert.equal(denied.status, 403);
      assert.equal(await check(grpcCheck(`/v1/publishers/google/models/gemini-2.0-flash:generateContent`, PROMPT)), 0);
      assert.equal(await httpCheck(g.gw.extAuthz!.http!.port, `/v1/publishers/google/models/gemini-2.0-flash:generateContent`, PROMPT), 200);
      assert.equal((await extProc.decide(extProcCall(`/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.0-flash:generateContent`))).allowed, true);
      const no = await extProc.decide(extProcCall(`/v1/projects/p/locations/us-central1/publishers/google/models/${DENIED}:generateContent`));
      assert.deepEqual([no.allowed, no.status, no.reason], [false, 403, 'POLICY_DENIED']);
    });

    it('ext_proc: never let on (403 or 400 as an immediate response)', async () => {
      // Envoy sends origin-form; an absolute-form :path is what a broken or hostile data plane might send.
      await fc.assert(
        fc.asyncProperty(encodedCall, async (c) => {
          const d = await extProc.decide(extProcCall(c.absolute + c.path));
          assert.ok(!d.allowed && (d.status === 403 || d.status === 400), `${show(c)} → ${d.allowed ? 'let on' : `${d.status} ${d.reason}`}`);
        }),
        { numRuns: RUNS },
      );
    });

    it('proxy: denied (403) or refused (400), never forwarded', async () => {
      await fc.assert(
        fc.asyncProperty(encodedCall, async (c) => {
          const before = up.seen.length;
          const res = await rawRequest(port, post(c.absolute + c.path));
          assert.ok(res.status === 403 || res.status === 400, `${show(c)} → ${res.status} ${res.body}`);
          assert.equal(up.seen.length, before, `${show(c)} reached the upstream as ${up.seen.at(-1)?.url}`);
        }),
        { numRuns: RUNS },
      );
    });

    it('ext_authz gRPC: never allowed', async () => {
      await fc.assert(
        fc.asyncProperty(encodedCall, async (c) => {
          const code = await check(grpcCheck(c.absolute + c.path, PROMPT));
          assert.ok(code === 7 || code === 3, `${show(c)} → gRPC code ${code}`);
        }),
        { numRuns: RUNS },
      );
    });

    if (normalization === 'BASE') {
      // The model named in a body, however it is sent: content types or none, leading white space,
      // \\u escapes, look-alike values, non-boolean stream flags, bodies Envoy cut short.
      it('a denied model in a body: proxy, denied or refused, never forwarded', async () => {
        await fc.assert(
          fc.asyncProperty(bodyCall, async (c) => {
            const before = up.seen.length;
            const res = await rawRequest(port, postBody(c));
            assert.ok([400, 403, 413, 415].includes(res.status), `${showBody(c)} → ${res.status} ${res.body}`);
            assert.equal(up.seen.length, before, `${showBody(c)} reached the upstream`);
          }),
          { numRuns: RUNS },
        );
      });

      it('a denied model in a body: ext_authz gRPC (whole or cut short) and HTTP, never allowed', async () => {
        await fc.assert(
          fc.asyncProperty(bodyCall, async (c) => {
            const body = c.cutAt === undefined ? c.body : c.body.slice(0, c.cutAt);
            const req = grpcCheck(c.path, body, c.contentType);
            req.attributes!.request!.http!.size = String(Buffer.byteLength(c.body));
            const code = await check(req);
            assert.ok(code !== 0, `gRPC ${showBody(c)} → allowed`);
            const status = await httpCheck(g.gw.extAuthz!.http!.port, c.path, body, c.contentType, c.cutAt !== undefined);
            assert.ok(status !== 200, `HTTP ${showBody(c)} → 200`);
          }),
          { numRuns: RUNS },
        );
      });

      it('a denied model in a body: ext_proc, whole (one chunk, several, BUFFERED) or unread (past bodyBufferBytes, held by Envoy, NONE), never let on', async () => {
        await fc.assert(
          fc.asyncProperty(bodyCall, fc.nat(2), async (c, way) => {
            const req = extProcBodyCall(c, way);
            const d = await extProc.decide(req);
            assert.ok(!d.allowed, `${showBody(c)} (${req.mode}${req.waitForHeaderAnswer ? ', held by Envoy' : ''}, ${req.chunks ?? 1} chunks, ${Buffer.byteLength(req.body ?? '')} bytes) → let on`);
          }),
          { numRuns: RUNS },
        );
      });
    }

    it('ext_authz HTTP: never allowed', async () => {
      // Envoy sends the check its origin-form path: absolute-form does not occur here.
      await fc.assert(
        fc.asyncProperty(encodedCall, async (c) => {
          const status = await httpCheck(g.gw.extAuthz!.http!.port, c.path, PROMPT);
          assert.ok(status === 403 || status === 400, `${c.path} → ${status}`);
        }),
        { numRuns: RUNS },
      );
    });
  });
}

function extProcCall(path: string): ExtProcRequest {
  return { path, authority: HOST, headers: { 'content-type': 'application/json' }, body: PROMPT };
}

/**
 * A body call as ext_proc sees it. Envoy always has the whole body; what the ext_authz cases cut
 * short is here a body Warden does not read: padded past bodyBufferBytes (valid JSON still), held by
 * Envoy until the headers are answered, or never sent (NONE).
 */
function extProcBodyCall(c: BodyCall, way: number): ExtProcRequest {
  const headers: Record<string, string> = c.contentType === undefined ? {} : { 'content-type': c.contentType };
  const base = { path: c.path, authority: HOST, headers };
  if (c.cutAt === undefined) {
    if (way === 2) return { ...base, body: c.body, mode: 'BUFFERED' };
    return { ...base, body: c.body, chunks: way === 0 ? 1 : 3 };
  }
  if (way === 0) return { ...base, body: c.body + ' '.repeat(2 * BODY_BUFFER), chunks: 3 };
  if (way === 1) return { ...base, body: c.body, waitForHeaderAnswer: true };
  return { ...base, body: c.body, mode: 'NONE' };
}

function postBody(c: BodyCall): string {
  const type = c.contentType === undefined ? '' : `Content-Type: ${c.contentType}\r\n`;
  return `POST ${c.path} HTTP/1.1\r\nHost: ${HOST}\r\n${type}Content-Length: ${Buffer.byteLength(c.body)}\r\nConnection: close\r\n\r\n${c.body}`;
}

const showBody = (c: BodyCall) => `${c.path} [${c.contentType ?? 'no content-type'}]${c.cutAt === undefined ? '' : ` cut at ${c.cutAt}`} ${JSON.stringify(c.body)}`;

function post(target: string): string {
  return `POST ${target} HTTP/1.1\r\nHost: ${HOST}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(PROMPT)}\r\nConnection: close\r\n\r\n${PROMPT}`;
}
