// `warden explain -c FILE --method POST --path … [--header k:v]… [--token T]
//   [--source-principal ID] [--body JSON] [--json]`: what Warden would decide for a
// request described on the command line, which policy and rule decided, and why
// every other policy did not match; with a body, what the guardrails and the
// quotas would do (a dry run). Nothing is sent anywhere; a --token is verified
// like a real request's (its issuer's keys may be fetched).
// `warden explain -c FILE --request-id ID`: a request that happened, from its
// audit record: what was decided then and why, and what the config decides now.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { openStore } from '../audit/config.js';
import type { ChainedRecord } from '../audit/record.js';
import { ConfigError, formatProblem } from '../config/load.js';
import { explainDeps, loadGateway, type Parts } from '../gateway.js';
import { parseSpiffeId } from '../identity/spiffe.js';
import { explainRecord } from '../admin/explain-record.js';
import { Limits } from '../limits/limits.js';
import { RedisStore } from '../limits/redis-store.js';
import { explainRequest, formatExplanation, type ExplainResult, type RequestDescription } from '../policy/explain.js';
import { resolveSource } from './audit-args.js';

const HELP = `usage: warden explain -c FILE [--method GET] [--path /…] [--host H] [--header k:v]…
                      [--token JWT | --token-file F] [--source-principal SPIFFE_ID] [--source-ip IP]
                      [--port N] [--sni NAME] [--body JSON] [--json]
       warden explain -c FILE --request-id ID [--json]

Prints the decision Warden's policies give the described request, the policy
and rule that decided, and for every other policy why it did not match.
With --body, an allowed request also goes through the guardrails and the
quotas as a dry run (nothing is redacted or charged): which would refuse it,
and why. Quota counts are read from Redis when the quotas are shared there;
counters in a gateway's memory are counted only by its admin POST /explain.
--source-principal stands for a verified mTLS peer's SPIFFE ID: trust domain,
namespace and service account are derived from it as for real traffic.
--request-id ID explains a request that happened, from its record in the
config's audit store: what was decided then, and why; then what this config
decides for the same caller and request now.
Exit code: 0 allowed, 3 denied or refused, 4 unauthenticated (invalid token),
5 no route; 1 when the config, or the record, cannot be read.`;

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
      'request-id': { type: 'string' },
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
    parts = loadGateway(values.config);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    for (const p of e.problems) console.error(formatProblem(p));
    return 1;
  }
  const quota = await quotaDeps(parts);
  try {
    const requestId = values['request-id'];
    if (requestId !== undefined) return await explainRecorded(parts, values.config, requestId, values.json);
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
    const result = await explainRequest(explainDeps(parts, quota), description);
    process.stdout.write(values.json ? `${JSON.stringify(result, null, 2)}\n` : formatExplanation(result));
    return exitCode(result);
  } finally {
    parts.identifier.stop();
    await quota.limits?.close();
    await Promise.all(parts.routes.map((r) => r.pool.close()));
  }
}

function exitCode(result: ExplainResult): number {
  if (result.outcome === 'no-route') return 5;
  if (result.outcome === 'unauthenticated') return 4;
  if (result.outcome === 'refused') return 3;
  return result.decision.action === 'allow' && !result.refused ? 0 : 3;
}

/**
 * The config's quotas, for the dry run. Counters shared in Redis are read there (given a moment
 * to connect); counters in memory live in a running gateway, not in this process: not counted.
 */
async function quotaDeps(parts: Parts): Promise<{ limits?: Limits; counted: boolean }> {
  const spec = parts.config.gateway.value.limits;
  // As the gateway: limits without rules count no quota.
  if (!spec?.rules.length) return { counted: false };
  const limits = new Limits(spec);
  if (!(limits.store instanceof RedisStore)) return { limits, counted: false };
  const store = limits.store;
  const deadline = Date.now() + 2000;
  while (!store.up && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return { limits, counted: store.up };
}

/** --request-id: the record's story, then the same caller and request through this config now. */
async function explainRecorded(parts: Parts, config: string, requestId: string, json: boolean): Promise<number> {
  const source = resolveSource({ config });
  if (typeof source === 'string') {
    console.error(`warden explain: ${source}`);
    return 1;
  }
  let record: ChainedRecord | undefined;
  const store = openStore(source.store, { readonly: true });
  try {
    for await (const r of store.records({ requestId, limit: 1 })) record = r;
  } catch (e) {
    console.error(`warden explain: cannot read the audit store: ${(e as Error).message}`);
    return 1;
  } finally {
    await store.close().catch(() => {});
  }
  if (!record) {
    console.error(`warden explain: no audit record has request id ${JSON.stringify(requestId)} (is it the x-request-id the caller got, and this the config of the gateway that served it?)`);
    return 1;
  }
  // The console's explanation of a record, the same here: today's policies over the recorded request.
  const now = explainRecord(parts.authorizer, parts.config.gateway.value.identity.jwt.groupsClaim, record);
  if (json) {
    const { storeId: _, prompt: _p, response: _r, ...shown } = record as ChainedRecord & { storeId?: unknown };
    process.stdout.write(`${JSON.stringify({ record: shown, now }, null, 2)}\n`);
  } else {
    const caveats = now.caveats.map((c) => `  (${c})`).join('\n');
    process.stdout.write(`${recordStory(record)}\nwith ${config} now, the request as recorded:\n${formatExplanation(now)}${caveats}\n`);
  }
  return exitCode(now);
}

/** What the record says happened, in the words `warden explain` uses. */
function recordStory(r: ChainedRecord): string {
  const refused = r.decision === 'deny';
  const who = r.principal ?? 'anonymous';
  const lines = [
    `recorded ${r.time}, request ${r.requestId}: ${refused ? 'REFUSED' : 'ALLOWED'}, status ${r.status}${r.reason ? ` — ${r.reason}` : ''}`,
    `  request:   ${r.method ?? '?'} ${r.path ?? '(path not recorded)'} on route ${r.route ?? '(none)'}; caller ${who}${r.groups.length ? ` (groups ${r.groups.join(', ')})` : ''}${r.authMethods.length ? ` by ${r.authMethods.join(', ')}` : ''}`,
    `  target:    ${r.provider ?? '?'} ${r.operation ?? '?'}${r.operationClass ? ` (${r.operationClass})` : ''}${r.model ? ` model ${r.model}` : ''}`,
  ];
  if (r.policy) lines.push(`  policy:    ${r.policy}${r.rule === undefined ? '' : ` rule ${r.rule}`}`);
  for (const f of r.findings ?? []) lines.push(`  guardrail: ${f.type} ×${f.count} in the ${f.direction}: ${f.action}`);
  if (r.quota) lines.push(`  quota:     ${r.quota.exceeded ? `refused by rule ${r.quota.exceeded}` : `counted by ${r.quota.rules.join(', ')}`}`);
  return `${lines.join('\n')}\n`;
}
