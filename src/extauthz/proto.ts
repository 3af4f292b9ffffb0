// Envoy's ext_authz service, loaded from the shared Envoy API tree
// (../envoy-api), and the TypeScript shape of the few messages Warden reads
// and writes. Field names are proto-loader's camelCase.
import type { ServiceDefinition } from '@grpc/grpc-js';
import { loadService } from '../envoy-api/load.js';

export const EXTERNAL_AUTH_PROTO = 'envoy/service/auth/v3/external_auth.proto';

/** `envoy.service.auth.v3.Authorization`, loaded once. */
export function authorizationService(): ServiceDefinition {
  return loadService(EXTERNAL_AUTH_PROTO, 'envoy.service.auth.v3.Authorization');
}

// ------------------------------------------------------------ CheckRequest

export interface SocketAddress {
  address?: string;
  portValue?: number;
}

export interface Peer {
  address?: { socketAddress?: SocketAddress };
  service?: string;
  /** The peer's identity as Envoy authenticated it: a SPIFFE ID under Istio. */
  principal?: string;
  certificate?: string;
}

export interface HttpRequestAttributes {
  id?: string;
  method?: string;
  headers?: Record<string, string>;
  /** Sent instead of `headers` when Envoy is told to encode raw headers. */
  headerMap?: { headers?: { key: string; value?: string; rawValue?: Buffer }[] };
  /** Path with the query string. */
  path?: string;
  host?: string;
  scheme?: string;
  protocol?: string;
  /** Declared body size in bytes, -1 when unknown (int64, as a string). */
  size?: string;
  body?: string;
  rawBody?: Buffer;
}

export interface CheckRequest {
  attributes?: {
    source?: Peer;
    destination?: Peer;
    request?: { http?: HttpRequestAttributes };
    contextExtensions?: Record<string, string>;
    tlsSession?: { sni?: string };
  };
}

// ------------------------------------------------------------ CheckResponse

export interface HeaderValueOption {
  header: { key: string; value: string };
  appendAction?: 'APPEND_IF_EXISTS_OR_ADD' | 'ADD_IF_ABSENT' | 'OVERWRITE_IF_EXISTS_OR_ADD' | 'OVERWRITE_IF_EXISTS';
}

/** google.protobuf.Struct as proto-loader encodes it. */
export interface Struct {
  fields: Record<string, StructValue>;
}
export type StructValue =
  | { stringValue: string }
  | { numberValue: number }
  | { boolValue: boolean }
  | { structValue: Struct }
  | { listValue: { values: StructValue[] } };

export interface CheckResponse {
  status: { code: number; message?: string };
  okResponse?: { headers: HeaderValueOption[]; headersToRemove: string[]; queryParametersToRemove: string[] };
  deniedResponse?: { status: { code: number }; headers: HeaderValueOption[]; body: string };
  dynamicMetadata?: Struct;
}
