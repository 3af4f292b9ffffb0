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
