// End-to-end policy cases: one emulator for a whole file, one Warden per
// case with the case's policies, and requests sent with node:http (so that
// Host, X-Forwarded-For and unnormalized paths go out exactly as written).
import { request } from 'node:http';
import type { Emulator } from '../../src/emulator/index.js';
import type { RunningGateway } from '../../src/gateway.js';
import { startEmulatorWithCredentials, startGatewayFromYaml } from '../helpers/gateway.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';

export const MODEL_PATH = '/v1/projects/emulator-project/locations/us-central1/publishers/google/models';
export const PROMPT = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] });

export interface CallSpec {
  method?: string;
  path: string;
  host?: string;
  headers?: Record<string, string>;
  /** Claims for a token from the emulator's dev issuer; `bad` sends a malformed token. */
  token?: { sub: string; groups?: string[]; claims?: Record<string, unknown> } | 'bad';
  body?: string;
}

/** What Warden did: refused by policy, refused the token, or let the request through to the upstream. */
/** `invalid`: refused before any policy (400), as Envoy refuses a path with an encoded NUL. */
export type Outcome = 'allow' | 'deny' | 'unauthenticated' | 'invalid';

export class PolicyBench {
  emu!: Emulator;
  dir!: string;

  async start(): Promise<void> {
    this.dir = makeTempDir('warden-policy-');
    this.emu = await startEmulatorWithCredentials(this.dir);
  }

  async close(): Promise<void> {
    await this.emu.close();
    removeDir(this.dir);
  }

  /** A Warden running `policies` (ISSUER in them is replaced by the dev issuer's URL). */
  async warden(policies: string, o: { policy?: string; metadata?: string } = {}): Promise<RunningGateway> {
    const yaml = `apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: ${o.metadata ?? '{name: warden}'}
spec:
  routes:
    - {name: vertex, provider: vertex, upstream: "${this.emu.url}", credential: sa}
  credentials:
    - {name: sa, google: {file: ./credentials/service-account.json}}
  policy: ${o.policy ?? '{}'}
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: dev}
spec:
  jwtRules: [{issuer: "${this.emu.issuer}", jwksUri: "${this.emu.issuer}/jwks", audiences: [warden]}]
---
${policies.replaceAll('ISSUER', this.emu.issuer)}`;
    const { gw } = await startGatewayFromYaml(yaml, { dir: this.dir, file: `warden-${Math.random().toString(36).slice(2)}.yaml`, quiet: true });
    return gw;
  }

  async call(gw: RunningGateway, c: CallSpec): Promise<{ outcome: Outcome; status: number; body: string }> {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...c.headers };
    if (c.token === 'bad') headers.authorization = 'Bearer not-a-jwt';
    else if (c.token) headers.authorization = `Bearer ${await this.emu.mintIdToken({ aud: 'warden', ...c.token })}`;
    const url = new URL(gw.url);
    const method = c.method ?? 'POST';
    const body = c.body ?? (method === 'GET' || method === 'DELETE' ? '' : PROMPT);
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, method, path: c.path, headers: { host: c.host ?? url.host, ...headers, 'content-length': Buffer.byteLength(body) } }, (r) => {
        let text = '';
        r.setEncoding('utf8');
        r.on('data', (d: string) => (text += d));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      req.end(body);
    });
    const outcome: Outcome =
      res.status === 403 && res.body.includes('POLICY_DENIED') ? 'deny' : res.status === 401 ? 'unauthenticated' : res.status === 400 && res.body.includes('PATH_INVALID') ? 'invalid' : 'allow';
    return { outcome, ...res };
  }
}
