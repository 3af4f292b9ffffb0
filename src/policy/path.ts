// Paths as Istio's authorization sees them: normalized first (meshConfig
// `pathNormalization`, https://istio.io/latest/docs/reference/config/security/normalization/),
// then matched against `paths` / `notPaths` — Istio's string patterns, or
// Envoy URI templates when a path holds `{*}` or `{**}`.
import type { PolicySettings } from '../config/schema.js';
import { compilePattern, escapeRegExp, type StringMatcher } from './match.js';

export type PathNormalization = PolicySettings['pathNormalization'];

/** Percent-encodings of unreserved characters, which BASE decodes (once: no double decoding). */
const UNRESERVED_ESCAPE = /%(2[dDeE]|3[0-9]|[46][1-9a-fA-F]|[57][0-9aA]|5[fF]|7[eE])/g;
const SLASH_ESCAPE = /%(2[fF]|5[cC])/g;

/**
 * The path the policy sees, or undefined when Istio would refuse the request
 * outright (an encoded NUL).
 */
export function normalizePath(path: string, mode: PathNormalization): string | undefined {
  if (path.includes('%00')) return undefined;
  if (mode === 'NONE') return path;
  let p = path;
  if (mode === 'DECODE_AND_MERGE_SLASHES' && p.includes('%')) {
    p = p.replace(SLASH_ESCAPE, (e) => (e[2] === '2' ? '/' : '\\'));
  }
  if (p.includes('%')) p = p.replace(UNRESERVED_ESCAPE, (e) => String.fromCharCode(parseInt(e.slice(1), 16)));
  if (p.includes('\\')) p = p.replaceAll('\\', '/');
  if (p.includes('/.')) p = removeDotSegments(p);
  if (mode !== 'BASE' && p.includes('//')) p = p.replace(/\/{2,}/g, '/');
  return p;
}

/** RFC 3986 section 5.2.4, on an absolute path. */
function removeDotSegments(path: string): string {
  const segments = path.split('/');
  const out: string[] = [];
  for (let i = 1; i < segments.length; i++) {
    const s = segments[i];
    const last = i === segments.length - 1;
    if (s === '.' || s === '..') {
      if (s === '..' && out.length) out.pop();
      // A trailing dot segment leaves the path ending in `/`.
      if (last) out.push('');
    } else {
      out.push(s);
    }
  }
  return `/${out.join('/')}`;
}

export function isPathTemplate(pattern: string): boolean {
  return pattern.includes('{*}') || pattern.includes('{**}');
}

// Envoy's URI template: `*` is one or more path characters within a segment,
// `**` zero or more path characters including `/`.
const PCHAR = "a-zA-Z0-9\\-._~%!$&'()+,;:@";
const SEGMENT_GLOB = `[${PCHAR}]+`;
const TEXT_GLOB = `[${PCHAR}/]*`;
const LITERAL = new RegExp(`^[${PCHAR}]+$`);

/** Compile one `paths` entry; throws with a reason for an invalid template. */
export function compilePathPattern(pattern: string): StringMatcher {
  if (!isPathTemplate(pattern)) return compilePattern(pattern);
  if (!pattern.startsWith('/')) throw new Error(`path template "${pattern}" must start with "/"`);
  const segments = pattern.slice(1).split('/');
  let sawTextGlob = false;
  const parts = segments.map((seg, i) => {
    const last = i === segments.length - 1;
    if (seg === '{*}' || seg === '{**}') {
      if (sawTextGlob) throw new Error(`path template "${pattern}": {**} must be the last operator`);
      sawTextGlob = seg === '{**}';
      return sawTextGlob ? TEXT_GLOB : SEGMENT_GLOB;
    }
    if (seg.includes('{') || seg.includes('}') || seg.includes('*')) {
      throw new Error(`path template "${pattern}": a segment is either {*}, {**} or plain text, and "*" stands only inside {*} or {**}`);
    }
    if (seg === '' && last) return '';
    if (!LITERAL.test(seg)) throw new Error(`path template "${pattern}": segment "${seg}" has characters a URI template does not allow`);
    return escapeRegExp(seg);
  });
  const re = new RegExp(`^/${parts.join('/')}$`);
  return (v) => re.test(v);
}
