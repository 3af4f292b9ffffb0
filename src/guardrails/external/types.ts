// External guardrails (Model Armor, HTTP guardrail services) answer with the
// same findings as the built-in detectors: a type, a category, and where in
// the checked texts. The session applies the request's actions to them.
import type { Category } from '../detectors/types.js';

export interface ExternalFinding {
  type: string;
  category: Category;
  /** Index of the text it is in (the texts a check was given), and its span there; absent: the whole check. */
  text?: number;
  start?: number;
  end?: number;
}

export interface ExternalVerdict {
  findings: ExternalFinding[];
  /** The service wants the request refused, whatever the actions say. */
  block?: boolean;
  /** Replacement texts by index (a service that redacts itself). */
  rewritten?: Map<number, string>;
}

export type Direction = 'request' | 'response';
