// What render.test.ts (`warden istio render`) and helm.test.ts (the Helm
// chart) check their output with: a YAML stream read as Kubernetes reads it,
// each object validated against the Kubernetes and Istio schemas
// kubernetes-models publishes, the mesh's extension providers against
// ./schemas/mesh-extension-provider.schema.json, the config's files found in
// the Secret the Deployment mounts, and what Istio decides for a request from
// the AuthorizationPolicies rendered for a workload (Warden's own evaluator,
// which follows Istio's rules, as the referee).
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
import { authorizationPolicyDoc } from '../../src/config/schema.js';
import { configFilePaths } from '../../src/istio/render/secret-files.js';
import { compilePolicies } from '../../src/policy/compile.js';
import { Authorizer } from '../../src/policy/evaluate.js';

export interface Doc {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, any>;
  data?: Record<string, string>;
}

/** Validates a `served` object against the schema of `known`, the version kubernetes-models has, whose schema Istio serves unchanged. */
const asVersion = (known: string, Model: new (o: never) => { validate(): void }) =>
  class {
    constructor(private readonly d: { apiVersion: string }) {}
    validate() {
      new Model({ ...this.d, apiVersion: known } as never).validate();
    }
  };

/**
 * The schema of each `apiVersion/kind` Warden's manifests use. Networking
 * objects are `networking.istio.io/v1` (served since Istio 1.22, where
 * `v1beta1` is kept for old objects); @kubernetes-models/istio@2 (the last
 * major for Node 20) has them only as v1beta1, whose schema the v1 API
 * promoted unchanged, so v1 objects are validated against it. A v1beta1
 * object has no entry: the renderers write none.
 */
export const MODELS: Record<string, new (o: never) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'security.istio.io/v1/AuthorizationPolicy': AuthorizationPolicy,
  'security.istio.io/v1beta1/AuthorizationPolicy': AuthorizationPolicyV1beta1,
  // @kubernetes-models/istio@2 has PeerAuthentication only as v1beta1, whose schema v1 kept unchanged.
  'security.istio.io/v1/PeerAuthentication': asVersion('security.istio.io/v1beta1', PeerAuthentication),
  'security.istio.io/v1/RequestAuthentication': RequestAuthentication,
  'security.istio.io/v1beta1/RequestAuthentication': RequestAuthenticationV1beta1,
  'networking.istio.io/v1/ServiceEntry': asVersion('networking.istio.io/v1beta1', ServiceEntry),
  'networking.istio.io/v1/Gateway': asVersion('networking.istio.io/v1beta1', Gateway),
  'networking.istio.io/v1/VirtualService': asVersion('networking.istio.io/v1beta1', VirtualService),
  'networking.istio.io/v1/DestinationRule': asVersion('networking.istio.io/v1beta1', DestinationRule),
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

/** A workload of the mesh, as AuthorizationPolicies select it. */
export interface MeshWorkload {
  namespace: string;
  labels: Record<string, string>;
}

/** A request as the workload's proxy sees it; `from` is the caller's namespace (its principal is `cluster.local/ns/NS/sa/SA`). */
export interface MeshRequest {
  host: string;
  port: number;
  from: { namespace: string; serviceAccount?: string };
  method?: string;
  path?: string;
}

/**
 * What Istio does with `req` at `workload`, given the AuthorizationPolicies
 * among `docs` (the mesh's root namespace is istio-system): the CUSTOM
 * providers it asks, and its decision when they allow. Warden's evaluator
 * decides, scoped to one route standing for the workload.
 */
export function meshDecision(docs: Doc[], workload: MeshWorkload, req: MeshRequest): { asks: string[]; decision: 'allow' | 'deny'; reason: string } {
  const policies = docs.filter((d) => d.kind === 'AuthorizationPolicy').map((d) => ({
    value: authorizationPolicyDoc.parse(d),
    report: (path: unknown, message: string) => assert.fail(`${d.metadata.name}: ${message}`),
  }));
  const compiled = compilePolicies(policies, {
    workload: { name: 'workload', namespace: workload.namespace, labels: workload.labels, rootNamespace: 'istio-system', routes: [{ name: 'workload', labels: {} }] },
    spaceDelimitedClaims: new Map(),
  });
  const providers = [...new Set(compiled.filter((p) => p.action === 'CUSTOM').map((p) => p.provider!))];
  const authorizer = new Authorizer(compiled, { pathNormalization: 'BASE', xffNumTrustedHops: 0, customProviders: providers }, ['workload']);
  const sa = req.from.serviceAccount ?? 'default';
  const sourcePrincipal = `cluster.local/ns/${req.from.namespace}/sa/${sa}`;
  const input = {
    route: 'workload',
    req: {
      id: 'r', method: req.method ?? 'POST', path: req.path ?? '/', query: '', host: req.host, headers: {}, sourceIp: '10.0.0.1',
      destinationIp: '10.0.0.2', destinationPort: req.port,
    },
    principal: {
      groups: [], methods: ['mtls' as const], sourcePrincipal, sourceNamespace: req.from.namespace, sourceServiceAccount: sa, sourceTrustDomain: 'cluster.local',
    },
    target: { provider: 'http' as const, operation: 'other', operationClass: 'other' as const, stream: false },
  };
  const explained = authorizer.explain(input);
  const asks = explained.policies.filter((p) => p.action === 'CUSTOM' && p.applies && p.matched).map((p) => p.provider!);
  return { asks, decision: explained.decision.action, reason: explained.decision.reason };
}
