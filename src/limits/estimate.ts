// Prompt tokens before the model has counted them: about four characters a
// token over the text Warden can read, else over the body. Only a pre-charge;
// the upstream's own count settles it.
import { requestTextFields } from '../guardrails/text-fields.js';

export function estimatePromptTokens(json: unknown, bodyBytes: number): number {
  if (json !== undefined) {
    let chars = 0;
    for (const f of requestTextFields(json)) chars += f.value.length;
    if (chars > 0) return Math.ceil(chars / 4);
  }
  return Math.ceil(bodyBytes / 4);
}

/** What an `output` (or `total`) counter reserves for a request that declares no maximum. */
export const DEFAULT_OUTPUT_RESERVE = 1024;

/**
 * Output tokens reserved before the answer: the maximum the request declares (`max_tokens`,
 * `max_completion_tokens`, `max_output_tokens`, Gemini's `generationConfig.maxOutputTokens`), else
 * DEFAULT_OUTPUT_RESERVE. Settlement replaces it with the upstream's count; without it, concurrent
 * requests would all pass an output quota before the first one settled.
 */
export function outputReserve(json: unknown): number {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return DEFAULT_OUTPUT_RESERVE;
  const o = json as Record<string, unknown>;
  const gen = o['generationConfig'];
  for (const v of [o['max_completion_tokens'], o['max_tokens'], o['max_output_tokens'], typeof gen === 'object' && gen !== null ? (gen as Record<string, unknown>)['maxOutputTokens'] : undefined]) {
    if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
  }
  return DEFAULT_OUTPUT_RESERVE;
}
