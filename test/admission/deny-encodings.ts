// Encodings of one model call's path, as an attacker would try them against a
// DENY on that model: every shape here is one a lenient upstream (or one that
// decodes, merges slashes, resolves dot segments or ignores case) could read
// as the same call. Used by the property tests of the proxy and ext_authz.
import fc from 'fast-check';

export const DENIED = 'gemini-2.5-pro';
export const SEGMENTS = ['v1', 'projects', 'p', 'locations', 'us-central1', 'publishers', 'google', 'models'];

const hex = (c: string, lower: boolean) => {
  const h = c.charCodeAt(0).toString(16).padStart(2, '0');
  return `%${lower ? h : h.toUpperCase()}`;
};

/** One character: itself, another case, percent-encoded (either hex case), or encoded twice. */
const char = (c: string): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 60, arbitrary: fc.constant(c) },
    { weight: 1, arbitrary: fc.constant(c.toUpperCase()) },
    { weight: 2, arbitrary: fc.boolean().map((lower) => hex(c, lower)) },
    { weight: 1, arbitrary: fc.boolean().map((lower) => `%25${hex(c, lower).slice(1)}`) },
  );

const text = (s: string): fc.Arbitrary<string> => fc.tuple(...[...s].map(char)).map((cs) => cs.join(''));

/** A `/` between segments: itself, doubled, a backslash, encoded, or with a dot-segment detour. */
const separator: fc.Arbitrary<string> = fc.oneof(
  { weight: 30, arbitrary: fc.constant('/') },
  {
    weight: 1,
    arbitrary: fc.constantFrom('//', '\\', '%2F', '%2f', '%5C', '%5c', '/./', '/%2e/', '/x/../', '/x/%2e%2e/', '/x/%2E%2E/', '/x/.%2e/', '\\.\\', '/x\\..\\', '%2F.%2F', '/x%2F..%2F'),
  },
);

/** The model segment: the denied model (maybe with trailing dots), or a detour from an allowed one to it. */
const model: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: text(DENIED) },
  { weight: 1, arbitrary: fc.tuple(text(DENIED), fc.constantFrom('.', '..', '%2E', '.%20')).map(([m, dots]) => m + dots) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom('/../', '%2F..%2F', '%2f%2e%2e%2f', '\\..\\', '%5C..%5C', '/%2e%2e/', '%252F..%252F'), text(DENIED))
      .map(([up, m]) => `gemini-2.0-flash${up}${m}`),
  },
);

const verbSep = fc.oneof({ weight: 8, arbitrary: fc.constant(':') }, { weight: 1, arbitrary: fc.constantFrom('%3A', '%3a', '%253A') });
const verb = fc.oneof({ weight: 8, arbitrary: fc.constant('generateContent') }, { weight: 1, arbitrary: fc.constantFrom('GenerateContent', 'generatecontent', 'generateContent/', 'generateContent/.') });

export interface EncodedCall {
  /** Origin-form path, always starting with `/`. */
  path: string;
  /** `http://authority` for absolute-form, or ''. */
  absolute: string;
}

export const encodedCall: fc.Arbitrary<EncodedCall> = fc
  .tuple(
    fc.tuple(...SEGMENTS.map(text)),
    fc.array(separator, { minLength: SEGMENTS.length + 1, maxLength: SEGMENTS.length + 1 }),
    model,
    verbSep,
    verb,
    fc.oneof({ weight: 3, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom('http://anything', 'HTTP://Any.Thing:80', 'https://us-central1-aiplatform.googleapis.com') }),
  )
  .map(([segs, seps, m, colon, v, absolute]) => {
    let path = '';
    for (let i = 0; i < segs.length; i++) path += (i === 0 ? '/' : seps[i]!) + segs[i];
    path += seps[segs.length]! + m + colon + v;
    return { path, absolute };
  });

/** The denied OpenAI-style model, and the calls that name a model in their body. */
export const DENIED_BODY_MODEL = 'gpt-4o';

export interface BodyCall {
  path: string;
  /** The Content-Type header, or undefined for none. */
  contentType: string | undefined;
  body: string;
  /** ext_authz only: Envoy sends this many bytes of the body (the rest cut off), or all. */
  cutAt?: number;
}

const bodyPaths = fc.constantFrom(
  { path: '/openai/v1/chat/completions', model: DENIED_BODY_MODEL },
  { path: '/openai/v1/completions', model: DENIED_BODY_MODEL },
  { path: '/openai/v1/responses', model: DENIED_BODY_MODEL },
  { path: '/openai/v1/fine_tuning/jobs', model: DENIED_BODY_MODEL },
  { path: '/openai/v1/assistants', model: DENIED_BODY_MODEL },
  { path: '/openai/v1/threads/thread_1/runs', model: DENIED_BODY_MODEL },
  { path: '/openai/v1/realtime/sessions', model: DENIED_BODY_MODEL },
  { path: '/v1/projects/p/locations/us-central1/endpoints/openapi/chat/completions', model: `google/${DENIED}` },
  { path: '/v1/projects/p/locations/us-central1/batchPredictionJobs', model: `publishers/google/models/${DENIED}` },
);

/** A JSON string literal of `s`: plain, or with characters as \u escapes (the same string once parsed). */
const jsonString = (s: string): fc.Arbitrary<string> =>
  fc.array(fc.integer({ min: 0, max: 3 }), { minLength: s.length, maxLength: s.length }).map((esc) =>
    `"${[...s].map((c, i) => (esc[i] === 0 ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}` : c)).join('')}"`,
  );

/** The denied model, as a string the upstream might still read as it (trailing space or dot, zero-width, NUL), or as itself. */
const modelValue = (m: string): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 4, arbitrary: jsonString(m) },
    { weight: 1, arbitrary: fc.constantFrom(`"${m} "`, `" ${m}"`, `"${m}."`, `"${m}\\u200b"`, `"${m}\\u0000"`, `"${m}\\n"`, `["${m}"]`, `{"id":"${m}"}`) },
  );

export const bodyCall: fc.Arbitrary<BodyCall> = fc
  .tuple(
    bodyPaths,
    fc.constantFrom<string | undefined>(undefined, 'application/json', 'application/json; charset=utf-8', 'Application/JSON', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/vnd.api+json'),
    fc.constantFrom('', ' ', '\n', '\r\n\t', '\n\n  '),
    fc.constantFrom('', ',"stream":true', ',"stream":"true"', ',"stream":1', ',"stream":"false"', ',"stream":null'),
    fc.option(fc.integer({ min: 0, max: 60 }), { freq: 3 }),
  )
  .chain(([p, contentType, ws, stream, cutAt]) =>
    modelValue(p.model).map((model) => ({
      path: p.path,
      contentType,
      body: `${ws}{"model":${model}${stream},"messages":[{"role":"user","content":"hi"}]}`,
      cutAt: cutAt ?? undefined,
    })),
  );
