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
 * `max_completion_tokens`, `max_output_tokens`, Gemini's `generationConfig.maxOutputTokens`; the
 * largest when several are given), else
 * DEFAULT_OUTPUT_RESERVE. Settlement replaces it with the upstream's count; without it, concurrent
 * requests would all pass an output quota before the first one settled.
 */
export function outputReserve(json: unknown): number {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return DEFAULT_OUTPUT_RESERVE;
  const o = json as Record<string, unknown>;
  // Gemini's fields under their JSON or proto names (Vertex accepts both); the largest declared counts.
  const gen = [o['generationConfig'], o['generation_config']].filter((g): g is Record<string, unknown> => typeof g === 'object' && g !== null);
  const declared = [o['max_completion_tokens'], o['max_tokens'], o['max_output_tokens'], ...gen.flatMap((g) => [g['maxOutputTokens'], g['max_output_tokens']])]
    .filter((v): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0);
  return declared.length ? Math.max(...declared) : DEFAULT_OUTPUT_RESERVE;
}
