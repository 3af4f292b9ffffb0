// `warden explain -c FILE --method POST --path … [--header k:v]… [--token T]
//   [--source-principal ID] [--json]`: what Warden would decide for a request
// described on the command line, which policy and rule decided, and why every
// other policy did not match. Nothing is sent anywhere; a --token is verified
// like a real request's (its issuer's keys may be fetched).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, formatProblem } from '../config/load.js';
import { explainDeps, loadGateway, type Parts } from '../gateway.js';
import { parseSpiffeId } from '../identity/spiffe.js';
import { explainRequest, formatExplanation, type RequestDescription } from '../policy/explain.js';

const HELP = `usage: warden explain -c FILE [--method GET] [--path /…] [--host H] [--header k:v]…
                      [--token JWT | --token-file F] [--source-principal SPIFFE_ID] [--source-ip IP]
                      [--port N] [--sni NAME] [--body JSON] [--json]

Prints the decision Warden's policies give the described request, the policy
and rule that decided, and for every other policy why it did not match.
--source-principal stands for a verified mTLS peer's SPIFFE ID: trust domain,
namespace and service account are derived from it as for real traffic.
Exit code: 0 allowed, 3 denied, 4 unauthenticated (invalid token), 5 no route.`;

export async function explain(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string', short: 'c' },
      method: { type: 'string', short: 'X', default: 'GET' },
      path: { type: 'string', default: '/' },
      host: { type: 'string' },
      header: { type: 'string', short: 'H', multiple: true, default: [] },
      token: { type: 'string' },
      'token-file': { type: 'string' },
      'source-principal': { type: 'string' },
      'source-ip': { type: 'string' },
      port: { type: 'string' },
      sni: { type: 'string' },
      body: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || !values.config) {
    // Asked for: usage on stdout, exit 0. A usage mistake: usage on stderr, exit 2.
    (values.help ? console.log : console.error)(HELP);
    return values.help ? 0 : 2;
  }
  const headers: Record<string, string> = {};
  for (const h of values.header) {
    const i = h.indexOf(':');
    if (i <= 0) {
      console.error(`warden explain: --header "${h}" is not NAME:VALUE`);
      return 2;
    }
    headers[h.slice(0, i).trim().toLowerCase()] = h.slice(i + 1).trim();
  }
  // Read as a verified peer certificate's URI SAN is read: trust domain,
  // namespace and service account come from the same parser, so a
  // `namespaces:` or `principals:` rule matches here exactly as in traffic.
  let sourcePrincipal: string | undefined;
  const sp = values['source-principal'];
  if (sp !== undefined) {
    const id = parseSpiffeId(sp.startsWith('spiffe://') ? sp : `spiffe://${sp}`);
    if (!id) {
      console.error(`warden explain: --source-principal "${sp}" is not a SPIFFE ID (spiffe://TRUST_DOMAIN/ns/NS/sa/SA); a peer presenting it would have no source principal`);
      return 2;
    }
    sourcePrincipal = `spiffe://${id.principal}`;
  }
  let body: unknown;
  if (values.body !== undefined) {
    try {
      body = JSON.parse(values.body);
    } catch {
      console.error('warden explain: --body is not JSON');
      return 2;
    }
  }
  let parts: Parts;
  try {
    parts = await loadGateway(values.config);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    for (const p of e.problems) console.error(formatProblem(p));
    return 1;
  }
  const description: RequestDescription = {
    method: values.method,
    path: values.path,
    host: values.host,
    headers,
    token: values.token ?? (values['token-file'] ? readFileSync(values['token-file'], 'utf8').trim() : undefined),
    sourcePrincipal,
    sourceIp: values['source-ip'],
    destinationPort: values.port === undefined ? undefined : Number(values.port),
    sni: values.sni,
    body,
  };
  try {
    const result = await explainRequest(explainDeps(parts), description);
    process.stdout.write(values.json ? `${JSON.stringify(result, null, 2)}\n` : formatExplanation(result));
    if (result.outcome === 'no-route') return 5;
    if (result.outcome === 'unauthenticated') return 4;
    if (result.outcome === 'refused') return 3;
    return result.decision.action === 'allow' ? 0 : 3;
  } finally {
    parts.identifier.stop();
    await Promise.all(parts.routes.map((r) => r.pool.close()));
  }
}
