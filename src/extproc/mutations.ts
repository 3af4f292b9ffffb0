// What Warden tells Envoy to change, as ext_proc messages: header and body
// mutations, a refusal as an immediate response, and the dynamic metadata
// Envoy's access log reads (namespace envoy.filters.http.ext_proc).
import type { RenderedError } from '../providers/errors.js';
import type { BodyMutation, CommonResponse, HeaderMutation, HeaderValueOption, ImmediateResponse, StructOut } from './proto.js';
import { FILTER_NAME } from './request.js';

/** Headers set with OVERWRITE_IF_EXISTS_OR_ADD: whatever the caller or upstream sent under the name is replaced. */
export function setHeaders(headers: Record<string, string>): HeaderValueOption[] {
  const out: HeaderValueOption[] = [];
  for (const key in headers) {
    out.push({ header: { key: key.toLowerCase(), rawValue: Buffer.from(headers[key]!, 'latin1') }, appendAction: 'OVERWRITE_IF_EXISTS_OR_ADD' });
  }
  return out;
}

export function headerMutation(set: Record<string, string>, remove: string[]): HeaderMutation | undefined {
  const setHeaders_ = setHeaders(set);
  if (!setHeaders_.length && !remove.length) return undefined;
  return { setHeaders: setHeaders_, removeHeaders: remove };
}

/** A response to a headers or body message: the mutations, or a plain CONTINUE when there are none. */
export function common(headers?: HeaderMutation, body?: BodyMutation): { response?: CommonResponse } {
  if (!headers && !body) return {};
  return { response: { ...(headers ? { headerMutation: headers } : {}), ...(body ? { bodyMutation: body } : {}) } };
}

/** Replaces a body chunk with `out`; an empty replacement clears it. */
export function replaceChunk(out: Buffer | undefined): BodyMutation {
  return out?.length ? { body: out } : { clearBody: true };
}

/** Warden's own answer, in the caller's protocol: Envoy sends it instead of forwarding (or instead of the rest of the answer). */
export function immediate(rendered: RenderedError, requestId: string, reason: string): ImmediateResponse {
  const body = Buffer.from(rendered.body);
  return {
    status: { code: rendered.status },
    // Object.assign, not `{ ...a, more }`: see makeTarget (providers/target.ts).
    headers: { setHeaders: setHeaders(Object.assign({}, rendered.headers, { 'x-request-id': requestId, 'content-length': String(body.length) })) },
    body,
    details: `warden_${reason.toLowerCase()}`,
  };
}

/** Flat string and number fields under the ext_proc filter's namespace. */
export function metadata(m: Record<string, string | number | undefined>): StructOut {
  const fields: StructOut['fields'] = {};
  for (const k in m) {
    const v = m[k];
    if (typeof v === 'string') fields[k] = { stringValue: v };
    else if (typeof v === 'number') fields[k] = { numberValue: v };
  }
  return { fields: { [FILTER_NAME]: { structValue: { fields } } } };
}
