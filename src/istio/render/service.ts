// The Service in front of Warden's pods: one port per listener, named so
// that Istio picks the protocol (`grpc-…` for the gRPC ext_authz port).
import { containerPorts, type Labels, type Manifest, type Ports } from '../manifest.js';

export function service(metadata: Manifest['metadata'], labels: Labels, ports: Ports): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata,
    spec: {
      selector: labels,
      ports: containerPorts(ports).map((p) => ({
        name: p.name,
        port: p.containerPort,
        targetPort: p.name,
        protocol: 'TCP',
        appProtocol: p.name.startsWith('grpc') ? 'grpc' : 'http',
      })),
    },
  };
}
