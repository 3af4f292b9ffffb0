// Envoy HTTP filters as istiod builds them for Warden, for test/helpers/envoy.ts.
// The input is what `warden istio render` writes (an `envoyExtAuthzGrpc` or
// `envoyExtAuthzHttp` extension provider); the output is the ext_authz filter
// istiod puts on the egress gateway for it: failure mode deny,
// status_on_error, the timeout, the request body (partial bodies allowed),
// the headers to send, to set upstream and to pass to the caller. Left out:
// `filter_enabled_metadata`, the RBAC shadow-rule matcher with which istiod
// limits the filter to the requests a CUSTOM policy selects (here: all).

export const WARDEN_GRPC_CLUSTER = 'warden-grpc';
export const WARDEN_HTTP_CLUSTER = 'warden-http';

/** Istio's `includeRequestBodyInCheck`. */
export interface IstioCheckBody {
  maxRequestBytes?: number;
  allowPartialMessage?: boolean;
  packAsBytes?: boolean;
}

interface IstioProviderCommon {
  service: string;
  port: number;
  timeout?: string;
  failOpen?: boolean;
  /** A status code as a string, Istio's way; default "403". */
  statusOnError?: string;
  includeRequestBodyInCheck?: IstioCheckBody;
}

export type IstioGrpcProvider = IstioProviderCommon;

export interface IstioHttpProvider extends IstioProviderCommon {
  pathPrefix?: string;
  includeRequestHeadersInCheck?: string[];
  headersToUpstreamOnAllow?: string[];
  headersToDownstreamOnDeny?: string[];
  headersToDownstreamOnAllow?: string[];
}

/** istiod's default provider timeout, when the provider sets none. */
const ISTIO_DEFAULT_TIMEOUT = '600s';

export function extAuthzGrpc(p: IstioGrpcProvider): object {
  return {
    name: 'envoy.filters.http.ext_authz',
    typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz',
      grpc_service: { envoy_grpc: { cluster_name: WARDEN_GRPC_CLUSTER, authority: p.service }, timeout: p.timeout ?? ISTIO_DEFAULT_TIMEOUT },
      transport_api_version: 'V3',
      ...common(p),
    },
  };
}

export function extAuthzHttp(p: IstioHttpProvider): object {
  const response: Record<string, object> = {};
  if (p.headersToUpstreamOnAllow?.length) response.allowed_upstream_headers = matchers(p.headersToUpstreamOnAllow);
  if (p.headersToDownstreamOnDeny?.length) response.allowed_client_headers = matchers(p.headersToDownstreamOnDeny);
  if (p.headersToDownstreamOnAllow?.length) response.allowed_client_headers_on_success = matchers(p.headersToDownstreamOnAllow);
  return {
    name: 'envoy.filters.http.ext_authz',
    typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz',
      http_service: {
        // istiod: the URI is required but not used by the filter; the cluster is.
        server_uri: { uri: `http://${p.service}`, cluster: WARDEN_HTTP_CLUSTER, timeout: p.timeout ?? ISTIO_DEFAULT_TIMEOUT },
        ...(p.pathPrefix ? { path_prefix: p.pathPrefix } : {}),
        ...(Object.keys(response).length ? { authorization_response: response } : {}),
      },
      transport_api_version: 'V3',
      ...(p.includeRequestHeadersInCheck?.length ? { allowed_headers: matchers(p.includeRequestHeadersInCheck) } : {}),
      ...common(p),
    },
  };
}

function common(p: IstioProviderCommon): object {
  const body = p.includeRequestBodyInCheck;
  return {
    failure_mode_allow: p.failOpen ?? false,
    status_on_error: { code: Number(p.statusOnError ?? '403') },
    ...(body
      ? { with_request_body: { max_request_bytes: body.maxRequestBytes ?? 0, allow_partial_message: body.allowPartialMessage ?? false, pack_as_bytes: body.packAsBytes ?? false } }
      : {}),
  };
}

/** istiod's header matchers: `x-*` a prefix, `*-id` a suffix, otherwise the exact name; case ignored. */
function matchers(names: string[]): object {
  return {
    patterns: names.map((n) => {
      if (n.endsWith('*')) return { prefix: n.slice(0, -1), ignore_case: true };
      if (n.startsWith('*')) return { suffix: n.slice(1), ignore_case: true };
      return { exact: n, ignore_case: true };
    }),
  };
}

/** The ext_proc form as `warden istio render` writes it, for a test Envoy: the filter and what enables it on a virtual host. */
export interface RenderedExtProc {
  /** The HTTP_FILTER patch's value, calling Warden on the test's `cluster` instead of Istio's outbound cluster. */
  filter: Record<string, any>;
  /** The VIRTUAL_HOST patch's typed_per_filter_config (the filter is disabled on the listener). */
  perFilterConfig: Record<string, object>;
  /** The BOOTSTRAP patch's runtime values. */
  runtime: Record<string, unknown>;
}

export function extProcFromEnvoyFilter(envoyFilter: Record<string, unknown>, cluster: string): RenderedExtProc {
  const patches = (envoyFilter.spec as { configPatches: unknown }).configPatches as { applyTo: string; patch: { value: Record<string, any> } }[];
  const filter = structuredClone(patches.find((p) => p.applyTo === 'HTTP_FILTER')!.patch.value);
  filter.typed_config.grpc_service.envoy_grpc.cluster_name = cluster;
  const perFilterConfig = patches.find((p) => p.applyTo === 'VIRTUAL_HOST')!.patch.value.typed_per_filter_config as Record<string, object>;
  const bootstrap = patches.find((p) => p.applyTo === 'BOOTSTRAP')!.patch.value as { layered_runtime: { layers: { static_layer: Record<string, unknown> }[] } };
  const runtime = Object.assign({}, ...bootstrap.layered_runtime.layers.map((l) => l.static_layer)) as Record<string, unknown>;
  return { filter, perFilterConfig, runtime };
}
