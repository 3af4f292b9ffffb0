// What every detector returns: a typed span of the scanned text. Spans are
// offsets into the text; the matched value itself never leaves the guard.

/** `harm`: harmful content as external guardrails judge it (Model Armor's RAI, CSAM and malicious-URI filters). */
export type Category = 'pii' | 'secret' | 'injection' | 'harm' | 'custom';

export interface Match {
  /** Upper-case finding type: `EMAIL`, `CARD`, `AWS_ACCESS_KEY`, a custom detector's name, … */
  type: string;
  start: number;
  end: number;
}

export interface Detector {
  type: string;
  category: Category;
  /**
   * Characters before a reported span that the detector reads to decide (a
   * key name, a JSON member name, a header name). A stream keeps at least this
   * much of the text it already released, so that a value whose context went
   * out in an earlier piece is still recognised.
   */
  lookBehind: number;
  /**
   * Recognised by where it stands (a key name, a header), not by its own
   * format: where it overlaps a detector of the same category that knows the
   * format, that one names the finding (the span covers both).
   */
  generic?: boolean;
  /**
   * Everything it reports lies inside one run of at least 16 characters
   * without whitespace (a token, a URL). The Scanner then runs it over those
   * runs alone, which prose has few of.
   */
  token?: boolean;
  /** Appends the spans it finds in `text` to `out`. */
  find(text: string, out: Match[]): void;
}

/**
 * A detector from one global regular expression, with an optional check on
 * each candidate (checksums, entropy). `group` picks the capture group whose
 * span is reported, so `api_key=…` reports just the value.
 */
export function regexDetector(
  type: string,
  category: Category,
  re: RegExp,
  opts: { check?: (value: string) => boolean; group?: number; quick?: (text: string) => boolean; lookBehind?: number } = {},
): Detector {
  if (!re.global) throw new TypeError(`detector ${type}: the regular expression needs the g flag`);
  if (opts.group !== undefined && !re.hasIndices) throw new TypeError(`detector ${type}: a group needs the d flag`);
  // A group's span starts after text the pattern read: how much must be said, or streams lose it.
  if (opts.group !== undefined && opts.lookBehind === undefined) throw new TypeError(`detector ${type}: a group needs lookBehind`);
  return {
    type,
    category,
    // Without a group the span starts where the match does: a look-behind assertion reads a few characters.
    lookBehind: opts.lookBehind ?? 8,
    find(text, out) {
      if (opts.quick && !opts.quick(text)) return;
      re.lastIndex = 0;
      for (let m = re.exec(text); m !== null; m = re.exec(text)) {
        if (m[0].length === 0) {
          re.lastIndex++;
          continue;
        }
        let start = m.index;
        let end = start + m[0].length;
        if (opts.group !== undefined) {
          const span = m.indices?.[opts.group];
          if (!span) continue;
          [start, end] = span;
        }
        if (opts.check && !opts.check(text.slice(start, end))) continue;
        out.push({ type, start, end });
      }
    },
  };
}
