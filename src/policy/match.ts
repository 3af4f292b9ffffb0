// Istio's string match: exact, `prefix*`, `*suffix`, and `*` (any non-empty
// value). A list of patterns matches when any one does.

export type StringMatcher = (value: string) => boolean;

export function compilePattern(pattern: string, caseInsensitive = false): StringMatcher {
  const p = caseInsensitive ? pattern.toLowerCase() : pattern;
  const norm = caseInsensitive ? (v: string) => v.toLowerCase() : (v: string) => v;
  if (p === '*') return (v) => v.length > 0;
  if (p.length > 1 && p.endsWith('*')) {
    const prefix = p.slice(0, -1);
    return (v) => norm(v).startsWith(prefix);
  }
  if (p.length > 1 && p.startsWith('*')) {
    const suffix = p.slice(1);
    return (v) => norm(v).endsWith(suffix);
  }
  return (v) => norm(v) === p;
}

export function compilePatterns(patterns: readonly string[], caseInsensitive = false): StringMatcher {
  const ms = patterns.map((p) => compilePattern(p, caseInsensitive));
  if (ms.length === 1) return ms[0];
  return (v) => {
    for (const m of ms) if (m(v)) return true;
    return false;
  };
}

/** True when any of the values matches any pattern; an absent value never matches. */
export function anyMatches(m: StringMatcher, values: string | readonly string[] | undefined): boolean {
  if (values === undefined) return false;
  if (typeof values === 'string') return m(values);
  for (const v of values) if (m(v)) return true;
  return false;
}
