// The evaluation corpus (test/guardrails/corpus/): cases written from public
// format specifications (vendor token formats, national numbering plans, ISO
// 13616, ISO/IEC 7812) and published attack styles, not from Warden's
// detector list. bench/guardrails-corpus.ts measures recall per category and
// the false-positive rate; corpus-eval.test.ts holds the targets.

export type Category =
  | 'pii'
  | 'secret-documented'
  | 'secret-other'
  | 'injection-en'
  | 'injection-i18n'
  | 'injection-obfuscated'
  | 'negative';

export interface Case {
  category: Category;
  text: string;
  /** pii / secret: the sensitive value inside `text`, which a finding must cover. */
  value?: string;
  /** Free label (kind of value, language, attack style) for the per-kind breakdown. */
  kind: string;
  /** Written apart from the tuned-on cases and never tuned against. */
  heldOut?: boolean;
  /** Which held-out set: 1, written with the first detectors; 2, written before the injection detector was made general; 3, written after it was tuned on the fourth batch. */
  round?: number;
  /** The file a tuned-on batch came from (`general-4`…), to measure a new batch before tuning on it. */
  batch?: string;
}

export const c = (category: Category, kind: string, text: string, value?: string): Case => (value === undefined ? { category, kind, text } : { category, kind, text, value });
