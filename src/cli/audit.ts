// `warden audit verify | query | export`: read an audit store back. The store
// and key come from the config file (-c) or are named directly.
import { once } from 'node:events';
import { closeSync, openSync, writeSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadKey, openStore, planAudit, readKeyFile, type AuditPlan, type StoreSpec } from '../audit/config.js';
import type { AuditFilter, AuditReader } from '../audit/sink.js';
import type { ChainedRecord } from '../audit/record.js';
import { verifyStream } from '../audit/verify.js';
import { formatProblem, loadConfigFile } from '../config/load.js';

const USAGE = `usage: warden audit <verify|query|export> (-c FILE | --sqlite FILE | --postgres URL | --jsonl FILE) [options]

  verify                 check every chain: exit 0 with the count, exit 1 naming the first tampered record
  query                  print matching records, one per line
  export                 write matching records as JSON lines (stdout, or -o FILE)

store:   -c FILE (the config's spec.audit), or --sqlite FILE, --postgres URL [--password-file F] [--table T], --jsonl FILE
key:     --key FILE (verify; default: the config's hmacKeyFile)
filters: --since T --until T (ISO time, or 30m/12h/7d ago), --principal P, --model M, --decision allow|deny,
         --finding TYPE (a guardrail finding such as EMAIL, PROMPT_INJECTION), --limit N`;

