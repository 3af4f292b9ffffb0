import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { parseArgs } from 'node:util';
import { readDemoState } from './demo-state.js';

/** Asks the dev OIDC issuer for a client_credentials token with the given subject and groups. */
export async function token(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      sub: { type: 'string', default: 'alice' },
      group: { type: 'string', multiple: true, default: [] },
      issuer: { type: 'string' },
      audience: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(`usage: warden token [--sub NAME] [--group G]... [--issuer URL] [--audience AUD]

Prints an access token from the running demo's dev OIDC issuer (found through
.warden/demo/state.json, or --issuer), for use as 'Authorization: Bearer TOKEN'.`);
    return 0;
  }
  const state = readDemoState();
  const issuer = values.issuer ?? state?.issuer;
  if (!issuer) {
    console.error('warden token: no running demo found (.warden/demo/state.json); start one with `npm start`, or pass --issuer URL');
    return 1;
  }
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: state?.clientId ?? 'warden-dev',
    client_secret: state?.clientSecret ?? 'warden-dev-secret',
    audience: values.audience ?? state?.audience ?? 'warden',
    sub: values.sub,
  });
  if (values.group.length) form.set('groups', values.group.join(','));
  let res: { status: number; text: string };
  try {
    res = await post(`${issuer.replace(/\/$/, '')}/token`, form.toString());
  } catch (e) {
    console.error(`warden token: cannot reach the issuer at ${issuer} (${(e as Error).message}); is the demo running?`);
    return 1;
  }
  let body: { access_token?: string; error?: string; error_description?: string } = {};
  try {
    body = JSON.parse(res.text) as typeof body;
  } catch {
    // not JSON: reported below with the status
  }
  if (res.status !== 200 || !body.access_token) {
    console.error(`warden token: the issuer answered ${res.status} ${body.error ?? ''} ${body.error_description ?? ''}`.trim());
    return 1;
  }
  console.log(body.access_token);
  return 0;
}

/**
 * One form POST with node:http(s), not fetch: Node's fetch loads its own
 * HTTP stack on first use, which costs this short-lived command more than all
 * its other work.
 */
function post(url: string, form: string): Promise<{ status: number; text: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(form) },
      timeout: 5000,
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 5 s')));
    req.on('error', reject);
    req.end(form);
  });
}
