// Reads the multi-document YAML config, validates each document against its
// schema and keeps, for every document, a way back from a field path to its
// line, so that later stages (policy compile, credential loading) can report
// their own problems against the source too.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseAllDocuments, isNode, type Document } from 'yaml';
import type { z } from 'zod';
import {
  authorizationPolicyDoc,
  gatewayDoc,
  requestAuthenticationDoc,
  wardenAuthorizationPolicyDoc,
  type AuthorizationPolicyDoc,
  type GatewaySpec,
  type RequestAuthenticationDoc,
} from './schema.js';

export type FieldPath = ReadonlyArray<string | number>;

export interface ConfigProblem {
  file: string;
  line: number;
  column: number;
  message: string;
  hint?: string;
}

export class ConfigError extends Error {
  readonly problems: ConfigProblem[];
  constructor(problems: ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export function formatProblem(p: ConfigProblem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.message}${p.hint ? `\n  hint: ${p.hint}` : ''}`;
}

/** Reports a problem at a field of one document. */
export type Reporter = (path: FieldPath, message: string, hint?: string) => void;

export interface Located<T> {
  value: T;
  /** Report a problem at `path` inside this document. */
  report: Reporter;
}

export interface LoadedConfig {
  file: string;
  /** The config's identity: the SHA-256 of the file's text, its first 16 hex digits (`warden_config_info`, `/version`, the logs). */
  hash: string;
  /** Relative file references in the config resolve against this directory. */
  baseDir: string;
  gateway: Located<GatewaySpec>;
  /** The Gateway document's metadata: Warden's name, namespace and labels as a workload (policy scoping). */
  gatewayMetadata: { name: string; namespace?: string; labels?: Record<string, string> };
  requestAuthentications: Located<RequestAuthenticationDoc>[];
  authorizationPolicies: Located<AuthorizationPolicyDoc>[];
  /** Collected problems; the caller decides whether to throw (start) or print (config check). */
  problems: ConfigProblem[];
  /** Resolve a path written in the config. */
  path(p: string): string;
}

const KINDS = {
  'warden.dev/v1alpha1/Gateway': gatewayDoc,
  'security.istio.io/v1/RequestAuthentication': requestAuthenticationDoc,
  'security.istio.io/v1beta1/RequestAuthentication': requestAuthenticationDoc,
  'security.istio.io/v1/AuthorizationPolicy': authorizationPolicyDoc,
  'security.istio.io/v1beta1/AuthorizationPolicy': authorizationPolicyDoc,
  'warden.dev/v1alpha1/AuthorizationPolicy': wardenAuthorizationPolicyDoc,
} as const;

export function loadConfigFile(file: string): LoadedConfig {
  const abs = resolve(file);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (e) {
    throw new ConfigError([
      { file, line: 0, column: 0, message: `cannot read config file: ${(e as Error).message}`, hint: 'pass the path of a YAML file with -c' },
    ]);
  }
  return parseConfig(text, file, dirname(abs));
}

export function parseConfig(text: string, file: string, baseDir: string): LoadedConfig {
  const problems: ConfigProblem[] = [];
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false });
  const at = (offset: number) => {
    const { line, col } = lines.linePos(offset);
    return { line, column: col };
  };
  const out: LoadedConfig = {
    file,
    hash: configHash(text),
    baseDir,
    gateway: undefined as unknown as Located<GatewaySpec>,
    gatewayMetadata: { name: '' },
    requestAuthentications: [],
    authorizationPolicies: [],
    problems,
    path: (p) => resolve(baseDir, p),
  };
  // Problems are kept in file order, whichever stage (schema, policy compile,
  // credential loading) reports them; at the same place, in report order.
  const add = (p: ConfigProblem) => {
    let i = problems.length;
    while (i > 0 && (problems[i - 1]!.line > p.line || (problems[i - 1]!.line === p.line && problems[i - 1]!.column > p.column))) i--;
    problems.splice(i, 0, p);
  };
  if (!Array.isArray(docs)) {
    add({ file, line: 1, column: 1, message: 'not a YAML stream' });
    return out;
  }

  let gatewayCount = 0;
  for (const doc of docs) {
    if (doc.errors.length) {
      for (const err of doc.errors) {
        add({ file, ...at(err.pos[0]), message: `YAML: ${err.message.split('\n')[0]}` });
      }
      continue;
    }
    const raw: unknown = doc.toJS();
    if (raw == null) continue; // empty document, e.g. a trailing `---`
    const report: Reporter = (path, message, hint) => {
      add({ file, ...at(offsetOf(doc, path)), message: `${describe(raw, path)}${message}`, hint });
    };
    const header = raw as { apiVersion?: unknown; kind?: unknown };
    const key = `${String(header.apiVersion)}/${String(header.kind)}` as keyof typeof KINDS;
    const schema = KINDS[key];
    if (!schema) {
      report(['kind'], `unknown document kind "${String(header.kind)}" (apiVersion "${String(header.apiVersion)}")`,
        'supported: warden.dev/v1alpha1 Gateway and AuthorizationPolicy; security.istio.io/v1 or v1beta1 RequestAuthentication and AuthorizationPolicy');
      continue;
    }
    const parsed = (schema as z.ZodType).safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        if (issue.code === 'unrecognized_keys') {
          // Each misspelt key on its own line, not on its parent's, with the key it may have meant.
          const known = keysAt(schema as z.ZodType, issue.path);
          for (const key of issue.keys) report([...issue.path, key] as FieldPath, `Unrecognized key: "${key}"`, unknownKeyHint(key, known));
        } else {
          report(issue.path as FieldPath, issue.message, hintFor(issue, raw));
        }
      }
      continue;
    }
    const value = parsed.data as { kind: string; spec: unknown; metadata: LoadedConfig['gatewayMetadata'] };
    if (value.kind === 'Gateway') {
      gatewayCount++;
      if (gatewayCount > 1) report([], 'more than one Gateway document', 'a config file holds exactly one warden.dev Gateway');
      else {
        out.gateway = { value: value.spec as GatewaySpec, report: prefixed(report, ['spec']) };
        out.gatewayMetadata = value.metadata;
      }
    } else if (value.kind === 'RequestAuthentication') {
      out.requestAuthentications.push({ value: value as RequestAuthenticationDoc, report });
    } else {
      out.authorizationPolicies.push({ value: value as AuthorizationPolicyDoc, report });
    }
  }
  if (gatewayCount === 0 && !problems.length) {
    add({
      file, line: 1, column: 1, message: 'no Gateway document',
      hint: 'add a document with apiVersion: warden.dev/v1alpha1 and kind: Gateway',
    });
  }
  if (out.gateway) checkGateway(out.gateway);
  return out;
}

export function configHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** Cross-field checks the schema cannot express. */
function checkGateway({ value, report }: Located<GatewaySpec>): void {
  const credentials = new Set<string>();
  value.credentials.forEach((c, i) => {
    if (credentials.has(c.name)) report(['credentials', i, 'name'], `duplicate credential name "${c.name}"`);
    credentials.add(c.name);
  });
  const routes = new Set<string>();
  value.routes.forEach((r, i) => {
    if (routes.has(r.name)) report(['routes', i, 'name'], `duplicate route name "${r.name}"`);
    routes.add(r.name);
    if (r.failover && r.provider !== 'vertex') report(['routes', i, 'failover'], 'failover moves between Vertex locations: only on provider: vertex routes');
    const matched = r.match.pathPrefix;
    if (r.rewrite?.prefix !== undefined && matched === undefined) {
      report(['routes', i, 'rewrite', 'prefix'], 'rewrite.prefix replaces match.pathPrefix, and this route has none', 'set match.pathPrefix, or use rewrite.stripPrefix');
    }
    const strip = r.rewrite?.stripPrefix;
    if (strip !== undefined && !matched?.startsWith(strip)) {
      report(['routes', i, 'rewrite', 'stripPrefix'], `stripPrefix ${strip} is not a prefix of every path this route matches (match.pathPrefix ${matched ?? '/'})`,
        `set match.pathPrefix to ${strip}/ (or longer)`);
    }
    if (r.credential && !credentials.has(r.credential)) {
      report(['routes', i, 'credential'], `unknown credential "${r.credential}"`,
        credentials.size ? `defined credentials: ${[...credentials].join(', ')}` : 'define it under spec.credentials');
    }
  });
}

function prefixed(report: Reporter, prefix: FieldPath): Reporter {
  return (path, message, hint) => report([...prefix, ...path], message, hint);
}

/** The offset of the deepest node that exists along `path`. */
function offsetOf(doc: Document, path: FieldPath): number {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) return node.range[0];
  }
  return doc.contents?.range?.[0] ?? 0;
}

function describe(raw: unknown, path: FieldPath): string {
  if (!path.length) return '';
  const m = raw as { kind?: string; metadata?: { name?: string } };
  const where = path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('').replace(/^\./, '');
  return `${m.kind ?? 'document'}${m.metadata?.name ? ` "${m.metadata.name}"` : ''} ${where}: `;
}

function unknownKeyHint(key: string, known: string[]): string {
  const guess = closest(key, known);
  if (guess) return `did you mean "${guess}"?`;
  return `remove or correct "${key}"${known.length ? ` (known here: ${known.join(', ')})` : ''}`;
}

function hintFor(issue: z.core.$ZodIssue, raw: unknown): string | undefined {
  if (issue.code === 'invalid_value' && 'values' in issue) return `one of: ${issue.values.map(String).join(', ')}`;
  // zod does not keep the input in its issues: look in the document itself.
  if (issue.code === 'invalid_type' && !hasPath(raw, issue.path)) return 'this field is required';
  return undefined;
}

/** Whether the parsed document has a value (null counts) at `path`. */
function hasPath(raw: unknown, path: ReadonlyArray<PropertyKey>): boolean {
  let v = raw;
  for (const key of path) {
    if (v === null || typeof v !== 'object' || !Object.hasOwn(v, key)) return false;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return true;
}

/** The keys the schema knows for the object at `path` (every alternative of a union). */
function keysAt(schema: z.ZodType, path: ReadonlyArray<PropertyKey>): string[] {
  let at: z.core.$ZodType[] = [schema];
  for (const key of [...path, undefined]) {
    const next: z.core.$ZodType[] = [];
    const visit = (s: z.core.$ZodType) => {
      const def = s._zod.def as unknown as Record<string, unknown> & { type: string };
      if ('innerType' in def) return visit(def.innerType as z.core.$ZodType); // optional, default, prefault, nullable, readonly, catch
      if (def.type === 'pipe') return visit(def.in as z.core.$ZodType);
      if (def.type === 'lazy') return visit((def.getter as () => z.core.$ZodType)());
      if (def.type === 'union') return (def.options as z.core.$ZodType[]).forEach(visit);
      if (key === undefined) return void next.push(s);
      if (def.type === 'object' && typeof key === 'string') {
        const field = (def.shape as Record<string, z.core.$ZodType>)[key];
        if (field) next.push(field);
      } else if (def.type === 'array' && typeof key === 'number') next.push(def.element as z.core.$ZodType);
      else if (def.type === 'record') next.push(def.valueType as z.core.$ZodType);
    };
    at.forEach(visit);
    at = next;
  }
  const keys = at.flatMap((s) => (s._zod.def.type === 'object' ? Object.keys((s._zod.def as unknown as { shape: object }).shape) : []));
  return [...new Set(keys)];
}

/** The known key nearest to `key`, if it is a plausible misspelling (a third of its letters off at most). */
function closest(key: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(key.length / 3)) + 1;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

/** Levenshtein distance, an adjacent swap counting as one edit. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}
