// The ext_proc form: Istio has no extension provider for ext_proc, so an
// EnvoyFilter inserts Envoy's ext_proc filter before the router on the
// egress gateway, disabled there, and a second patch enables it on the
// virtual hosts of the Vertex AI hosts and the MCP servers' only. Envoy then forwards, and streams
// each request and its answer through Warden (docs/istio.md).
//
// Processing mode, and why:
//   request headers, body STREAMED with send_body_without_waiting_for_header_response:
//     Warden holds the header answer until it has the body (up to extProc.bodyBufferBytes),
//     so that the credential and the header removals are decided on the whole request,
//     and a larger body streams on instead of being refused by Envoy's buffer.
//   response headers, body STREAMED: an SSE answer reaches the caller event by event;
//     BUFFERED would hold the whole stream (and fail one larger than Envoy's buffer).
//   trailers SEND: a body that ends with trailers still ends for Warden, which records then.
//
// And one runtime flag (a BOOTSTRAP patch; it applies when the gateway's proxy
// starts): ext_proc_graceful_grpc_close. Without it Envoy resets each stream
// (RST_STREAM) once it has the last answer; the HTTP/2 library under Node
// takes more than 1,000 resets, then 33 a second, on one connection for a
// rapid-reset attack and closes the connection, failing the calls in flight
// on it (500). With it Envoy closes each stream, and Warden closes its side
// after its last answer.
import type { ExtProcSpec } from '../../config/schema.js';
import { durationMs } from '../../config/schema.js';
import { REQUEST_ATTRIBUTES, FILTER_NAME } from '../../extproc/request.js';
import type { Manifest, RenderOptions } from '../manifest.js';
import { wardenLabels } from '../manifest.js';

/** Envoy's wait for each answer: Warden's own admission deadline, and a second for the network and a loaded pod. */
function messageTimeout(spec: ExtProcSpec): string {
  return `${(durationMs(spec.timeout) + 1000) / 1000}s`;
}

/** The HTTP filter: Envoy's ext_proc, calling Warden on `cluster`. */
export function extProcFilter(cluster: string, spec: ExtProcSpec, o: { disabled?: boolean } = {}): Record<string, unknown> {
  return {
    name: FILTER_NAME,
    ...(o.disabled ? { disabled: true } : {}),
    typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor',
      grpc_service: { envoy_grpc: { cluster_name: cluster } },
      // Fail closed: Warden unreachable, slow or broken means the call is refused (500, 504 for a timeout).
      failure_mode_allow: false,
      message_timeout: messageTimeout(spec),
      processing_mode: {
        request_header_mode: 'SEND',
        request_body_mode: 'STREAMED',
        request_trailer_mode: 'SEND',
        response_header_mode: 'SEND',
        response_body_mode: 'STREAMED',
        response_trailer_mode: 'SEND',
      },
      send_body_without_waiting_for_header_response: true,
      request_attributes: [...REQUEST_ATTRIBUTES],
      // Warden's decision, reason and token usage, for the access log.
      metadata_options: { receiving_namespaces: { untyped: [FILTER_NAME] } },
    },
  };
}

/** Envoy runtime values the filter needs: streams closed, not reset (see above). */
export const EXT_PROC_RUNTIME: Readonly<Record<string, boolean>> = { 'envoy.reloadable_features.ext_proc_graceful_grpc_close': true };

/** What enables the filter on a route or virtual host (it is disabled on the listener). */
export function extProcEnabled(): Record<string, object> {
  return { [FILTER_NAME]: { '@type': 'type.googleapis.com/envoy.config.route.v3.FilterConfig', config: {} } };
}

export function extProcEnvoyFilter(serviceHost: string, port: number, hosts: string[], spec: ExtProcSpec, o: RenderOptions, name: string): Manifest {
  const cluster = `outbound|${port}||${serviceHost}`;
  return {
    apiVersion: 'networking.istio.io/v1alpha3',
    kind: 'EnvoyFilter',
    metadata: { name: `${name}-ext-proc`, namespace: o.egressNamespace, labels: wardenLabels(name) },
    spec: {
      workloadSelector: { labels: o.egressSelector },
      configPatches: [
        {
          applyTo: 'HTTP_FILTER',
          match: { context: 'GATEWAY', listener: { filterChain: { filter: { name: 'envoy.filters.network.http_connection_manager', subFilter: { name: 'envoy.filters.http.router' } } } } },
          patch: { operation: 'INSERT_BEFORE', value: extProcFilter(cluster, spec, { disabled: true }) },
        },
        {
          applyTo: 'BOOTSTRAP',
          patch: { operation: 'MERGE', value: { layered_runtime: { layers: [{ name: 'warden-ext-proc', static_layer: { ...EXT_PROC_RUNTIME } }] } } },
        },
        // On for the Vertex AI and MCP hosts only: other traffic through the gateway never reaches Warden.
        ...hosts.map((host) => ({
          applyTo: 'VIRTUAL_HOST',
          match: { context: 'GATEWAY', routeConfiguration: { vhost: { name: `${host}:80` } } },
          patch: { operation: 'MERGE', value: { typed_per_filter_config: extProcEnabled() } },
        })),
      ],
    },
  };
}
