// Splitting a request path into trustworthy segments and reading the one
// query parameter classification cares about (`alt`). No regular expressions:
// this runs on every request.

/** More segments than any Vertex or OpenAI route has; longer paths are not classified. */
const MAX_SEGMENTS = 32;

/**
 * The path's non-empty segments, each percent-decoded: the one decoding
 * classification uses. It runs on the path after `spec.policy.pathNormalization`
 * (which has decoded the unreserved characters already, as Istio does) and
 * decodes what normalization left; nothing it decodes may change how the path
 * splits, so the segments classify sees are the ones policy and the upstream see.
 *
 * Returns `undefined` for paths a classifier must not interpret: dot segments
 * (`.`, `..`, also when percent-encoded), malformed escapes, an encoded `/`
 * or `\` inside a segment, an escape that decodes to another escape (double
 * encoding: an upstream that decodes twice would see something else), a
 * control character, or more than 32 segments. Empty segments (`//`, trailing
 * `/`) are skipped.
 */
export function splitPath(path: string): string[] | undefined {
  const segs: string[] = [];
  const len = path.length;
  let start = 0;
  while (start < len) {
    let end = path.indexOf('/', start);
    if (end === -1) end = len;
    if (end > start) {
      let seg = path.slice(start, end);
      if (seg.includes('%')) {
        try {
          seg = decodeURIComponent(seg);
        } catch {
          return undefined;
        }
        if (!plainSegment(seg)) return undefined;
      } else if (seg.includes('\\')) {
        return undefined;
      }
      if (seg === '.' || seg === '..') return undefined;
      if (segs.length === MAX_SEGMENTS) return undefined;
      segs.push(seg);
    }
    start = end + 1;
  }
  return segs;
}

/** A decoded segment that is still one segment: no `/`, `\`, `%` or control character. */
function plainSegment(seg: string): boolean {
  for (let i = 0; i < seg.length; i++) {
    const c = seg.charCodeAt(i);
    if (c === 47 /* / */ || c === 92 /* \\ */ || c === 37 /* % */ || c < 32 || c === 127) return false;
  }
  return true;
}

/**
 * Whether the query asks Google for server-sent events: `alt=sse` (or the
 * system-parameter spelling `$alt=sse`). Pairs are `&`-separated; a value is
 * read up to a `;` (`$alt=json;enum-encoding=int` is JSON). The last `alt` wins.
 */
export function queryWantsSse(query: string): boolean {
  if (query.length < 7 || !query.includes('alt=')) return false;
  let sse = false;
  const len = query.length;
  let start = 0;
  while (start < len) {
    let end = query.indexOf('&', start);
    if (end === -1) end = len;
    let k = start;
    if (query.charCodeAt(k) === 36 /* $ */) k += 1;
    else if (query.startsWith('%24', k)) k += 3;
    if (query.startsWith('alt=', k)) {
      const v = k + 4;
      let vEnd = query.indexOf(';', v);
      if (vEnd === -1 || vEnd > end) vEnd = end;
      sse = vEnd - v === 3 && query.startsWith('sse', v);
    }
    start = end + 1;
  }
  return sse;
}
