// A Warden with the console's sign-in, in front of the emulator whose dev
// issuer is both the callers' issuer and the console's: what `npm start`
// runs, on free loopback ports. `signIn` walks the code flow as a browser
// would (the issuer's login page, the callback), with a cookie jar of its own.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Emulator } from '../../src/emulator/index.js';
import type { RunningGateway } from '../../src/gateway.js';
import { startEmulatorWithCredentials, startGatewayFromYaml } from '../helpers/gateway.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';

export const ADMIN_TOKEN = 'a-test-admin-token-0123456789abcdef';
export const GEN = '/v1/projects/emulator-project/locations/us-central1/publishers/google/models/gemini-2.0-flash:generateContent';
export const TRAIN = '/v1/projects/emulator-project/locations/us-central1/customJobs';

export interface ConsoleStack {
  emu: Emulator;
  gw: RunningGateway;
  dir: string;
  admin: string;
  /** A token the data path accepts. */
  callerToken(sub: string, groups: string[]): Promise<string>;
  /** Signs in through the dev issuer's login page; the session's cookie and CSRF token. */
  signIn(user: string, groups: string[]): Promise<Session>;
  close(): Promise<void>;
}

export interface Session {
  cookie: string;
  csrf: string;
  /** fetch on the admin port with this session's cookie. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

export function gatewayYaml(emu: Emulator, o: { adminAuth?: string; policies?: string; extra?: string } = {}): string {
  return `apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: console-test}
spec:
  listen: {host: 127.0.0.1, port: 0}
  admin:
    host: 127.0.0.1
    port: 0
${o.adminAuth?.replace('ISSUER', emu.issuer) ?? `    auth:
      oidc: {issuer: ${emu.issuer}, clientId: warden-console}
      tokenFile: ./admin-token`}
  routes:
    - name: vertex
      provider: vertex
      upstream: ${emu.url}
      credential: vertex-sa
  credentials:
    - name: vertex-sa
      google: {file: ./credentials/service-account.json}
  audit: {sqlite: ./audit.db}
${o.extra ?? ''}---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: dev-issuer}
spec:
  jwtRules:
    - issuer: ${emu.issuer}
      audiences: [warden]
      jwksUri: ${emu.issuer}/jwks
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ml-engineers}
spec:
  rules:
    - when: [{key: "request.auth.claims[groups]", values: [ml-engineers]}]
${o.policies ?? ''}`;
}

export async function startConsoleStack(o: Parameters<typeof gatewayYaml>[1] = {}): Promise<ConsoleStack> {
  const dir = makeTempDir('warden-console-');
  writeFileSync(join(dir, 'admin-token'), `${ADMIN_TOKEN}\n`);
  const emu = await startEmulatorWithCredentials(dir);
  let gw: RunningGateway;
  try {
    ({ gw } = await startGatewayFromYaml(gatewayYaml(emu, o), { dir, quiet: true }));
  } catch (e) {
    await emu.close();
    removeDir(dir);
    throw e;
  }
  const admin = gw.adminUrl;
  return {
    emu,
    gw,
    dir,
    admin,
    callerToken: (sub, groups) => emu.mintIdToken({ sub, groups, aud: 'warden' }),
    signIn: (user, groups) => signIn(admin, user, groups),
    close: async () => {
      await gw.close();
      await emu.close();
      removeDir(dir);
    },
  };
}

/** The set-cookie values of a response as `name=value` pairs. */
function setCookies(res: Response): Map<string, string> {
  const out = new Map<string, string>();
  for (const c of res.headers.getSetCookie()) {
    const [pair] = c.split(';');
    const eq = pair.indexOf('=');
    out.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return out;
}

export async function signIn(admin: string, user: string, groups: string[]): Promise<Session> {
  const start = await fetch(`${admin}/auth/login`, { redirect: 'manual' });
  if (start.status !== 302) throw new Error(`login answered ${start.status}: ${await start.text()}`);
  const login = setCookies(start).get('warden-login')!;
  const authorize = new URL(start.headers.get('location')!);
  // The login page's form, as a person fills it in.
  const form = new URLSearchParams(authorize.searchParams);
  form.set('username', user);
  form.set('groups', groups.join(','));
  const issued = await fetch(`${authorize.origin}${authorize.pathname}`, { method: 'POST', body: form, redirect: 'manual' });
  if (issued.status !== 302) throw new Error(`the login page answered ${issued.status}: ${await issued.text()}`);
  const callback = await fetch(issued.headers.get('location')!, { headers: { cookie: `warden-login=${login}` }, redirect: 'manual' });
  if (callback.status !== 200) throw new Error(`the callback answered ${callback.status}: ${await callback.text()}`);
  const cookie = `warden-session=${setCookies(callback).get('warden-session')}`;
  const session = (await (await fetch(`${admin}/api/session`, { headers: { cookie } })).json()) as { csrf: string };
  return {
    cookie,
    csrf: session.csrf,
    fetch: (path, init = {}) => fetch(`${admin}${path}`, { ...init, headers: { cookie, ...(init.headers as Record<string, string>) } }),
  };
}
