// The Helm chart, without helm (not packaged for Debian 12): its values
// validate against its own values.schema.json, every value a template reads
// exists, and it installs the same kinds `warden istio render` writes.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { parseConfig } from '../../src/config/load.js';
import { renderManifests } from '../../src/istio/render.js';

const CHART = new URL('../../deploy/helm/warden/', import.meta.url);
const read = (p: string) => readFileSync(new URL(p, CHART), 'utf8');
const templates = readdirSync(new URL('templates/', CHART)).map((f) => ({ name: f, text: read(`templates/${f}`) }));
const template = (name: string) => templates.find((t) => t.name === name)!.text;
/** The text of a one-line `define` in _helpers.tpl. */
const define = (name: string) => template('_helpers.tpl').match(new RegExp(`define "${name}" -\\}\\}(.*?)\\{\\{- end`))![1];

/**
 * What the chart's configmap.yaml checks at install, in JavaScript: the paths
 * its patterns (RE2, written so that JavaScript reads them the same) find in the config.
 */
function chartReads(config: string): string[] {
  const comment = new RegExp(define('warden.commentPattern').replace(/^\(\?m\)/, ''), 'gm');
  const file = new RegExp(define('warden.filePattern'), 'g');
  return [...config.replace(comment, '').matchAll(file)].map((m) => m[1]);
}

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

  it('mounts the Secret as a directory, as `warden istio render` does, and checks the config reads its files there', () => {
    const deployment = template('deployment.yaml');
    const volumeMounts = deployment.slice(deployment.indexOf('volumeMounts:'), deployment.indexOf('volumes:'));
    const filesMount = volumeMounts.split('\n').filter((l) => /name: files\b/.test(l));
    assert.deepEqual(filesMount, ['            - {name: files, mountPath: {{ include "warden.secretDir" . | quote }}, readOnly: true}']);
    assert.doesNotMatch(volumeMounts.split('\n').filter((l) => !/name: config\b|^\s*#/.test(l)).join('\n'), /subPath/, 'only the ConfigMap uses subPath');
    assert.match(deployment, /items:\n\s+\{\{- range \.Values\.files\.items \}\}\n\s+- \{key: \{\{ \.key \| quote \}\}, path: \{\{ \.key \| quote \}\}\}/);
    assert.match(deployment, /defaultMode: 0440/);
    assert.match(deployment, /toYaml \.Values\.securityContext/);
    assert.equal((values.securityContext as { readOnlyRootFilesystem: boolean }).readOnlyRootFilesystem, true);

    // The same layout as the renderer's: what it writes in its ConfigMap installs with the chart unchanged.
    const config = `apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: warden}
spec:
  listen: {host: 0.0.0.0, port: 8080, tls: {certFile: tls/tls.crt, keyFile: tls/tls.key}}
  extAuthz: {grpc: {port: 9191}}
  identity:
    apiKeys:
      file: "./keys/api-keys.yaml"   # file: ./not/this.yaml
  credentials:
    - name: sa
      google: {file: ./credentials/service-account.json}
  routes:
    - {name: vertex, provider: vertex, match: {host: us-central1-aiplatform.googleapis.com}, upstream: https://us-central1-aiplatform.googleapis.com, credential: sa}
`;
    const loaded = parseConfig(config, 'warden.yaml', '/nowhere');
    assert.deepEqual(loaded.problems, []);
    const { manifests } = renderManifests(loaded, config, {
      image: 'warden:test', replicas: 2, maxReplicas: 4, namespace: 'warden', egressNamespace: 'istio-system',
      egressSelector: { istio: 'egressgateway' }, egressServiceAccount: 'sa', trustDomain: 'cluster.local', secret: 'warden-files',
    });
    const podConfig = (manifests.find((m) => m.kind === 'ConfigMap') as unknown as { data: Record<string, string> }).data['warden.yaml'];
    const pod = (manifests.find((m) => m.kind === 'Deployment') as any).spec.template.spec;
    const secretDir = define('warden.secretDir').replace('{{ .Values.files.secretName }}', 'warden-files');
    assert.deepEqual(pod.containers[0].volumeMounts.find((m: { name: string }) => m.name === 'files'), { name: 'files', mountPath: secretDir, readOnly: true });
    const keys = pod.volumes.find((v: { name: string }) => v.name === 'files').secret.items.map((i: { key: string }) => i.key);
    const read = chartReads(podConfig);
    assert.deepEqual(read.sort(), keys.map((k: string) => `${secretDir}/${k}`).sort(), 'the chart finds the files the renderer mounts');
    assert.deepEqual(chartReads(config).sort(), ['./credentials/service-account.json', './keys/api-keys.yaml', 'tls/tls.crt', 'tls/tls.key'],
      'the chart finds the same files in the original config, and would refuse it (not in the Secret\'s directory)');
    assert.match(template('configmap.yaml'), /regexFindAll \(include "warden\.filePattern" \.\) \$text -1/);
    assert.match(template('configmap.yaml'), /if not \(hasPrefix \$dir \$path\) \}\}\{\{ fail/);
    assert.match(template('configmap.yaml'), /if not \(has \. \$read\)/);
  });

  it('takes Secret keys, not paths: the mount point follows from the Secret', () => {
    const v = structuredClone(values) as { files: { items: unknown[] } };
    v.files.items = [{ key: 'service-account.json' }];
    assert.ok(validate(v), JSON.stringify(validate.errors));
    v.files.items = [{ key: 'service-account.json', path: '/etc/warden/credentials/service-account.json' }];
    assert.equal(validate(v), false, 'a path would be a subPath mount');
    v.files.items = [{ key: 'keys/sa.json' }];
    assert.equal(validate(v), false);
  });

  it('balances its template actions', () => {
    for (const t of templates) {
      assert.doesNotMatch(t.text.replace(/\{\{.*?\}\}/g, ''), /\{\{/, `${t.name}: an action is not closed on its line`);
      const blocks = (t.text.match(/\{\{-?\s*(if|range|define|with)\b/g) ?? []).length;
      assert.equal(blocks, (t.text.match(/\{\{-?\s*end\s*-?\}\}/g) ?? []).length, `${t.name}: if/range/define/with without end`);
    }
  });
});