const OPTIONS = {
  config: { type: 'string', short: 'c' },
  sqlite: { type: 'string' },
  postgres: { type: 'string' },
  'password-file': { type: 'string' },
  table: { type: 'string' },
  jsonl: { type: 'string' },
  key: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  principal: { type: 'string' },
  model: { type: 'string' },
  decision: { type: 'string' },
  finding: { type: 'string' },
  limit: { type: 'string' },
  output: { type: 'string', short: 'o' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function audit(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { values } = parseArgs({ args: rest, options: OPTIONS });
  if (values.help || !sub || !['verify', 'query', 'export'].includes(sub)) {
    // Asked for: usage on stdout, exit 0. A usage mistake: usage on stderr, exit 2.
    (values.help ? console.log : console.error)(USAGE);
    return values.help ? 0 : 2;
  }
  const source = resolveSource(values);
  if (typeof source === 'string') {
    console.error(`warden audit: ${source}`);
    return 2;
  }
  if (sub === 'verify' && !values.key && !source.plan) {
    console.error('warden audit verify: which key? pass --key FILE, or -c with the config');
    return 2;
  }
  // Exit 2 when the log could not be read (or the output not written), as for a usage mistake:
  // a job that runs `verify` tells "tampered" (1) from "could not check" (2).
  const filter = parseFilter(values);
  if (typeof filter === 'string') {
    console.error(`warden audit ${sub}: ${filter}`);
    return 2;
  }
  let store: AuditReader | undefined;
  try {
    store = openStore(source.store, { readonly: true });
    return await run(sub, store, filter, values, source.plan);
  } catch (e) {
    console.error(`warden audit ${sub}: ${e instanceof CliTrouble ? e.message : `cannot read ${storeName(source.store)}: ${(e as Error).message}`}`);
    return 2;
  } finally {
    await store?.close().catch(() => {});
  }
}

/** A problem that is not the store's (the key, the output file): its message is whole. */
class CliTrouble extends Error {}

async function run(sub: string, store: AuditReader, filter: AuditFilter, values: Record<string, string | boolean | undefined>, plan: AuditPlan | undefined): Promise<number> {
  if (sub === 'verify') {
    const key = verifyKey(values.key as string | undefined, plan);
    const checkpoints = await store.checkpoints();
    const result = await verifyStream(key, store.records(), checkpoints);
    if (!result.ok) {
      const p = result.problem!;
      console.log(`TAMPERED (${p.kind}): ${p.message}`);
      return 1;
    }
    console.log(`OK: ${result.records} record(s) in ${result.chains} chain(s) verified, ${result.checkpoints} checkpoint(s)`);
    return 0;
  }
  // Record by record as the store reads them: an export of any size holds one chunk at a time.
  const out = chunkedWriter(sub === 'export' ? (values.output as string | undefined) : undefined);
  let count = 0;
  try {
    for await (const { storeId: _, ...r } of store.records(filter)) {
      count++;
      await out.write(sub === 'export' ? JSON.stringify(r) : queryLine(r));
    }
  } finally {
    await out.close();
  }
  if (sub === 'query') console.error(`${count} record(s)`);
  return 0;
}

/** The HMAC key: --key FILE, or the config's hmacKeyFile (never created here). */
function verifyKey(file: string | undefined, plan: AuditPlan | undefined): Buffer {
  let key: Buffer;
  try {
    key = file ? readKeyFile(file) : loadKey(plan!, { create: false });
  } catch (e) {
    throw new CliTrouble(`cannot read the HMAC key: ${(e as Error).message}`);
  }
  // An empty key would report every record as changed.
  if (!key.length) throw new CliTrouble(`the HMAC key file ${file ?? plan!.keyFile} is empty`);
  return key;
}

/** The store as the messages name it; a PostgreSQL URL without its password. */
function storeName(s: StoreSpec): string {
  switch (s.kind) {
    case 'sqlite':
      return `the SQLite audit store ${s.file}`;
    case 'jsonl':
      return s.file === '-' ? 'the JSON lines audit log on stdout' : `the JSON lines audit log ${s.file}`;
    case 'postgres': {
      let url = s.url;
      try {
        const u = new URL(s.url);
        if (u.password) u.password = '***';
        url = u.toString();
      } catch {
        url = 'the configured URL';
      }
      return `the PostgreSQL audit store ${url} (table ${s.table})`;
    }
  }
}

function queryLine(r: ChainedRecord): string {
  const findings = r.findings?.map((f) => `${f.type}/${f.direction}/${f.action}/${f.count}`).join(',');
  const quota = r.quota?.exceeded ? `exceeded:${r.quota.exceeded}` : r.quota ? r.quota.rules.join(',') : '';
  return [r.time, r.requestId, r.principal ?? '-', r.model ?? '-', r.operation ?? '-', r.decision, r.status, r.totalTokens ?? '-', r.policy ?? '-',
    findings || '-', quota || '-', r.via ?? '-'].join('\t');
}

/**
 * Lines to FILE (created or truncated at once, so a bad path fails before
 * anything is read) or to stdout, ~64 KB per write; stdout's own buffer is
 * let drain when full.
 */
function chunkedWriter(file: string | undefined): { write(line: string): Promise<void>; close(): Promise<void> } {
  let fd: number | undefined;
  try {
    fd = file === undefined ? undefined : openSync(file, 'w', 0o640);
  } catch (e) {
    throw new CliTrouble(`cannot write ${file}: ${(e as Error).message}`);
  }
  let chunk = '';
  const flush = async () => {
    if (!chunk) return;
    const text = chunk;
    chunk = '';
    if (fd === undefined) {
      if (!process.stdout.write(text)) await once(process.stdout, 'drain');
      return;
    }
    try {
      writeSync(fd, text);
    } catch (e) {
      throw new CliTrouble(`cannot write ${file}: ${(e as Error).message}`);
    }
  };
  return {
    async write(line) {
      chunk += line + '\n';
      if (chunk.length >= 1 << 16) await flush();
    },
    async close() {
      try {
        await flush();
      } finally {
        if (fd !== undefined) closeSync(fd);
      }
    },
  };
}

function resolveSource(values: Record<string, string | boolean | undefined>): { store: StoreSpec; plan?: AuditPlan } | string {
  const str = (k: string) => values[k] as string | undefined;
  if (str('sqlite')) return { store: { kind: 'sqlite', file: str('sqlite')! } };
  if (str('jsonl')) return { store: { kind: 'jsonl', file: str('jsonl')! } };
  if (str('postgres')) return { store: { kind: 'postgres', url: str('postgres')!, passwordFile: str('password-file'), table: str('table') ?? 'warden_audit' } };
  if (!str('config')) return 'name the store: -c FILE, --sqlite FILE, --postgres URL or --jsonl FILE';
  const config = loadConfigFile(str('config')!);
  if (!config.gateway) return config.problems.map(formatProblem).join('\n') || 'no Gateway document';
  const plan = planAudit(config.gateway.value.audit, config.path, () => {});
  if (!plan) return `${str('config')} configures no audit store (spec.audit)`;
  return { store: plan.store, plan };
}

function parseFilter(values: Record<string, string | boolean | undefined>): AuditFilter | string {
  const f: AuditFilter = {};
  for (const k of ['since', 'until'] as const) {
    const v = values[k] as string | undefined;
    if (!v) continue;
    const t = parseTime(v);
    if (!t) return `--${k}: "${v}" is neither an ISO time nor an age such as 30m, 12h, 7d`;
    f[k] = t;
  }
  if (values.principal) f.principal = values.principal as string;
  if (values.model) f.model = values.model as string;
  if (values.decision) f.decision = values.decision as string;
  // Finding types are upper case (a custom detector `employee-id` reports EMPLOYEE_ID).
  if (values.finding) f.finding = (values.finding as string).toUpperCase().replace(/[-.]/g, '_');
  if (values.limit) f.limit = Number(values.limit);
  return f;
}

function parseTime(v: string): string | undefined {
  const age = /^(\d+)([smhd])$/.exec(v);
  if (age) return new Date(Date.now() - Number(age[1]) * { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7 }[age[2] as 's']).toISOString();
  const t = new Date(v);
  return Number.isNaN(t.getTime()) ? undefined : t.toISOString();
}
