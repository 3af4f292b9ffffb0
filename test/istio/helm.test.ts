// The Helm chart, without helm (not packaged for Debian 12): its values
// validate against its own values.schema.json, every value a template reads
// exists, and it installs the same kinds `warden istio render` writes.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { parse } from 'yaml';

const CHART = new URL('../../deploy/helm/warden/', import.meta.url);
const read = (p: string) => readFileSync(new URL(p, CHART), 'utf8');
const templates = readdirSync(new URL('templates/', CHART)).map((f) => ({ name: f, text: read(`templates/${f}`) }));

describe('Helm chart deploy/helm/warden', () => {
  const values = parse(read('values.yaml')) as Record<string, unknown>;
  const schema = JSON.parse(read('values.schema.json'));
  const validate = new Ajv({ allErrors: true }).compile(schema);

  it('has a v2 Chart.yaml', () => {
    const chart = parse(read('Chart.yaml')) as Record<string, string>;
    assert.equal(chart.apiVersion, 'v2');
    assert.equal(chart.name, 'warden');
    assert.match(chart.version, /^\d+\.\d+\.\d+$/);
  });

  it('ships default values that satisfy its schema, and the schema catches mistakes', () => {
    assert.ok(validate(values), JSON.stringify(validate.errors));
    const wrong = structuredClone(values) as { extAuthz: { provider: string }; egress: { hosts: string[] }; replicaCount?: number };
    wrong.extAuthz.provider = 'grpcs';
    wrong.egress.hosts = ['*-aiplatform.googleapis.com'];
    wrong.replicaCount = 3;
    assert.equal(validate(wrong), false);
    const paths = validate.errors!.map((e) => `${e.instancePath} ${e.message}`).join('\n');
    assert.match(paths, /\/extAuthz\/provider/);
    assert.match(paths, /\/egress\/hosts\/0/);
    assert.match(paths, /additional properties/);
  });

  it('reads only values that exist', () => {
    const has = (path: string[]) => {
      let v: unknown = values;
      for (const k of path) {
        if (!v || typeof v !== 'object' || !(k in v)) return false;
        v = (v as Record<string, unknown>)[k];
      }
      return true;
    };
    for (const t of templates) {
      for (const m of t.text.matchAll(/\.Values((?:\.[A-Za-z0-9_]+)+)/g)) {
        assert.ok(has(m[1].slice(1).split('.')), `${t.name}: .Values${m[1]} is not in values.yaml`);
      }
    }
  });

  it('installs what `warden istio render` writes (its mesh config goes in NOTES.txt)', () => {
    const kinds = new Set(templates.flatMap((t) => [...t.text.matchAll(/^kind: (\w+)$/gm)].map((m) => m[1])));
    assert.deepEqual([...kinds].sort(), [
      'AuthorizationPolicy', 'ConfigMap', 'Deployment', 'DestinationRule', 'Gateway', 'HorizontalPodAutoscaler',
      'PeerAuthentication', 'PodDisruptionBudget', 'Service', 'ServiceEntry', 'VirtualService',
    ]);
    const notes = templates.find((t) => t.name === 'NOTES.txt')!.text;
    assert.match(notes, /envoyExtAuthzGrpc:/);
    assert.match(notes, /envoyExtAuthzHttp:/);
    const deployment = templates.find((t) => t.name === 'deployment.yaml')!.text;
    assert.match(deployment, /path: \/readyz/);
    assert.match(deployment, /toYaml \.Values\.podSecurityContext/);
    assert.equal((values.podSecurityContext as { runAsNonRoot: boolean }).runAsNonRoot, true);
  });

  it('balances its template actions', () => {
    for (const t of templates) {
      assert.doesNotMatch(t.text.replace(/\{\{.*?\}\}/g, ''), /\{\{/, `${t.name}: an action is not closed on its line`);
      const blocks = (t.text.match(/\{\{-?\s*(if|range|define|with)\b/g) ?? []).length;
      assert.equal(blocks, (t.text.match(/\{\{-?\s*end\s*-?\}\}/g) ?? []).length, `${t.name}: if/range/define/with without end`);
    }
  });
});
