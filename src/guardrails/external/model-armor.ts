// Google Model Armor's sanitize API: sanitizeUserPrompt and
// sanitizeModelResponse on the regional endpoint
// (https://modelarmor.{location}.rep.googleapis.com/v1/{template}:sanitize…),
// called with Warden's own Google credential. The texts of one request are
// sent as one text, joined by blank lines, so that one call checks them all;
// the verdict's filters become findings:
//
//   pi_and_jailbreak   MODEL_ARMOR_JAILBREAK     injection
//   sdp                MODEL_ARMOR_SDP           pii (with spans: redactable)
//   rai                MODEL_ARMOR_RAI           harm
//   malicious_uris     MODEL_ARMOR_MALICIOUS_URI harm
//   csam               MODEL_ARMOR_CSAM          harm
import { request } from 'undici';
import type { ModelArmorTemplates } from '../../config/schema.js';
import { durationMs } from '../../config/schema.js';
import { WardenError } from '../../errors.js';
import type { ExternalFinding, ExternalVerdict, Direction } from './types.js';

export interface ModelArmorSpec extends ModelArmorTemplates {
  project?: string;
  location: string;
  endpoint?: string;
  credential: string;
  mode: 'auto' | 'api';
  timeout: string;
  failure: 'closed' | 'open';
}

/** A Google access token for the credential (the gateway's Credentials). */
export type TokenFor = (credential: string) => Promise<string>;

const SEPARATOR = '\n\n';

interface FilterResult {
  matchState?: string;
  executionState?: string;
  findings?: { infoType?: string; location?: { codepointRange?: { start?: string | number; end?: string | number } } }[];
  inspectResult?: FilterResult;
  raiFilterResult?: FilterResult;
  sdpFilterResult?: FilterResult;
  piAndJailbreakFilterResult?: FilterResult;
  maliciousUriFilterResult?: FilterResult;
  csamFilterFilterResult?: FilterResult;
}

interface SanitizeResponse {
  sanitizationResult?: { filterMatchState?: string; filterResults?: Record<string, FilterResult> };
}

const FILTERS: Record<string, { key: keyof FilterResult; type: string; category: ExternalFinding['category'] }> = {
  pi_and_jailbreak: { key: 'piAndJailbreakFilterResult', type: 'MODEL_ARMOR_JAILBREAK', category: 'injection' },
  sdp: { key: 'sdpFilterResult', type: 'MODEL_ARMOR_SDP', category: 'pii' },
  rai: { key: 'raiFilterResult', type: 'MODEL_ARMOR_RAI', category: 'harm' },
  malicious_uris: { key: 'maliciousUriFilterResult', type: 'MODEL_ARMOR_MALICIOUS_URI', category: 'harm' },
  csam: { key: 'csamFilterFilterResult', type: 'MODEL_ARMOR_CSAM', category: 'harm' },
};

/** Finding types Model Armor's verdicts become. */
export const MODEL_ARMOR_TYPES = [...Object.values(FILTERS).map((f) => f.type), 'MODEL_ARMOR_BLOCKED'];

export class ModelArmor {
  readonly endpoint: string;
  readonly timeoutMs: number;

  constructor(
    readonly spec: ModelArmorSpec,
    private readonly token: TokenFor,
  ) {
    this.endpoint = (spec.endpoint ?? `https://modelarmor.${spec.location}.rep.googleapis.com`).replace(/\/$/, '');
    this.timeoutMs = durationMs(spec.timeout);
  }

  /** A template's full resource name (an id is taken as one in the configured project and location). */
  templateName(t: string): string {
    if (t.startsWith('projects/')) return t;
    return `projects/${this.spec.project ?? '-'}/locations/${this.spec.location}/templates/${t}`;
  }

  /** Checks `texts` with `template`; throws UNAVAILABLE when Model Armor cannot answer. */
  async check(direction: Direction, template: string, texts: readonly string[]): Promise<ExternalVerdict> {
    const joined = texts.join(SEPARATOR);
    const method = direction === 'request' ? 'sanitizeUserPrompt' : 'sanitizeModelResponse';
    const body = direction === 'request' ? { userPromptData: { text: joined } } : { modelResponseData: { text: joined } };
    let answer: SanitizeResponse;
    try {
      const res = await request(`${this.endpoint}/v1/${this.templateName(template)}:${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await this.token(this.spec.credential)}` },
        body: JSON.stringify(body),
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const text = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}: ${text.slice(0, 200)}`);
      answer = JSON.parse(text) as SanitizeResponse;
    } catch (e) {
      throw new WardenError('UNAVAILABLE', 'GUARDRAIL_UNAVAILABLE', `Model Armor did not answer: ${(e as Error).message}`, { cause: e });
    }
    return { findings: toFindings(answer, texts) };
  }
}

/** The verdict's matched filters as findings; SDP findings located in the texts they fall in. */
function toFindings(answer: SanitizeResponse, texts: readonly string[]): ExternalFinding[] {
  const result = answer.sanitizationResult;
  if (!result || result.filterMatchState !== 'MATCH_FOUND') return [];
  const out: ExternalFinding[] = [];
  for (const [name, r] of Object.entries(result.filterResults ?? {})) {
    const f = FILTERS[name];
    if (!f) continue;
    const inner = r[f.key] as FilterResult | undefined;
    const state = inner?.matchState ?? inner?.inspectResult?.matchState;
    if (state !== 'MATCH_FOUND') continue;
    const located = f.type === 'MODEL_ARMOR_SDP' ? locate(inner?.inspectResult?.findings ?? [], texts) : [];
    if (located.length) out.push(...located.map((l) => ({ type: f.type, category: f.category, ...l })));
    else out.push({ type: f.type, category: f.category });
  }
  return out;
}

/** Code-point ranges in the joined text → (text index, UTF-16 span). */
function locate(findings: NonNullable<FilterResult['findings']>, texts: readonly string[]): { text: number; start: number; end: number }[] {
  const starts: number[] = [];
  let at = 0;
  for (const t of texts) {
    starts.push(at);
    at += [...t].length + [...SEPARATOR].length;
  }
  const out: { text: number; start: number; end: number }[] = [];
  for (const f of findings) {
    const r = f.location?.codepointRange;
    if (r?.start === undefined || r.end === undefined) continue;
    const a = Number(r.start);
    const b = Number(r.end);
    let i = starts.length - 1;
    while (i > 0 && starts[i]! > a) i--;
    const cps = [...texts[i]!];
    const from = a - starts[i]!;
    const to = Math.min(b - starts[i]!, cps.length);
    if (from < 0 || from >= to) continue;
    // Code points → UTF-16 offsets.
    const start = cps.slice(0, from).join('').length;
    out.push({ text: i, start, end: start + cps.slice(from, to).join('').length });
  }
  return out;
}
