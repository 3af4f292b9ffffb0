// Envoy's ext_proc service, loaded from the shared Envoy API tree
// (../envoy-api), and the TypeScript shape of the messages Warden reads and
// writes. Field names are proto-loader's camelCase.
import type { ServiceDefinition } from '@grpc/grpc-js';
import { loadService } from '../envoy-api/load.js';

export const EXTERNAL_PROCESSOR_PROTO = 'envoy/service/ext_proc/v3/external_processor.proto';

/** `envoy.service.ext_proc.v3.ExternalProcessor`, loaded once. */
export function externalProcessorService(): ServiceDefinition {
  return loadService(EXTERNAL_PROCESSOR_PROTO, 'envoy.service.ext_proc.v3.ExternalProcessor');
}

// ------------------------------------------------------- ProcessingRequest

export type BodySendMode = 'NONE' | 'STREAMED' | 'BUFFERED' | 'BUFFERED_PARTIAL' | 'FULL_DUPLEX_STREAMED' | 'GRPC';

export interface HeaderValue {
  key: string;
  value?: string;
  /** Envoy sends header values here (bytes), not in `value`. */
  rawValue?: Buffer;
}

export interface HttpHeaders {
  headers?: { headers?: HeaderValue[] };
  endOfStream?: boolean;
}

export interface HttpBody {
  body?: Buffer;
  endOfStream?: boolean;
}

/** google.protobuf.Struct as proto-loader decodes it (values by kind). */
export interface Struct {
  fields?: Record<string, StructValue>;
}
export interface StructValue {
  stringValue?: string;
  numberValue?: number;
  boolValue?: boolean;
  structValue?: Struct;
  listValue?: { values?: StructValue[] };
  kind?: string;
}

export interface ProcessingRequest {
  requestHeaders?: HttpHeaders;
  responseHeaders?: HttpHeaders;
  requestBody?: HttpBody;
  responseBody?: HttpBody;
  requestTrailers?: { trailers?: { headers?: HeaderValue[] } };
  responseTrailers?: { trailers?: { headers?: HeaderValue[] } };
  /** Which of the above this message is (proto-loader's `oneofs`). */
  request?: 'requestHeaders' | 'responseHeaders' | 'requestBody' | 'responseBody' | 'requestTrailers' | 'responseTrailers';
  /** The filter's `request_attributes` / `response_attributes`, under the filter's name. */
  attributes?: Record<string, Struct>;
  observabilityMode?: boolean;
  /** Sent with the first message of a stream: how the filter is configured to send bodies. */
  protocolConfig?: {
    requestBodyMode?: BodySendMode;
    responseBodyMode?: BodySendMode;
    sendBodyWithoutWaitingForHeaderResponse?: boolean;
  };
}

// ------------------------------------------------------ ProcessingResponse

export interface HeaderValueOption {
  header: { key: string; rawValue: Buffer };
  appendAction?: 'APPEND_IF_EXISTS_OR_ADD' | 'ADD_IF_ABSENT' | 'OVERWRITE_IF_EXISTS_OR_ADD' | 'OVERWRITE_IF_EXISTS';
}

export interface HeaderMutation {
  setHeaders?: HeaderValueOption[];
  removeHeaders?: string[];
}

export type BodyMutation = { body: Buffer } | { clearBody: true };

export interface CommonResponse {
  status?: 'CONTINUE' | 'CONTINUE_AND_REPLACE';
  headerMutation?: HeaderMutation;
  bodyMutation?: BodyMutation;
}

export interface ImmediateResponse {
  /** envoy.type.v3.HttpStatus: the numeric code. */
  status: { code: number };
  headers?: HeaderMutation;
  body?: Buffer;
  /** Shown in Envoy's access log as the response code details. */
  details?: string;
}

export type ProcessingResponse = (
  | { requestHeaders: { response?: CommonResponse } }
  | { responseHeaders: { response?: CommonResponse } }
  | { requestBody: { response?: CommonResponse } }
  | { responseBody: { response?: CommonResponse } }
  | { requestTrailers: object }
  | { responseTrailers: object }
  | { immediateResponse: ImmediateResponse }
) & { dynamicMetadata?: StructOut };

/** google.protobuf.Struct as proto-loader encodes it. */
export interface StructOut {
  fields: Record<string, { stringValue: string } | { numberValue: number } | { structValue: StructOut }>;
}
