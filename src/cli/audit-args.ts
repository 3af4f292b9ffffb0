// `warden audit`'s command line: which store (from the config file or named
// directly) and which records.
import { planAudit, type AuditPlan, type StoreSpec } from '../audit/config.js';
import type { AuditFilter } from '../audit/sink.js';
import { ConfigError, loadConfigFile, type ConfigProblem, type LoadedConfig } from '../config/load.js';
import { auditTable, postgresUrl } from '../config/schema.js';
import { OPERATION_CLASSES } from '../types.js';

export const OPTIONS = {
  config: { type: 'string', short: 'c' },
  sqlite: { type: 'string' },
  postgres: { type: 'string' },
  'password-file': { type: 'string' },
  table: { type: 'string' },
  jsonl: { type: 'string' },
  key: { type: 'string', multiple: true },
  'request-id': { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  principal: { type: 'string' },
  model: { type: 'string' },
  decision: { type: 'string' },
  route: { type: 'string' },
  class: { type: 'string' },
  finding: { type: 'string' },
  limit: { type: 'string' },
  output: { type: 'string', short: 'o' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function resolveSource(values: Record<string, string | string[] | boolean | undefined>): { store: StoreSpec; plan?: AuditPlan } | string {
  const str = (k: string) => values[k] as string | undefined;
  if (str('sqlite')) return { store: { kind: 'sqlite', file: str('sqlite')! } };
  if (str('jsonl')) return { store: { kind: 'jsonl', file: str('jsonl')! } };
  const table = str('table') ?? 'warden_audit';
  const badTable = auditTable.safeParse(table).error;
  // JSON-quoted: a value with a newline in it still makes one line.
  if (badTable) return `--table ${JSON.stringify(table)}: not ${badTable.issues[0]!.message} (the rule for audit.postgres.table)`;
  const url = str('postgres');
  // Not echoed: a password may be in it. pg would take a bare word for a host name, and fail on DNS.
  if (url !== undefined && (postgresUrl.safeParse(url).error || !URL.canParse(url))) {
    return '--postgres: not a postgres:// URL (postgres://USER@HOST:PORT/DATABASE, the form of audit.postgres.url)';
  }
  if (str('postgres')) return { store: { kind: 'postgres', url: str('postgres')!, passwordFile: str('password-file'), table } };
  if (!str('config')) return 'name the store: -c FILE, --sqlite FILE, --postgres URL or --jsonl FILE';
  let config: LoadedConfig;
  try {
    config = loadConfigFile(str('config')!);
  } catch (e) {
    if (e instanceof ConfigError) return configTrouble(e.problems);
    throw e;
  }
  if (!config.gateway) return config.problems.length ? configTrouble(config.problems) : `${str('config')}: no Gateway document`;
  const plan = planAudit(config.gateway.value.audit, config.path, () => {});
  if (!plan) return `${str('config')} configures no audit store (spec.audit)`;
  return { store: plan.store, plan };
}

/** The first problem in one line (`warden config check` lists them all, with hints). */
function configTrouble(problems: ConfigProblem[]): string {
  const p = problems[0]!;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more: see \`warden config check -c ${p.file}\`)` : '';
  return `${p.line ? `${p.file}:${p.line}:${p.column}` : p.file}: ${p.message}${more}`;
}

export function parseFilter(values: Record<string, string | string[] | boolean | undefined>): AuditFilter | string {
  const f: AuditFilter = {};
  for (const k of ['since', 'until'] as const) {
    const v = values[k] as string | undefined;
    if (!v) continue;
    const t = parseTime(v);
    if (!t) return `--${k}: "${v}" is neither an ISO time nor an age such as 30m, 12h, 7d`;
    // An age too great for a date (99999999999d) is no time either, and would throw in toISOString.
    if (Number.isNaN(t.getTime())) return `--${k}: "${v}" is before the earliest time a date can hold`;
    f[k] = t.toISOString();
  }
  if (values['request-id']) f.requestId = values['request-id'] as string;
  if (values.principal) f.principal = values.principal as string;
  if (values.model) f.model = values.model as string;
  if (values.decision) {
    f.decision = (values.decision as string).toLowerCase();
    if (f.decision !== 'allow' && f.decision !== 'deny') return `--decision: "${values.decision}" is neither allow nor deny`;
  }
  if (values.route) f.route = values.route as string;
  if (values.class) {
    f.operationClass = (values.class as string).toLowerCase();
    if (!(OPERATION_CLASSES as readonly string[]).includes(f.operationClass)) return `--class: "${values.class}" is not one of ${OPERATION_CLASSES.join(', ')}`;
  }
  // Finding types are upper case (a custom detector `employee-id` reports EMPLOYEE_ID).
  if (values.finding) f.finding = (values.finding as string).toUpperCase().replace(/[-.]/g, '_');
  if (values.limit !== undefined) {
    f.limit = Number(values.limit);
    if (!/^[1-9]\d*$/.test(values.limit as string) || !Number.isSafeInteger(f.limit)) return `--limit: "${values.limit}" is not a positive whole number`;
  }
  return f;
}

/** A date, a date and time with an optional offset, at least to the minute. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/i;

function parseTime(v: string): Date | undefined {
  const age = /^(\d+)([smhd])$/.exec(v);
  if (age) return new Date(Date.now() - Number(age[1]) * { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7 }[age[2] as 's']);
  // Only ISO forms: Date would also take "5" (the year 2001) and other guesses.
  const iso = ISO_TIME.exec(v);
  if (!iso) return undefined;
  // Without an offset, UTC as the records are written and printed (Date would read the local time).
  const t = new Date(iso[1] && !iso[4] ? `${v}Z` : v);
  return Number.isNaN(t.getTime()) ? undefined : t;
}
