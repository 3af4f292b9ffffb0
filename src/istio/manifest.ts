// What every renderer shares: the options `warden istio render` takes, the
// shape of a manifest, Warden's ports and labels, and where the config lives
// in the pod.
import { isAbsolute, posix } from 'node:path';
import type { GatewaySpec } from '../config/schema.js';

export interface RenderOptions {
  image: string;
  replicas: number;
  maxReplicas: number;
  namespace: string;
  /** The Istio egress gateway that model calls leave through. */
  egressNamespace: string;
  egressSelector: Record<string, string>;
  egressServiceAccount: string;
  trustDomain: string;
  /** Secret holding the key files the config names. */
  secret: string;
  /**
   * How the egress gateway involves Warden: Istio's ext_authz (a CUSTOM AuthorizationPolicy) or
   * Envoy's ext_proc (an EnvoyFilter). Default: the one the config serves (spec.extAuthz / spec.extProc).
   */
  mode?: MeshMode;
  /** Who may call the admin port (Prometheus): namespaces and/or peer principals (`TD/ns/NS/sa/SA`). */
  metricsFrom: { namespaces: string[]; principals: string[] };
  /** Render an SQLite or JSON lines audit file on the pod's emptyDir, which a deleted pod takes with it. */
  ephemeralAudit: boolean;
}

export type MeshMode = 'ext-authz' | 'ext-proc';

export type Manifest = Record<string, unknown> & {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
};

export type Labels = Record<string, string>;

export const CONFIG_DIR = '/etc/warden';
export const CONFIG_PATH = `${CONFIG_DIR}/warden.yaml`;
export const GRPC_PROVIDER = 'warden-ext-authz-grpc';
export const HTTP_PROVIDER = 'warden-ext-authz-http';

export function wardenLabels(name: string): Labels {
  return { 'app.kubernetes.io/name': 'warden', 'app.kubernetes.io/instance': name };
}

export interface Ports {
  http: number;
  admin: number;
  grpcExtAuthz?: number;
  httpExtAuthz?: number;
  grpcExtProc?: number;
}

export function portsOf(spec: GatewaySpec): Ports {
  return { http: spec.listen.port, admin: spec.admin.port, grpcExtAuthz: spec.extAuthz?.grpc?.port, httpExtAuthz: spec.extAuthz?.http?.port, grpcExtProc: spec.extProc?.grpc.port };
}

export function containerPorts(p: Ports) {
  return [
    { name: 'http', containerPort: p.http, protocol: 'TCP' },
    { name: 'http-admin', containerPort: p.admin, protocol: 'TCP' },
    ...(p.grpcExtAuthz ? [{ name: 'grpc-ext-authz', containerPort: p.grpcExtAuthz, protocol: 'TCP' }] : []),
    ...(p.httpExtAuthz ? [{ name: 'http-ext-authz', containerPort: p.httpExtAuthz, protocol: 'TCP' }] : []),
    ...(p.grpcExtProc ? [{ name: 'grpc-ext-proc', containerPort: p.grpcExtProc, protocol: 'TCP' }] : []),
  ];
}

/** A path from the config as the pod sees it: relative paths resolve against the config's directory. */
export function inPod(p: string): string {
  return isAbsolute(p) ? p : posix.join(CONFIG_DIR, p);
}
