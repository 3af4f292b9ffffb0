// Warden's workload: the ConfigMap holding the config, and the Deployment
// that runs it — non-root, read-only root filesystem, probes on the admin
// port, the Secret's key files mounted as a directory (render/secret-files),
// writable volumes where it keeps state.
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { durationMs, type GatewaySpec } from '../../config/schema.js';
import { CONFIG_DIR, CONFIG_PATH, containerPorts, inPod, type Labels, type Manifest, type Ports, type RenderOptions } from '../manifest.js';
import type { SecretLayout } from './secret-files.js';

/**
 * The pod's memory limit and its V8 heap limit (old space). The heap limit V8 reports is ~50 MiB
 * more (new space); request bodies held by default (spec.limits.maxBufferedBytes, a quarter of that) sit
 * outside the heap; Node needs ~100 MiB beside both: 304 + 76 + 100 < 512.
 */
export const POD_MEMORY_LIMIT_MIB = 512;
export const POD_HEAP_MIB = 256;

/** `metadata` names it `<name>-config`, which the Deployment mounts; `configText` names its files in the pod (secret-files). */
export function configMap(metadata: Manifest['metadata'], configText: string): Manifest {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata, data: { 'warden.yaml': configText } };
}

export function deployment(
  name: string, metadata: Manifest['metadata'], labels: Labels, ports: Ports, spec: GatewaySpec, o: RenderOptions,
  secret: SecretLayout, configText: string,
): Manifest {
  const writableDirs = [...new Set(stateFiles(spec).map((f) => posix.dirname(inPod(f))))].filter((d) => d !== CONFIG_DIR);
  const volumes: Record<string, unknown>[] = [
    { name: 'config', configMap: { name: `${name}-config` } },
    // The config's own directory is writable (SQLite audit, spool) and holds the mount points.
    { name: 'workdir', emptyDir: {} },
    { name: 'tmp', emptyDir: {} },
  ];
  const mounts: Record<string, unknown>[] = [
    { name: 'workdir', mountPath: CONFIG_DIR },
    { name: 'config', mountPath: CONFIG_PATH, subPath: 'warden.yaml', readOnly: true },
    { name: 'tmp', mountPath: '/tmp' },
  ];
  if (secret.files.length) {
    // A directory, never subPath: Kubernetes updates it in place when the
    // Secret changes, and Warden reloads the files it watches. `items` mounts
    // just the keys the config reads, and a missing key stops the pod at once.
    volumes.push({
      name: 'files',
      secret: { secretName: secret.secret, defaultMode: 0o440, items: secret.files.map((f) => ({ key: f.key, path: f.key })) },
    });
    mounts.push({ name: 'files', mountPath: secret.dir, readOnly: true });
  }
  writableDirs.forEach((dir, i) => {
    volumes.push({ name: `state-${i}`, emptyDir: {} });
    mounts.push({ name: `state-${i}`, mountPath: dir });
  });
  const probe = (path: string) => ({ httpGet: { path, port: 'http-admin' }, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 3 });
  const drain = drainSeconds(spec);
  const preStop = Math.ceil(durationMs(spec.shutdown.drainDelay) / 1000);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata,
    spec: {
      // No `replicas`: the HorizontalPodAutoscaler owns the count (from o.replicas up), and a
      // re-applied manifest that named one would reset it, as Kubernetes' HPA docs warn.
      selector: { matchLabels: labels },
      template: {
        metadata: {
          labels: { ...labels, 'sidecar.istio.io/inject': 'true' },
          annotations: {
            // The kubelet's probes go to the sidecar's agent, which calls the admin port from inside the
            // pod: no AuthorizationPolicy stands in their way (render/policies.ts), also in a mesh that
            // turned the rewrite off by default. Without it, STRICT mTLS would refuse the kubelet's plain HTTP.
            'sidecar.istio.io/rewriteAppHTTPProbers': 'true',
            // A changed config rolls the pods (the config file is read at start).
            'checksum/config': createHash('sha256').update(configText).digest('hex'),
            'prometheus.io/scrape': 'true',
            'prometheus.io/port': String(ports.admin),
            'prometheus.io/path': '/metrics',
            // The pod's own sidecar carries every request to Warden: it keeps doing so while Warden drains.
            'proxy.istio.io/config': JSON.stringify({ terminationDrainDuration: `${drain}s` }),
          },
        },
        spec: {
          securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, fsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } },
          // Warden's drain (spec.shutdown: the preStop wait, then the rest after SIGTERM), and a few seconds
          // to flush the audit and exit. The grace period counts from the start of the preStop hook.
          terminationGracePeriodSeconds: drain + EXIT_SECONDS,
          topologySpreadConstraints: [
            { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: labels } },
          ],
          containers: [
            {
              name: 'warden',
              image: o.image,
              args: ['start', '-c', CONFIG_PATH],
              ports: containerPorts(ports),
              readinessProbe: probe('/readyz'),
              livenessProbe: { ...probe('/healthz'), initialDelaySeconds: 5 },
              // The V8 heap limit that fits the memory limit beside maxBufferedBytes' default (a quarter of it) and Node's own.
              env: [
                { name: 'NODE_OPTIONS', value: `--max-old-space-size=${POD_HEAP_MIB}` },
                // Warden's drainDelay after SIGTERM is shortened by what the preStop hook already waited: not twice.
                ...(preStop ? [{ name: 'WARDEN_PRESTOP_SECONDS', value: String(preStop) }] : []),
              ],
              // drainDelay passes before SIGTERM, while Kubernetes takes the terminating pod out of the
              // endpoints: Kubernetes' own sleep (1.30+), as the image has no `sleep` binary.
              ...(preStop ? { lifecycle: { preStop: { sleep: { seconds: preStop } } } } : {}),
              resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: `${POD_MEMORY_LIMIT_MIB}Mi` } },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts: mounts,
            },
          ],
          volumes,
        },
      },
    },
  };
}

/** Seconds the pod gets beyond Warden's drain: the audit writer's last flush, and the exit. */
const EXIT_SECONDS = 5;

/** How long Warden takes at most to drain after SIGTERM: spec.shutdown's drainDelay + timeout, in whole seconds. */
function drainSeconds(spec: GatewaySpec): number {
  return Math.ceil((durationMs(spec.shutdown.drainDelay) + durationMs(spec.shutdown.timeout)) / 1000);
}

/**
 * The audit store, when the rendered pod would keep it on its emptyDir (an
 * SQLite or JSON lines file): what the pod's deletion takes with it. None for
 * PostgreSQL, JSON lines on stdout, or no store.
 */
export function ephemeralAuditStore(spec: GatewaySpec): string | undefined {
  const { sqlite, jsonl } = spec.audit;
  if (sqlite) return `SQLite file ${sqlite}`;
  if (jsonl && jsonl !== '-') return `JSON lines file ${jsonl}`;
  return undefined;
}

/** Files Warden writes (SQLite audit, its spool): their directories need a writable volume. */
function stateFiles(spec: GatewaySpec): string[] {
  const audit = spec.audit as { sqlite?: string; spool?: { dir?: string } };
  const out: string[] = [];
  if (audit.sqlite) out.push(audit.sqlite);
  if (audit.spool?.dir) out.push(posix.join(audit.spool.dir, 'x'));
  return out;
}
