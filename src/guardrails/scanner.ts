// Runs the enabled detectors over one text and returns non-overlapping spans,
// ordered by position. Where two spans overlap, a secret beats a custom
// detector's finding, which beats personal data (`ghp_…@github.com` is a
// token, not an e-mail address); then the longer one wins, so an IBAN is not
// also reported as the digits inside it.
import type { Category, Detector, Match } from './detectors/types.js';

const PRIORITY: Record<Category, number> = { secret: 3, custom: 2, pii: 1, injection: 0 };

export class Scanner {
  private readonly categoryOf = new Map<string, Category>();
  /** The most context any detector reads before a span it reports (see Detector.lookBehind). */
  readonly lookBehind: number;

  constructor(private readonly detectors: readonly Detector[]) {
    for (const d of detectors) this.categoryOf.set(d.type, d.category);
    this.lookBehind = Math.max(0, ...detectors.map((d) => d.lookBehind));
  }

  get empty(): boolean {
    return this.detectors.length === 0;
  }

  category(type: string): Category | undefined {
    return this.categoryOf.get(type);
  }

  scan(text: string): Match[] {
    if (text.length === 0) return [];
    const all: Match[] = [];
    for (const d of this.detectors) d.find(text, all);
    if (all.length < 2) return all;
    all.sort((a, b) => a.start - b.start || b.end - a.end);
    const out: Match[] = [all[0]!];
    for (let i = 1; i < all.length; i++) {
      const m = all[i]!;
      const last = out[out.length - 1]!;
      if (m.start >= last.end) out.push(m);
      else if (this.wins(m, last)) out[out.length - 1] = m;
    }
    return out;
  }

  private wins(a: Match, b: Match): boolean {
    const pa = PRIORITY[this.categoryOf.get(a.type)!];
    const pb = PRIORITY[this.categoryOf.get(b.type)!];
    return pa !== pb ? pa > pb : a.end - a.start > b.end - b.start;
  }
}
