// Scaling and availability: a HorizontalPodAutoscaler on CPU between the
// minimum and maximum replicas, and a PodDisruptionBudget that lets one pod
// go at a time. Warden is stateless; Redis and PostgreSQL hold shared state.
import type { Labels, Manifest, RenderOptions } from '../manifest.js';

export function autoscaler(name: string, metadata: Manifest['metadata'], o: RenderOptions): Manifest {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata,
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      minReplicas: o.replicas,
      maxReplicas: o.maxReplicas,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
    },
  };
}

export function disruptionBudget(metadata: Manifest['metadata'], labels: Labels): Manifest {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata,
    spec: { maxUnavailable: 1, selector: { matchLabels: labels } },
  };
}
