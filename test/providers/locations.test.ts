// Locations and residency: the location of a Vertex call (its path, or the host it goes to), its
// class and jurisdiction as policy keys, and a residency policy that refuses what it cannot judge.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GoogleGenAI } from '@google/genai';
import { OAuth2Client } from 'google-auth-library';
import { locate } from '../../src/admission/admit.js';
import { buildRoute } from '../../src/admission/route.js';
import { hostLocation, jurisdictionOf, locationClass, locationHost } from '../../src/providers/locations.js';
import { classifyVertex } from '../../src/providers/vertex.js';
import { startStack, type Stack } from '../helpers/stack.js';

describe('locations', () => {
  it('knows the class and jurisdiction of regions, multi-regions and global', () => {
    assert.equal(locationClass('europe-west4'), 'regional');
    assert.equal(locationClass('eu'), 'multi-region');
    assert.equal(locationClass('global'), 'global');
    assert.equal(locationClass('../etc'), undefined);
    assert.equal(jurisdictionOf('europe-west4'), 'eu');
    assert.equal(jurisdictionOf('europe-west2'), 'uk');
    assert.equal(jurisdictionOf('europe-west6'), 'ch');
    assert.equal(jurisdictionOf('us-central1'), 'us');
    assert.equal(jurisdictionOf('eu'), 'eu');
    assert.equal(jurisdictionOf('global'), 'global');
    assert.equal(jurisdictionOf('moon-base9'), undefined, 'a region of no known jurisdiction');
    assert.equal(jurisdictionOf('__proto__'), undefined);
  });

  it('reads the location a Vertex host serves, and back', () => {
    assert.equal(hostLocation('europe-west4-aiplatform.googleapis.com'), 'europe-west4');
    assert.equal(hostLocation('EUROPE-WEST4-aiplatform.googleapis.com:443'), 'europe-west4');
    assert.equal(hostLocation('aiplatform.eu.rep.googleapis.com'), 'eu');
    assert.equal(hostLocation('aiplatform.us.rep.googleapis.com'), 'us');
    assert.equal(hostLocation('aiplatform.mars.rep.googleapis.com'), undefined);
    assert.equal(hostLocation('aiplatform.googleapis.com'), 'global');
    assert.equal(hostLocation('europe-west4-aiplatform.googleapis.com.evil.test'), undefined);
    assert.equal(hostLocation('127.0.0.1:8080'), undefined);
    for (const l of ['europe-west4', 'eu', 'global']) assert.equal(hostLocation(locationHost(l)), l);
  });

  it('locates a call by its path, else by where it goes; a regional host that disagrees with the path is a conflict', () => {
    const google = buildRoute({ name: 'v', provider: 'vertex', upstream: 'https://europe-west4-aiplatform.googleapis.com', propagateHeaders: [], timeout: '60s' } as never);
    const local = buildRoute({ name: 'v', provider: 'vertex', upstream: 'http://127.0.0.1:9', propagateHeaders: [], timeout: '60s' } as never);
    const bare = () => classifyVertex('POST', '/v1/publishers/google/models/gemini-2.5-flash:generateContent', '', {});
    const at = (l: string) => classifyVertex('POST', `/v1/projects/p/locations/${l}/publishers/google/models/gemini-2.5-flash:generateContent`, '', {});

    let t = bare();
    assert.equal(locate(t, google), undefined);
    assert.equal(t.location, 'europe-west4', 'the route upstream\'s host');
    t = bare();
    locate(t, local, 'aiplatform.eu.rep.googleapis.com');
    assert.equal(t.location, 'eu', 'under Envoy: the host the call goes to');
    t = bare();
    locate(t, local);
    assert.equal(t.location, undefined, 'the proxy never believes the caller\'s Host');
    t = at('us-central1');
    assert.equal(locate(t, google), 'europe-west4', 'path and host disagree');
    assert.equal(t.location, 'us-central1');
    assert.equal(locate(at('us-central1'), local, 'aiplatform.googleapis.com'), undefined, 'the global host serves any location');
  });
});

const config = ({ emulatorUrl, issuer }: { emulatorUrl: string; issuer: string }) => `
apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: residency}
spec:
  routes:
    - {name: vertex, provider: vertex, upstream: '${emulatorUrl}', credential: vertex-sa}
  credentials:
    - {name: vertex-sa, google: {file: ./credentials/service-account.json}}
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: idp}
spec:
  jwtRules: [{issuer: '${issuer}', audiences: [warden]}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: eu-team-in-the-eu}
spec:
  action: DENY
  rules:
    - when:
        - {key: 'request.auth.claims[groups]', values: [eu-team]}
        - {key: request.jurisdiction, notValues: [eu]}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: gdpr-data-not-to-the-us}
spec:
  action: DENY
  rules:
    - when:
        - {key: 'request.auth.claims[groups]', values: [gdpr]}
        - {key: request.jurisdiction, values: [us, global]}
`;

describe('a residency policy through the proxy', () => {
  let s: Stack;
  before(async () => {
    s = await startStack(config);
  });
  after(() => s.close());

  const call = async (sub: string, groups: string[], location: string) => {
    const auth = new OAuth2Client();
    auth.setCredentials({ access_token: await s.token(sub, groups) });
    const ai = new GoogleGenAI({ vertexai: true, project: 'emulator-project', location, httpOptions: { baseUrl: s.gw.url }, googleAuthOptions: { authClient: auth } });
    return ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hello' });
  };
  const status = (e: unknown) => (e as { status?: number }).status;

  it('lets the EU team call in an EU region and the EU multi-region, not in the US or global', async () => {
    assert.ok((await call('ana', ['eu-team'], 'europe-west4')).text);
    assert.ok((await call('ana', ['eu-team'], 'eu')).text);
    await assert.rejects(call('ana', ['eu-team'], 'us-central1'), (e) => status(e) === 403);
    await assert.rejects(call('ana', ['eu-team'], 'global'), (e) => status(e) === 403);
    assert.ok((await call('bob', ['others'], 'us-central1')).text, 'the policy binds the EU team only');
  });

  it('refuses a location whose jurisdiction is unknown, and a call that names none, as google.rpc.Status', async () => {
    // A DENY on `notValues` refuses the unknown by itself; one on `values` would let it pass: admission refuses first.
    const token = await s.token('carl', ['gdpr']);
    const post = (path: string) => fetch(`${s.gw.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', host: 'europe-west4-aiplatform.googleapis.com' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
    });
    for (const path of [
      '/v1/projects/emulator-project/locations/moon-base9/publishers/google/models/gemini-2.5-flash:generateContent',
      // No location in the path; the caller's Host header names one, which the proxy does not believe.
      '/v1/publishers/google/models/gemini-2.5-flash:generateContent',
    ]) {
      const res = await post(path);
      assert.equal(res.status, 400, path);
      const body = (await res.json()) as { error: { code: number; status: string; details: { reason: string }[] } };
      assert.equal(body.error.status, 'INVALID_ARGUMENT');
      assert.equal(body.error.details[0]!.reason, 'LOCATION_UNKNOWN');
    }
    await assert.rejects(call('carl', ['gdpr'], 'us-east5'), (e) => status(e) === 403);
    assert.ok((await call('carl', ['gdpr'], 'europe-west1')).text);
    await assert.rejects(call('ana', ['eu-team'], 'moon-base9'), (e) => status(e) === 400, 'unknown to every caller once a policy on the route needs it');
  });
});
