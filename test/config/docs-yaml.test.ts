// Every ```yaml block in README.md and docs/*.md parses as YAML, and says
// what Warden would accept: a block of whole documents (with `kind`) goes
// through the config loader (parseConfig: schema and cross-field checks, no
// files opened); a spec excerpt (top-level `spec:` or spec fields such as
// `routes:`) is put into a minimal Gateway and checked against its schema.
// A block marked `<!-- yaml: fragment -->` on the line before it is only
// parsed as YAML: it shows part of something larger that cannot stand alone.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { parseConfig } from '../../src/config/load.js';
import { gatewayDoc } from '../../src/config/schema.js';

interface Block {
  where: string;
  text: string;
  fragment: boolean;
}

function yamlBlocks(file: string): Block[] {
  const text = readFileSync(file, 'utf8');
  const blocks: Block[] = [];
  // A fence may be indented (inside a list item); its content is by as much.
  const fence = /^([ \t]*)```ya?ml[^\n]*\n([\s\S]*?)^\1```/gm;
  for (let m; (m = fence.exec(text)); ) {
    const before = text.slice(0, m.index).split('\n');
    const line = before.length;
    const previous = before.slice(0, -1).reverse().find((l) => l.trim() !== '') ?? '';
    const indent = m[1]!.length;
    blocks.push({
      where: `${file}:${line}`,
      text: m[2]!.split('\n').map((l) => l.slice(indent)).join('\n'),
      fragment: previous.trim() === '<!-- yaml: fragment -->',
    });
  }
  return blocks;
}

const files = ['README.md', ...readdirSync('docs').filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
const blocks = files.flatMap(yamlBlocks);

/** A Gateway that is valid on its own; a spec excerpt's fields replace its. */
const BASE_SPEC = { routes: [{ name: 'base', provider: 'vertex', upstream: 'https://us-central1-aiplatform.googleapis.com' }] };

describe('YAML examples in README.md and docs/', () => {
  it('finds the examples', () => {
    assert.ok(blocks.length >= 10, `only ${blocks.length} yaml blocks found`);
    assert.ok(blocks.some((b) => b.where.startsWith('docs/istio.md')));
  });

  for (const block of blocks) {
    it(`${block.where} ${block.fragment ? 'parses (marked fragment)' : 'is a valid config or spec excerpt'}`, () => {
      const docs = parseAllDocuments(block.text, { prettyErrors: false });
      assert.ok(Array.isArray(docs), 'not a YAML stream');
      const errors = docs.flatMap((d) => d.errors.map((e) => e.message.split('\n')[0]));
      assert.deepEqual(errors, [], 'YAML errors');
      if (block.fragment) return;

      const values = docs.map((d) => d.toJS() as Record<string, unknown> | null).filter((v) => v != null);
      if (values.some((v) => 'kind' in v)) {
        // Whole documents: everything `warden config check` reports short of opening files.
        const config = parseConfig(block.text, block.where, '/nonexistent');
        const hasGateway = values.some((v) => v.kind === 'Gateway');
        const problems = config.problems.filter((p) => hasGateway || p.message !== 'no Gateway document');
        assert.deepEqual(problems.map((p) => `${p.line}: ${p.message}${p.hint ? ` (${p.hint})` : ''}`), []);
        return;
      }
      assert.equal(values.length, 1, 'a spec excerpt is one document');
      const excerpt = values[0]!;
      const spec = 'spec' in excerpt ? (excerpt.spec as Record<string, unknown>) : excerpt;
      const parsed = gatewayDoc.safeParse({ apiVersion: 'warden.dev/v1alpha1', kind: 'Gateway', metadata: { name: 'docs' }, spec: { ...BASE_SPEC, ...spec } });
      assert.deepEqual(parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`), []);
    });
  }
});
