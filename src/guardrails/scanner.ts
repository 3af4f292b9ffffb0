// Runs the enabled detectors over one text and returns non-overlapping spans,
// ordered by position. Where two spans overlap, a secret beats a custom
// detector's finding, which beats personal data (`ghp_…@github.com` is a
// token, not an e-mail address); within a category a detector that knows the
// format beats one that goes by context (`api_key = sk_live_…` is a Stripe
// key), else the longer one wins, so an IBAN is not also reported as the
// digits inside it.
import { runs } from './detectors/runs.js';
import type { Category, Detector, Match } from './detectors/types.js';

const PRIORITY: Record<Category, number> = { secret: 3, custom: 2, pii: 1, injection: 0, harm: 0 };

export class Scanner {
  private readonly categoryOf = new Map<string, Category>();
  private readonly generic = new Set<string>();
  /** The most context any detector reads before a span it reports (see Detector.lookBehind). */
  readonly lookBehind: number;

  private readonly detectors: readonly Detector[];
  private readonly tokenDetectors: readonly Detector[];

  constructor(detectors: readonly Detector[]) {
    this.detectors = detectors.filter((d) => !d.token);
    this.tokenDetectors = detectors.filter((d) => d.token);
    for (const d of detectors) {
      this.categoryOf.set(d.type, d.category);
      if (d.generic) this.generic.add(d.type);
    }
    this.lookBehind = Math.max(0, ...detectors.map((d) => d.lookBehind));
  }

  get empty(): boolean {
    return this.detectors.length === 0 && this.tokenDetectors.length === 0;
  }

  category(type: string): Category | undefined {
    return this.categoryOf.get(type);
  }

  scan(text: string): Match[] {
    if (text.length === 0) return [];
    const all: Match[] = [];
    for (const d of this.detectors) d.find(text, all);
    if (this.tokenDetectors.length) this.scanTokens(text, all);
    if (all.length < 2) return all;
    all.sort((a, b) => a.start - b.start || b.end - a.end);
    const out: Match[] = [all[0]!];
    for (let i = 1; i < all.length; i++) {
      const m = all[i]!;
      const last = out[out.length - 1]!;
      if (m.start >= last.end) out.push(m);
      else if (this.sameKind(m, last) && this.generic.has(m.type) !== this.generic.has(last.type)) {
        // `api_key = sk_live_…`: the format names it, the span covers both.
        const type = this.generic.has(m.type) ? last.type : m.type;
        out[out.length - 1] = { type, start: Math.min(m.start, last.start), end: Math.max(m.end, last.end) };
      } else if (this.wins(m, last)) out[out.length - 1] = m;
    }
    return out;
  }

  /**
   * Token detectors over the text's long runs without whitespace, joined by
   * newlines (so a run's edges still look like edges), spans mapped back.
   */
  private scanTokens(text: string, all: Match[]): void {
    let joined = '';
    const at: number[] = []; // [joinedStart, textStart] pairs
    const r = runs(text);
    for (let i = 0; i < r.length; i += 2) {
      if (joined.length) joined += '\n';
      at.push(joined.length, r[i]!);
      joined += text.slice(r[i], r[i + 1]);
    }
    if (!joined.length) return;
    const found: Match[] = [];
    for (const d of this.tokenDetectors) d.find(joined, found);
    for (const f of found) {
      let i = at.length - 2;
      while (i > 0 && at[i]! > f.start) i -= 2;
      const shift = at[i + 1]! - at[i]!;
      all.push({ type: f.type, start: f.start + shift, end: f.end + shift });
    }
  }

  private sameKind(a: Match, b: Match): boolean {
    return this.categoryOf.get(a.type) === this.categoryOf.get(b.type);
  }

  private wins(a: Match, b: Match): boolean {
    const pa = PRIORITY[this.categoryOf.get(a.type)!];
    const pb = PRIORITY[this.categoryOf.get(b.type)!];
    return pa !== pb ? pa > pb : a.end - a.start > b.end - b.start;
  }
}
