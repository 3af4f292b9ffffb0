// Verdict → Envoy's CheckResponse.
//   allow: status OK; ok_response sets Warden's upstream headers (overwriting
//          whatever the caller sent under those names) and removes the
//          caller's own credentials.
//   deny:  the error's gRPC code; denied_response carries the HTTP status,
//          headers and body the caller gets (google.rpc.Status JSON on
//          Vertex routes, OpenAI's error object on OpenAI routes).
// Both carry dynamic_metadata (namespace envoy.filters.http.ext_authz) for
// Envoy's access log: who, which policy, why.
import { GRPC_CODE } from '../errors.js';
import type { CheckMetadata, Verdict } from './check.js';
import type { CheckResponse, HeaderValueOption, Struct } from './proto.js';

export function toCheckResponse(v: Verdict): CheckResponse {
  const dynamicMetadata = toStruct(v.metadata);
  if (v.allowed) {
    return {
      status: { code: 0 },
      okResponse: {
        headers: headerOptions(v.upstreamHeaders),
        headersToRemove: v.removeHeaders,
        queryParametersToRemove: v.removeQueryParameters,
      },
      dynamicMetadata,
    };
  }
  return {
    status: { code: GRPC_CODE[v.error.code], message: v.error.message },
    deniedResponse: {
      status: { code: v.response.status },
      // Object.assign, not `{ ...a, more }`: see makeTarget (providers/target.ts).
      headers: headerOptions(Object.assign({}, v.response.headers, { 'x-request-id': v.metadata.requestId })),
      body: v.response.body,
    },
    dynamicMetadata,
  };
}

function headerOptions(headers: Record<string, string>): HeaderValueOption[] {
  return Object.entries(headers).map(([key, value]) => ({
    header: { key: key.toLowerCase(), value },
    appendAction: 'OVERWRITE_IF_EXISTS_OR_ADD',
  }));
}

function toStruct(m: CheckMetadata): Struct {
  const fields: Struct['fields'] = {};
  for (const [k, v] of Object.entries(m)) {
    if (v !== undefined) fields[k] = { stringValue: v };
  }
  return { fields };
}
