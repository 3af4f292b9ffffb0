// `warden audit verify | query | export`: read an audit store back. The store
// and key come from the config file (-c) or are named directly.
import { parseArgs } from 'node:util';
import { loadKey, openStore, readKeyFile, shortKey, type AuditPlan, type StoreSpec } from '../audit/config.js';
import type { AuditFilter, AuditReader } from '../audit/sink.js';
import { verifyStream } from '../audit/verify.js';
import { OPTIONS, parseFilter, resolveSource } from './audit-args.js';
import { chunkedWriter, CliTrouble, queryLine } from './audit-output.js';

const USAGE = `usage: warden audit <verify|query|export> (-c FILE | --sqlite FILE | --postgres URL | --jsonl FILE) [options]

  verify                 check every chain: exit 0 with the count, exit 1 naming the first tampered record
  query                  print matching records, one per line (stdout, or -o FILE)
  export                 write matching records as JSON lines (stdout, or -o FILE)

store:   -c FILE (the config's spec.audit), or --sqlite FILE, --postgres URL [--password-file F] [--table T], --jsonl FILE
key:     --key FILE (verify; repeat it for a log that spans a key change; default: the config's hmacKeyFile and previousKeyFiles)
filters: --request-id ID (one request's record: the x-request-id its caller got), --since T --until T (ISO time, UTC unless it has an offset; or 30m/12h/7d ago), --principal P, --model M,
         --decision allow|deny, --route NAME, --class inference|training|admin|other, --finding TYPE (a guardrail finding such as EMAIL, PROMPT_INJECTION),
         --limit N (the oldest N)`;


/** What verify does not honour: it checks the whole log, and a filter taken silently would claim a check it did not make. */
const NOT_FOR_VERIFY = ['request-id', 'since', 'until', 'principal', 'model', 'decision', 'route', 'class', 'finding', 'limit', 'output'] as const;

export async function audit(argv: string[]): Promise<number> {
  // The subcommand is the one positional wherever it stands, so that `warden audit --help` is a question too.
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  const [sub, ...extra] = positionals;
  // Asked for: usage on stdout, exit 0. A usage mistake: usage on stderr, exit 2.
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!sub || !['verify', 'query', 'export'].includes(sub) || extra.length) {
    console.error(USAGE);
    return 2;
  }
  const ignored = sub === 'verify' ? NOT_FOR_VERIFY.find((k) => values[k] !== undefined) : undefined;
  if (ignored) {
    console.error(`warden audit verify: --${ignored} is for query and export; verify always checks the whole log`);
    return 2;
  }
  const source = resolveSource(values);
  if (typeof source === 'string') {
    console.error(`warden audit ${sub}: ${source}`);
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
    return await run(sub, store, filter, values, source.plan, source);
  } catch (e) {
    console.error(`warden audit ${sub}: ${e instanceof CliTrouble ? e.message : `cannot read ${storeName(source.store)}: ${(e as Error).message}${neverWritten(e as Error)}`}`);
    return 2;
  } finally {
    await store?.close().catch(() => {});
  }
}

/**
 * A store without Warden's tables was never written to: a wrong path, database
 * or table name far more often than an empty log. Not "OK, 0 records": a
 * scheduled verify pointed at the wrong place must not pass.
 */
function neverWritten(e: Error): string {
  return /no such table: audit|relation "[^"]+" does not exist/.test(e.message) ? ' (Warden never wrote an audit log there: check the file, database and table)' : '';
}

async function run(sub: string, store: AuditReader, filter: AuditFilter, values: Record<string, string | string[] | boolean | undefined>, plan: AuditPlan | undefined, source: { store: StoreSpec }): Promise<number> {
  if (sub === 'verify') {
    const keys = verifyKeys(values.key as string[] | undefined, plan);
    const checkpoints = await store.checkpoints();
    // Only JSON lines replay records after a crash: elsewhere a record written twice was put in.
    const result = await verifyStream(keys, store.records(), checkpoints, { replays: source.store.kind === 'jsonl' });
    if (!result.ok) {
      const p = result.problem!;
      console.log(`TAMPERED (${p.kind}): ${p.message}`);
      if (result.hint) console.log(`hint: ${result.hint}`);
      return 1;
    }
    console.log(`OK: ${result.records} record(s) in ${result.chains} chain(s) verified, ${result.checkpoints} checkpoint(s)` +
      (result.repeated ? ` (${result.repeated} of the records written again, unchanged, by a replay after a crash)` : ''));
    if (result.keyChanges.length) console.log(`key changed: ${result.keyChanges.map((k) => `chain ${k.chain} from seq ${k.seq}`).join(', ')}`);
    return 0;
  }
  // A whole log exported keeps its checkpoints, as lines of their own (the JSON lines store's form), so that
  // `verify` on the export catches a tail cut off it too. Read first, as verify does: a checkpoint stored
  // while the records are read would vouch for records the export does not hold.
  const whole = sub === 'export' && Object.values(filter).every((v) => v === undefined);
  const checkpoints = whole ? await store.checkpoints() : [];
  // Record by record as the store reads them: an export of any size holds one chunk at a time.
  const out = chunkedWriter(values.output as string | undefined);
  let count = 0;
  try {
    for await (const { storeId: _, ...r } of store.records(filter)) {
      count++;
      await out.write(sub === 'export' ? JSON.stringify(r) : queryLine(r));
    }
    for (const checkpoint of checkpoints) await out.write(JSON.stringify({ checkpoint }));
  } finally {
    await out.close();
  }
  if (sub === 'query') console.error(`${count} record(s)`);
  return 0;
}

/** The HMAC keys: each --key FILE, or the config's hmacKeyFile (never created here) and previousKeyFiles. */
function verifyKeys(files: string[] | undefined, plan: AuditPlan | undefined): Buffer[] {
  if (files?.length) return files.map((f) => verifyKey(f, () => readKeyFile(f)));
  return [verifyKey(plan!.keyFile, () => loadKey(plan!, { create: false })), ...plan!.previousKeyFiles.map((f) => verifyKey(f, () => readKeyFile(f)))];
}

function verifyKey(file: string, read: () => Buffer): Buffer {
  let key: Buffer;
  try {
    key = read();
  } catch (e) {
    throw new CliTrouble(`cannot read the HMAC key: ${(e as Error).message}`);
  }
  // An empty key would report every record as changed.
  if (!key.length) throw new CliTrouble(`the HMAC key file ${file} is empty`);
  const short = shortKey(file, key);
  if (short) throw new CliTrouble(`${short} (a key Warden would not write with)`);
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

