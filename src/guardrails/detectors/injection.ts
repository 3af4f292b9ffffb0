// Prompt-injection signals. A HEURISTIC: each signal is a pattern that
// attacks commonly use, with a weight; the score combines the weights that
// fired (noisy-OR: 1 − Π(1 − w)) and is compared with a threshold. It catches
// the usual phrasings and hidden-text tricks, not a determined adversary.
// The `InjectionClassifier` interface is the plug for a better one (an
// external model); Warden awaits it, so it may call out.

export interface InjectionVerdict {
  /** 0..1 */
  score: number;
  /** Names of the signals that fired. */
  signals: string[];
}

export interface InjectionClassifier {
  readonly name: string;
  classify(texts: readonly string[]): InjectionVerdict | Promise<InjectionVerdict>;
}

interface Signal {
  name: string;
  weight: number;
  test(text: string): boolean;
}

const pattern = (name: string, weight: number, re: RegExp): Signal => ({ name, weight, test: (t) => re.test(t) });

const BASE64_RUN = /[A-Za-z0-9+/]{60,}={0,2}/g;

/** A long base64 run that decodes to mostly printable text: instructions smuggled past a reader. */
function hiddenBase64(text: string, inner: readonly Signal[]): boolean {
  BASE64_RUN.lastIndex = 0;
  for (let m = BASE64_RUN.exec(text); m !== null; m = BASE64_RUN.exec(text)) {
    const decoded = Buffer.from(m[0], 'base64').toString('utf8');
    let printable = 0;
    for (let i = 0; i < decoded.length; i++) {
      const c = decoded.charCodeAt(i);
      if ((c >= 32 && c < 127) || c === 10) printable++;
    }
    if (decoded.length > 0 && printable / decoded.length > 0.95 && inner.some((s) => s.test(decoded))) return true;
  }
  return false;
}

const PHRASES: readonly Signal[] = [
  pattern(
    'ignore_instructions',
    0.7,
    /\b(?:ignore|disregard|forget|override|bypass)\b[^.\n]{0,40}\b(?:previous|prior|above|earlier|preceding|all|any|system|your|the)\b[^.\n]{0,30}\b(?:instructions?|prompts?|rules|directions|guidelines|constraints)\b/i,
  ),
  pattern(
    'reveal_system_prompt',
    0.6,
    /\b(?:reveal|show|print|repeat|output|display|leak|tell me|give me)\b[^.\n]{0,40}\b(?:system prompt|system message|initial (?:prompt|instructions)|hidden (?:prompt|instructions)|(?:your|the) (?:original |secret )?instructions)\b/i,
  ),
  pattern(
    'role_play_jailbreak',
    0.5,
    /\b(?:do anything now|DAN mode|developer mode|jailbreak(?:ed)?|you are no longer|you are now (?:an? )?(?:unfiltered|uncensored|unrestricted)|pretend (?:that )?you (?:are|have) no|without (?:any )?(?:restrictions|filters|limitations|guidelines)|act as (?:an? )?(?:unfiltered|uncensored|unrestricted))\b/i,
  ),
  pattern('fake_system_turn', 0.35, /(?:^|\n)\s*(?:#{1,3}\s*)?(?:system|assistant)\s*:|<\/?(?:system|im_start|im_end)>|\[\/?INST\]|\bnew (?:system )?instructions?\s*:/i),
];

const HIDDEN: readonly Signal[] = [
  // Unicode tag characters (U+E0000–U+E007F) render as nothing and can spell out ASCII.
  pattern('unicode_tags', 0.6, /[\u{E0000}-\u{E007F}]/u),
  { name: 'invisible_text', weight: 0.3, test: (t) => (t.match(/[\u200B-\u200D\u2060\u2062-\u2064\uFEFF]/g)?.length ?? 0) >= 3 },
  pattern('bidi_override', 0.3, /[\u202A-\u202E\u2066-\u2069]/),
  { name: 'encoded_instructions', weight: 0.6, test: (t) => t.length >= 60 && hiddenBase64(t, PHRASES) },
];

const SIGNALS: readonly Signal[] = [...PHRASES, ...HIDDEN];

export const heuristicClassifier: InjectionClassifier = {
  name: 'heuristic',
  classify(texts) {
    const fired = new Set<string>();
    let keep = 1;
    for (const s of SIGNALS) {
      if (texts.some((t) => s.test(t))) {
        fired.add(s.name);
        keep *= 1 - s.weight;
      }
    }
    return { score: Math.round((1 - keep) * 1000) / 1000, signals: [...fired] };
  },
};
