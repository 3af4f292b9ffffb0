// Secret formats from a maintained rule set: secretlint's recommended preset
// (@secretlint/secretlint-rule-preset-recommend, MIT; 11.x is its last line
// for Node 20). Each rule is run through secretlint's rule API (create(context)
// → file(source) → context.report({range})) with a context of our own, so a
// rule costs one pass of its own patterns and nothing of secretlint's file
// machinery. Why this set and not a gitleaks-derived package: docs/guardrails.md
// ("Secret rule set").
//
// Adapting file-oriented rules to prose:
//   - every rule is run with no file path, which secretlint treats as "any
//     file" (the npm rule then looks for `_authToken=` and x-oauth URLs too);
//   - a report's range is checked against the value the rule names in its
//     message (KEY, TOKEN, …): where they differ (the AWS secret-key rule
//     reports the value's length from the key name's start) the value is
//     located after the range's start, so what is redacted is the secret;
//   - `gcp` (parses the whole text as a key file; GOOGLE_SA_KEY_ID and
//     PRIVATE_KEY cover key files inside text) and `filter-comments`
//     (secretlint-disable comments: not ours to honour in a prompt) are not run;
//   - a cheap test of the text (a prefix the format must contain) skips a rule
//     that cannot match, which keeps prose cheap.
import { rules as recommended } from '@secretlint/secretlint-rule-preset-recommend';
import type { Detector, Match } from './types.js';

interface Report {
  message: { id: string; props: Record<string, unknown> };
  range: readonly [number, number];
}

/** The part of secretlint's rule API that the rules use. */
interface RuleContext {
  report(d: Report): void;
  createTranslator(messages: unknown): (id: string, props?: Record<string, unknown>) => Report['message'];
  sharedOptions: Record<string, unknown>;
}
interface RuleCreator {
  meta: { id: string };
  create(context: RuleContext, options: Record<string, unknown>): { file?(source: { content: string; contentType: string; ext: string }): unknown };
}

interface Adapted {
  /** Finding type by the rule's message id (`*`: any). */
  types: Record<string, string>;
  quick: (text: string) => boolean;
  /** What it reports has no whitespace in it or in the context it reads (see Detector.token). */
  token: boolean;
}

const has = (...needles: string[]) => (t: string) => needles.some((n) => t.includes(n));

const ADAPTED: Record<string, Adapted> = {
  aws: { types: { '*': 'AWS_SECRET_KEY' }, quick: (t) => /secret/i.test(t), token: false },
  privatekey: { types: { '*': 'PRIVATE_KEY' }, quick: has('PRIVATE KEY'), token: false },
  npm: { types: { PackageJSON_xOauthToken: 'GITHUB_TOKEN', '*': 'NPM_TOKEN' }, quick: has('npm_', '_authToken', 'x-oauth-basic'), token: true },
  basicauth: { types: { '*': 'URL_CREDENTIALS' }, quick: (t) => t.includes('://') && t.includes('@'), token: true },
  slack: { types: { '*': 'SLACK_TOKEN' }, quick: has('xox', 'xapp-', 'hooks.slack.com'), token: true },
  sendgrid: { types: { '*': 'SENDGRID_KEY' }, quick: has('SG.'), token: true },
  shopify: { types: { '*': 'SHOPIFY_TOKEN' }, quick: has('shp'), token: true },
  github: { types: { '*': 'GITHUB_TOKEN' }, quick: (t) => /gh[pousr]_|github_pat_/.test(t), token: true },
  openai: { types: { '*': 'OPENAI_KEY' }, quick: has('T3BlbkFJ'), token: true },
  anthropic: { types: { '*': 'ANTHROPIC_KEY' }, quick: has('sk-ant-'), token: true },
  linear: { types: { '*': 'LINEAR_KEY' }, quick: has('lin_'), token: true },
  '1password': { types: { '*': 'ONEPASSWORD_TOKEN' }, quick: has('ops_'), token: true },
  'database-connection-string': { types: { '*': 'DATABASE_URL' }, quick: (t) => t.includes('://') && /mongodb|mysql|postgres/i.test(t), token: true },
};

/** Finding types the secretlint rules report. */
export const SECRETLINT_TYPES: readonly string[] = [...new Set(Object.values(ADAPTED).flatMap((a) => Object.values(a.types)))];

/** The value a report names (secretlint puts it in the message's props). */
function namedValue(props: Record<string, unknown>): string | undefined {
  for (const k of ['KEY', 'TOKEN', 'ID', 'CONNECTION_STRING', 'URL']) {
    const v = props[k];
    if (typeof v === 'string' && v.length >= 8) return v;
  }
  return undefined;
}

/** One detector per adapted rule; `type` is the first type it reports (the Scanner learns every type it may report). */
export function secretlintDetectors(): Detector[] {
  const out: Detector[] = [];
  for (const creator of recommended as unknown as RuleCreator[]) {
    const name = creator.meta.id.replace('@secretlint/secretlint-rule-', '');
    const adapted = ADAPTED[name];
    if (!adapted) continue;
    let reports: Report[] = [];
    const context: RuleContext = {
      report: (d) => reports.push(d),
      createTranslator: () => (id, props = {}) => ({ id, props }),
      sharedOptions: {},
    };
    const handler = creator.create(context, {});
    for (const type of new Set(Object.values(adapted.types))) {
      out.push({
        type,
        category: 'secret',
        // Key names the rules read before a value (`aws_secret_access_key = `, `_authToken=`).
        lookBehind: 64,
        token: adapted.token,
        find(text: string, matches: Match[]) {
          if (!handler.file || !adapted.quick(text)) return;
          reports = [];
          // Every adapted rule reports synchronously for text without a file path (only p12 files are read asynchronously).
          void handler.file({ content: text, contentType: 'text', ext: '' });
          for (const r of reports) {
            const t = adapted.types[r.message.id] ?? adapted.types['*'];
            if (t !== type) continue;
            let [start, end] = r.range;
            const value = namedValue(r.message.props);
            if (value !== undefined && text.slice(start, end) !== value) {
              const at = text.indexOf(value, start);
              if (at >= 0) [start, end] = [at, at + value.length];
            }
            if (end > start) matches.push({ type, start, end });
          }
        },
      });
    }
  }
  return out;
}
