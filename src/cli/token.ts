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
  let res: Response;
  try {
    res = await fetch(`${issuer.replace(/\/$/, '')}/token`, { method: 'POST', body: form, signal: AbortSignal.timeout(5000) });
  } catch (e) {
    console.error(`warden token: cannot reach the issuer at ${issuer} (${(e as Error).message}); is the demo running?`);
    return 1;
  }
  const body = (await res.json().catch(() => ({}))) as { access_token?: string; error?: string; error_description?: string };
  if (!res.ok || !body.access_token) {
    console.error(`warden token: the issuer answered ${res.status} ${body.error ?? ''} ${body.error_description ?? ''}`.trim());
    return 1;
  }
  console.log(body.access_token);
  return 0;
}
