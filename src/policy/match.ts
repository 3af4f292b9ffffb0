// Istio's string match, as pilot turns it into Envoy matchers: `*` alone is
// "present" (any non-empty value), a leading `*` is a suffix match (checked
// first, so `*abc*` is the suffix `abc*`), a trailing `*` a prefix match, and
// anything else exact. A list of patterns matches when any one does.

export type StringMatcher = (value: string) => boolean;

export function compilePattern(pattern: string, caseInsensitive = false): StringMatcher {
  const p = caseInsensitive ? pattern.toLowerCase() : pattern;
  if (p === '*') return (v) => v.length > 0;
  if (p.startsWith('*')) {
    const suffix = p.slice(1);
    return caseInsensitive ? (v) => v.toLowerCase().endsWith(suffix) : (v) => v.endsWith(suffix);
  }
  if (p.endsWith('*')) {
    const prefix = p.slice(0, -1);
    return caseInsensitive ? (v) => v.toLowerCase().startsWith(prefix) : (v) => v.startsWith(prefix);
  }
  return caseInsensitive ? (v) => v.toLowerCase() === p : (v) => v === p;
}

export function anyOf(matchers: readonly StringMatcher[]): StringMatcher {
  if (matchers.length === 1) return matchers[0];
  return (v) => {
    for (const m of matchers) if (m(v)) return true;
    return false;
  };
}

export function compilePatterns(patterns: readonly string[], caseInsensitive = false): StringMatcher {
  return anyOf(patterns.map((p) => compilePattern(p, caseInsensitive)));
}

/** True when any of the values matches; an absent value never matches. */
export function anyMatches(m: StringMatcher, values: string | readonly string[] | undefined): boolean {
  if (values === undefined) return false;
  if (typeof values === 'string') return m(values);
  for (const v of values) if (m(v)) return true;
  return false;
}

/**
 * `requestPrincipals` / `request.auth.principal`: Istio splits the pattern at
 * its last `/` (issuers are URLs) and matches issuer and subject separately,
 * so `*` in either half stays inside that half.
 */
export function compileRequestPrincipal(pattern: string): (issuer: string, subject: string) => boolean {
  const any = (v: string) => v.length > 0;
  const slash = pattern.lastIndexOf('/');
  const found = slash >= 0;
  const iss = found ? pattern.slice(0, slash) : pattern;
  const sub = found ? pattern.slice(slash + 1) : '';
  let mi: StringMatcher;
  let ms: StringMatcher;
  if (pattern === '*') {
    mi = any;
    ms = any;
  } else if (pattern.startsWith('*')) {
    if (found) {
      const suffix = iss.slice(1);
      mi = iss === '*' ? any : (v) => v.endsWith(suffix);
      ms = (v) => v === sub;
    } else {
      const suffix = pattern.slice(1);
      mi = any;
      ms = (v) => v.endsWith(suffix);
    }
  } else if (pattern.endsWith('*')) {
    if (found) {
      const prefix = sub.slice(0, -1);
      mi = (v) => v === iss;
      ms = sub === '*' ? any : (v) => v.startsWith(prefix);
    } else {
      const prefix = pattern.slice(0, -1);
      mi = (v) => v.startsWith(prefix);
      ms = any;
    }
  } else {
    mi = (v) => v === iss;
    ms = (v) => v === sub;
  }
  return (issuer, subject) => mi(issuer) && ms(subject);
}

/** `namespaces`: Istio reads the namespace out of the SPIFFE ID, and `*` may stand anywhere (any run of characters). */
export function compileGlob(pattern: string): StringMatcher {
  if (!pattern.includes('*')) return (v) => v === pattern;
  const re = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`, 's');
  return (v) => re.test(v);
}

/**
 * `trustDomains`: exact, `*` (any), or one `*` inside a single trust domain
 * (never across a `/`).
 */
export function compileTrustDomain(pattern: string): StringMatcher {
  if (pattern === '*') return (v) => v.length > 0;
  if (!pattern.includes('*')) return (v) => v === pattern;
  const star = pattern.indexOf('*');
  const re = new RegExp(`^${escapeRegExp(pattern.slice(0, star))}[^/]*${escapeRegExp(pattern.slice(star + 1))}$`);
  return (v) => re.test(v);
}

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
