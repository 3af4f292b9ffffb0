// A guardrail service over HTTP, in Warden's own small protocol, so that a
// team can put Presidio, LLM Guard, Lakera or their own checks behind an
// adapter (docs/guardrails.md "Guardrail services"):
//
//   POST {url}
//   {"direction": "request" | "response", "route": "...", "model": "...",
//    "texts": ["...", ...]}
//
//   200 {"verdict": "allow" | "flag" | "block",
//        "findings": [{"type": "...", "category": "pii|secret|injection|harm|custom",
//                      "text": 0, "start": 3, "end": 9}],
//        "texts": ["...", ...]}           optional: the texts rewritten (same count)
//
// A finding without a category is `custom`; without a type, the service's
// name. `block` refuses the request whatever the actions say; `texts`
// replaces the request's texts (the service redacted them itself).
import { request } from 'undici';
import { durationMs } from '../../config/schema.js';
import { WardenError } from '../../errors.js';
import type { Category } from '../detectors/types.js';
import type { Direction, ExternalFinding, ExternalVerdict } from './types.js';

export interface ServiceSpec {
  name: string;
  url: string;
  directions: Direction[];
  timeout: string;
  failure: 'closed' | 'open';
  headers: Record<string, string>;
}

const CATEGORIES = new Set<Category>(['pii', 'secret', 'injection', 'harm', 'custom']);

/** The finding type a service's name gives: upper case, `-` and `.` as `_`. */
export function serviceType(name: string): string {
  return name.toUpperCase().replace(/[-.]/g, '_');
}

interface Answer {
  verdict?: unknown;
  findings?: unknown;
  texts?: unknown;
}

export class GuardrailService {
  readonly timeoutMs: number;
  readonly type: string;

  constructor(readonly spec: ServiceSpec) {
    this.timeoutMs = durationMs(spec.timeout);
    this.type = serviceType(spec.name);
  }

  async check(direction: Direction, texts: readonly string[], context: { route: string; model?: string }): Promise<ExternalVerdict> {
    let answer: Answer;
    try {
      const res = await request(this.spec.url, {
        method: 'POST',
        headers: { ...this.spec.headers, 'content-type': 'application/json' },
        body: JSON.stringify({ direction, route: context.route, model: context.model, texts }),
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const text = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
      answer = JSON.parse(text) as Answer;
    } catch (e) {
      throw new WardenError('UNAVAILABLE', 'GUARDRAIL_UNAVAILABLE', `guardrail service ${this.spec.name} did not answer: ${(e as Error).message}`, { cause: e });
    }
    return this.verdict(answer, texts);
  }

  /** An answer that does not follow the protocol is a service failure, like no answer. */
  private verdict(a: Answer, texts: readonly string[]): ExternalVerdict {
    const bad = (why: string) => new WardenError('UNAVAILABLE', 'GUARDRAIL_UNAVAILABLE', `guardrail service ${this.spec.name} answered out of protocol: ${why}`);
    if (a.verdict !== 'allow' && a.verdict !== 'flag' && a.verdict !== 'block') throw bad('verdict is not allow, flag or block');
    const findings: ExternalFinding[] = [];
    for (const f of Array.isArray(a.findings) ? (a.findings as Record<string, unknown>[]) : []) {
      const category = typeof f['category'] === 'string' && CATEGORIES.has(f['category'] as Category) ? (f['category'] as Category) : 'custom';
      const finding: ExternalFinding = { type: typeof f['type'] === 'string' && /^[A-Z0-9_]{1,64}$/.test(f['type']) ? f['type'] : this.type, category };
      const i = f['text'];
      if (typeof i === 'number' && Number.isInteger(i) && i >= 0 && i < texts.length) {
        finding.text = i;
        const s = f['start'];
        const e = f['end'];
        if (typeof s === 'number' && typeof e === 'number' && s >= 0 && s < e && e <= texts[i]!.length) {
          finding.start = s;
          finding.end = e;
        }
      }
      findings.push(finding);
    }
    if (a.verdict !== 'allow' && findings.length === 0) findings.push({ type: this.type, category: 'custom' });
    const out: ExternalVerdict = { findings, block: a.verdict === 'block' };
    if (a.texts !== undefined) {
      if (!Array.isArray(a.texts) || a.texts.length !== texts.length || !a.texts.every((t) => typeof t === 'string')) throw bad('texts must be as many strings as were sent');
      const rewritten = new Map<number, string>();
      (a.texts as string[]).forEach((t, k) => {
        if (t !== texts[k]) rewritten.set(k, t);
      });
      if (rewritten.size) out.rewritten = rewritten;
    }
    return out;
  }
}
