// What render.test.ts (`warden istio render`) and helm.test.ts (the Helm
// chart) check their output with: a YAML stream read as Kubernetes reads it,
// each object validated against the Kubernetes and Istio schemas
// kubernetes-models publishes, the mesh's extension providers against
// ./schemas/mesh-extension-provider.schema.json, and the config's files
// found in the Secret the Deployment mounts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { parseAllDocuments, type ScalarTag } from 'yaml';
import { ConfigMap, Service } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { AuthorizationPolicy, RequestAuthentication } from '@kubernetes-models/istio/security.istio.io/v1';
import {
  AuthorizationPolicy as AuthorizationPolicyV1beta1,
  PeerAuthentication,
  RequestAuthentication as RequestAuthenticationV1beta1,
} from '@kubernetes-models/istio/security.istio.io/v1beta1';
import { DestinationRule, Gateway, ServiceEntry, VirtualService } from '@kubernetes-models/istio/networking.istio.io/v1beta1';
import { IstioOperator } from '@kubernetes-models/istio/install.istio.io/v1alpha1';
import { EnvoyFilter } from '@kubernetes-models/istio/networking.istio.io/v1alpha3';
import { parseConfig } from '../../src/config/load.js';
import { configFilePaths } from '../../src/istio/render/secret-files.js';

export interface Doc {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, any>;
  data?: Record<string, string>;
}

/** The schema of each `apiVersion/kind` Warden's manifests use. */
export const MODELS: Record<string, new (o: never) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'security.istio.io/v1/AuthorizationPolicy': AuthorizationPolicy,
  'security.istio.io/v1beta1/AuthorizationPolicy': AuthorizationPolicyV1beta1,
  // @kubernetes-models/istio@2 has PeerAuthentication only as v1beta1, whose schema v1 kept unchanged.
  'security.istio.io/v1/PeerAuthentication': class {
    constructor(private readonly d: { apiVersion: string }) {}
    validate() {
      new PeerAuthentication({ ...this.d, apiVersion: 'security.istio.io/v1beta1' } as never).validate();
    }
  },
  'security.istio.io/v1/RequestAuthentication': RequestAuthentication,
  'security.istio.io/v1beta1/RequestAuthentication': RequestAuthenticationV1beta1,
  'networking.istio.io/v1beta1/ServiceEntry': ServiceEntry,
  'networking.istio.io/v1beta1/Gateway': Gateway,
  'networking.istio.io/v1beta1/VirtualService': VirtualService,
  'networking.istio.io/v1beta1/DestinationRule': DestinationRule,
  'install.istio.io/v1alpha1/IstioOperator': IstioOperator,
  'networking.istio.io/v1alpha3/EnvoyFilter': EnvoyFilter,
};

/**
 * What Kubernetes reads differently from YAML 1.2 (its YAML library keeps
 * YAML 1.1's resolution): a leading-zero integer is octal (a chart's
 * `defaultMode: 0440` is 288), and yes/no/on/off/y/n are booleans.
 */
const KUBERNETES_SCALARS: ScalarTag[] = [
  { tag: 'tag:yaml.org,2002:int', default: true, test: /^[-+]?0[0-7]+$/, resolve: (s) => parseInt(s, 8) },
  { tag: 'tag:yaml.org,2002:bool', default: true, test: /^(?:[yY]|[yY]es|YES|[nN]|[nN]o|NO|[oO]n|ON|[oO]ff|OFF)$/, resolve: (s) => /^(?:y|yes|on)$/i.test(s) },
];

/** The objects of a YAML stream, read as the Kubernetes API machinery reads a manifest. */
export function parseManifests(text: string): Doc[] {
  return parseAllDocuments(text, { customTags: (tags) => [...KUBERNETES_SCALARS, ...tags] })
    .map((d) => {
      assert.deepEqual(d.errors, [], 'the stream is YAML');
      return d.toJS() as Doc;
    })
    .filter(Boolean);
}

/** Every object has a schema here and validates against it. */
export function assertValidManifests(docs: Doc[]): void {
  for (const d of docs) {
    const Model = MODELS[`${d.apiVersion}/${d.kind}`];
    assert.ok(Model, `no schema for ${d.apiVersion} ${d.kind}`);
    assert.doesNotThrow(() => new Model(d as never).validate(), `${d.kind} ${d.metadata.name}`);
  }
}

/** One `meshConfig.extensionProviders` entry as Istio reads it (./schemas/mesh-extension-provider.schema.json). */
export const validExtensionProvider = new Ajv({ allErrors: true }).compile(
  JSON.parse(readFileSync(new URL('./schemas/mesh-extension-provider.schema.json', import.meta.url), 'utf8')),
);

/**
 * Every file the config in `configMap` reads is a file of a directory the
 * Deployment mounts from a Secret (a key that volume projects); returns the paths.
 */
export function assertConfigFilesMounted(deployment: Doc, configMap: Doc): string[] {
  const pod = deployment.spec!.template.spec;
  const config = parseConfig(configMap.data!['warden.yaml'], 'warden.yaml', '/etc/warden');
  assert.deepEqual(config.problems, []);
  const paths = [...new Set(configFilePaths(config.gateway.value))];
  for (const path of paths) {
    const slash = path.lastIndexOf('/');
    const [dir, file] = [path.slice(0, slash), path.slice(slash + 1)];
    const mounts = pod.containers[0].volumeMounts.filter((m: { mountPath: string }) => m.mountPath === dir);
    assert.equal(mounts.length, 1, `${path}: no volume is mounted at ${dir}`);
    const volume = pod.volumes.find((v: { name: string }) => v.name === mounts[0].name);
    assert.ok(volume?.secret, `${path}: ${dir} is not a Secret volume`);
    assert.equal(mounts[0].subPath, undefined);
    if (volume.secret.items) assert.ok(volume.secret.items.some((i: { path: string }) => i.path === file), `${path}: the Secret volume does not project ${file}`);
  }
  return paths;
}
