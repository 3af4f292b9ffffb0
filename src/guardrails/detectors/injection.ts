// Prompt-injection signals. A HEURISTIC: each signal is a pattern that
// attacks commonly use, with a weight; the score combines the weights that
// fired (noisy-OR: 1 − Π(1 − w)) and is compared with a threshold. The text is
// first brought back to what a reader sees (normalize.ts: invisible
// characters, full-width and look-alike letters), and read again as leetspeak,
// spaced-out letters, ROT13, reversed, and with encoded runs decoded; phrases
// are known in English and eighteen other languages (injection-phrases.ts).
// It catches the usual phrasings, hidden-text tricks and chat-template
// forgeries, not a determined adversary. The `InjectionClassifier` interface
// is the plug for a better one (an external model); Warden awaits it, so it
// may call out.
//
// Cost: prose is scanned once for anchor words (anchors.ts: the objects of
// injections — instructions, rules, prompt, restrictions… in every language —
// and template markers); a group's phrase patterns run only on the text
// around its own anchors.
import { AnchorIndex, type Scan } from './anchors.js';
import { DISCUSSION, INTENT_ANCHORS, INTENT_GROUP, intentSignals, UNDAMPED } from './injection-intent.js';
import { LANGUAGES, MOVES, type Language } from './injection-phrases.js';
import { STRUCTURE_ANCHORS, STRUCTURE_GROUP, structureSignals } from './injection-structure.js';
import { decodedRuns, fold, REVERSED_WORDS, SHIFTED_WORDS, variants } from './normalize.js';

export interface InjectionVerdict {
  /** 0..1 */
  score: number;
  /** Names of the signals that fired. */
  signals: string[];
}

export interface InjectionClassifier {
  readonly name: string;
  /** `sources[i]` says where texts[i] came from: `tool` for a tool's result (indirect injection). */
  classify(texts: readonly string[], sources?: readonly ('tool' | undefined)[]): InjectionVerdict | Promise<InjectionVerdict>;
}

/** Where a signal looks and how much it weighs. */
interface Signal {
  name: string;
  weight: number;
  test(window: string): boolean;
}

const re = (name: string, weight: number, pattern: RegExp): Signal => ({ name, weight, test: (t) => pattern.test(t) });
const words = (list: readonly string[]) => list.join('|');
const GAP = (n: number) => `[^.!?;\\n。！？]{0,${n}}?`;

// ------------------------------------------------------------------ English


const ENGLISH: Signal[] = [
  re('reveal_system_prompt', 0.7, /\bwhat (?:are|were|is|was) (?:your|the) (?:original|initial|hidden|system|secret|exact|full) (?:instructions|prompt|rules|message)\b/),
  re('reveal_system_prompt', 0.7, /\brepeat (?:the |all )?(?:words|text|everything|lines?) above\b[^\n]{0,40}\b(?:starting|verbatim|word for word|include|code block|txt|everything)|\b(?:everything|all|the text|anything)\b[^.!?\n]{0,30}\b(?:before|above) (?:my|this|the) (?:first |initial )?(?:message|prompt|question|input|turn)\b|\b(?:top|beginning|start) of (?:this|the) (?:conversation|chat|context)\b[^\n]{0,60}\b(?:quote|print|repeat|say|show|output|what)|\b(?:rules?|instructions?) (?:you were|you've been|you have been) given\b|\bprompt the developers?\b|\bthe developers? (?:configured|gave|set up) you with\b/),
  re('authority_claim', 0.45, /\bpriority override\b|\b(?:approved|authori[sz]ed|cleared|signed off) by (?:trust (?:&|and) safety|the (?:safety|security|ethics|compliance|admin|trust|ai|legal) (?:team|board|office|committee)|the ethics board|openai|anthropic|google|your (?:developers?|creators?|operators?|admins?)|the (?:developers?|operators?))\b|\bi am (?:your|the) (?:administrator|admin|developer|creator|owner|operator|system|programmer|maker)\b|\b(?:developers?|creators?|openai|anthropic|google|admins?|administrators?) (?:have|has) (?:authori[sz]ed|approved|allowed|permitted|cleared)\b|\badmin(?:istrator)? clearance\b|\bsystem override\b|\boverride code\b|\broot access granted\b/),
  re('persona_play', 0.35, /\b(?:stay|remain|stays|staying) in character\b|\bnever (?:breaks?|leaves?|drops?) (?:character|(?:the |their |his |her )?role)\b|\bnever (?:refuses?|says? no|declines?)\b|\b(?:must not|cannot|can't|won't|will never) refuse\b|\bwithout (?:refusing|question|disclaimers)\b|\bobey every (?:command|request|order)\b|\bcomply with every request\b|\byou are no longer (?:an? )?(?:ai|assistant|chatgpt|gpt|claude|gemini|bound|limited|restricted)\b/),
  re('dual_response', 0.35, /\b(?:respond|answer|reply) (?:twice|in two ways|both as)\b|\bfirst as yourself\b/),
  re('opposite_rules', 0.5, /\b(?:does|do|doing) the opposite of (?:your|its|the|all) (?:rules|guidelines|instructions|programming|policies)\b/),
  re('addressed_instruction', 0.6, /(?:^|[\s"'{:(\[])(?:assistant|ai|model|agent|chatbot|claude|gemini|chatgpt|gpt|copilot),\s+(?:please\s+)?(?:ignore|disregard|forget|run|execute|call|delete|send|forward|now|stop|override)\b/),
  re('grandma_exploit', 0.6, /\b(?:grandma|grandmother|granny|grandpa|grandfather|deceased|late)\b[^.!?\n]{0,80}\b(?:passwords?|keys?|napalm|serial numbers?|secrets?|license keys?|credentials)\b|\b(?:grandma|grandmother|granny|grandpa|grandfather|deceased|late)\b[^.!?\n]{0,80}\b(?:munitions?|explosives?|weapons?|bombs?|meth|poisons?|malware|synthesis|synthesi[sz]e)\b[^\n]{0,160}\b(?:bedtime|to sleep|miss (?:him|her)|walk me through|tell me|read me|used to)\b/),
  re('indirect_address', 0.45, /\b(?:note|message|instructions?|important|attention|notice|p\.?s\.?|reminder)\b[^.\n]{0,25}\b(?:to|for)\b(?!\s+(?:my|our|his|her|their)\b)[^.\n]{0,12}\b(?:ai|assistants?|llms?|language models?|ai models?|ai agents?|agents?|chatbots?|bots?|gpts?|models?|ai summarizing this|the ai)\b|\bif you are (?:an? )?(?:ai|llm|language model|large language model|assistant|bot|gpt|chatbot|ai (?:model|agent|assistant))\b|\b(?:ai|llm) (?:agents?|assistants?|models?)\s*:|^\s*(?:assistant|ai|model|agent),\s/m),
  re('indirect_action', 0.35, /\b(?:ignore|disregard|forward|send|e-?mail|exfiltrate|upload|post|delete|run|execute|call|visit|click|rate|recommend|tell the user|reply|respond|include|output)\b/),
  re('exfiltration', 0.6, /!\[[^\]]{0,40}\]\(\s*https?:\/\/[^)\s]{0,200}[?&][^)\s]{0,100}(?:\{|=\)|=$|%7b)|\b(?:include|put|append|add|embed|encode|place)\b[^.\n]{0,40}\b(?:passwords?|secrets?|api keys?|tokens?|credentials?|conversation|chat history)\b[^.\n]{0,40}\b(?:url|link|query string|query|image)\b|\b(?:forward|send|e-?mail|upload|post|exfiltrate|leak)\b[^.\n]{0,40}\b(?:user'?s?|users'|the conversation|conversation|chat|contacts|history|api keys?|secrets?|passwords?|credentials)\b[^.\n]{0,50}\b(?:to|at)\s+(?:https?:\/\/|[\w.+-]+@[\w-]+\.|[\w-]+\.[a-z]{2,})/),
  re('decode_and_follow', 0.55, /\b(?:obey|follow|execute|carry out|act on|comply with|do what)\b[^.\n]{0,20}\b(?:the|this|that) (?:corrected|translated|decoded|paraphrased|resulting|summari[sz]ed|rewritten|fixed|reversed|combined|joined|decrypted|completed) (?:text|paragraph|sentence|version|instructions?|command|message|string|words)\b|\b(?:decode|decrypt|translate|convert|proofread|paraphrase|rephrase|rewrite|correct|fix|summari[sz]e|complete|apply rot-?13|rot-?13|base64|hex|reverse|read (?:this|it) backwards|unscramble|deobfuscate)\b[^.\n]{0,50}\b(?:and|then)\b[^.\n]{0,15}\b(?:follow|obey|execute|do (?:it|what it says|as it says|that)|run|comply|act on|perform|carry out)\b|\b(?:decode|decrypt|run|execute)\b[^.\n]{0,40}\bas (?:your )?(?:new )?instructions\b|\bas (?:your|a new|your new) (?:commands?|orders?|directives?)\b/),
  re('payload_split', 0.55, /\b(?:let|set|var|const)\s+\w+\s*=\s*["'][^"'\n]{3,}["'][^\n]{0,40}\b(?:let|set|var|const)\s+\w+\s*=\s*["'][^"'\n]{3,}["'][^\n]{0,80}\b(?:do|follow|execute|run|obey|say)\b[^.\n]{0,30}\w\s*\+\s*\w/),
];

// A turn header: a role and a colon, then text or a new line (not a value in code: `model: 'x'`, `input: [`).
const TURN = /(?:^|\n)[ \t]*(?:#{1,4}[ \t]*|>[ \t]*)?(?:\*\*|__)?(system|assistant|user|human|ai|bot|chatbot|instruction|instructions|response|input|developer|model)[ \t]*:(?:\*\*|__)?(?![ \t]*['"`{[\d(])/g;

// Chat-template control tokens and forged turns: structure, read anywhere in the text.
const TEMPLATE: Signal[] = [
  re('template_tokens', 0.6, /<\|(?:im_start|im_end|im_sep|system|user|assistant|endoftext|begin_of_text|end_of_text|start_header_id|end_header_id|eot_id|eom_id|fim_prefix|fim_middle|fim_suffix)\|>|\[\/?inst\]|<<\/?sys>>|<(?:start|end)_of_turn>|<\/s>\s*<s>/),
  re('fake_system_turn', 0.35, /(?:^|\n)\s*(?:#{1,4}\s*)?(?:system|assistant|human|developer)\s*:|(?:^|\n)\s*#{2,4}\s*(?:instruction|instructions|response|input)\s*:?\s*(?:\n|$)|<\/?(?:system|im_start|im_end)(?:[_-][a-z]+)?(?:\s[^>\n]{0,60})?>/),
  re('fake_system_message', 0.5, /<[a-z][\w-]*\s[^>\n]{0,40}\brole\s*=\s*["']?(?:system|operator|developer|admin)\b|\[(?:system|assistant|developer|admin)\]\(#[^)\n]*\)|\[(?:system|admin|developer)(?: (?:message|note|notice|override))?\]\s*:|(?:^|\n)\s*#{2,}\s*(?:system|instructions?|admin|developer)\s*#*\s*(?:\n|$)|<\/(?:user_?input|user|context|document|data|input|query|email|page)>\s*<(?:system|instructions?|admin|developer)>|\b(?:system|admin|administrator|developer|root)\s+(?:message|note|notice|override|instruction|prompt|update|alert)\s*:|(?:^|\n)[ \t]*[-=#*\[(<]*[ \t]*end of (?:the )?(?:user )?(?:input|prompt|message|conversation|document|context|email|data)[ \t]*[-=#*\])>.:!]*[ \t]*(?:\n|$)|"role"\s*:\s*"(?:system|developer)"\s*,\s*"content"\s*:\s*"/),
  re('fake_assistant_reply', 0.3, /(?:^|\n)\s*(?:assistant|ai|model)\s*:\s*(?:sure|okay|ok|certainly|of course|yes|understood)\b/),
  // Two or more turn headers of different roles inside one message: a forged conversation.
  {
    name: 'fake_conversation',
    weight: 0.55,
    test: (t) => {
      const roles = new Set<string>();
      TURN.lastIndex = 0;
      for (let m = TURN.exec(t); m !== null; m = TURN.exec(t)) roles.add(m[1]!);
      return roles.size >= 2;
    },
  },
];

// ------------------------------------------------------------------ other languages

interface Compiled {
  code: string;
  override: RegExp;
  reveal: RegExp;
  unrestricted: RegExp;
  qualifier?: RegExp;
  persona: RegExp;
  nullify?: RegExp;
  yours?: RegExp;
  prior?: RegExp;
  refuse?: RegExp;
  modes?: RegExp;
  address?: RegExp;
  send?: RegExp;
  answer?: RegExp;
  ignoreAbove?: RegExp;
  safetyOff?: RegExp;
  authority?: RegExp;
  named?: RegExp;
  /** The language's own switches of identity (its persona list also holds words like `ai` and `model`). */
  pretend?: RegExp;
}

/** Whole words in languages written with spaces (a possessive such as `tu` is not the start of `tutorial`). */
const whole = (spaced: boolean, list: readonly string[]) =>
  new RegExp(list.map((w) => (spaced && /^[\p{L}\p{M}]/u.test(w) ? `(?<![\\p{L}\\p{M}])${w}` : w) + (spaced && /[\p{L}\p{M}]$/u.test(w) ? '(?![\\p{L}\\p{M}])' : '')).join('|'), 'u');
const anyOf = (list: readonly string[]) => new RegExp(words(list), 'u');

/** Words that start where a word starts (verbs, qualifiers: `unut` is not inside `unutar`); objects may end compounds (`Sicherheitsregeln`). */
const starts = (spaced: boolean, list: readonly string[]) => (spaced ? list.map((w) => (/^[\p{L}\p{M}]/u.test(w) ? `(?<![\\p{L}\\p{M}])${w}` : w)) : list).join('|');

function compile(l: Language): Compiled {
  const v = starts(l.spaced, l.verbs);
  const o = words(l.objects);
  const gap = GAP(l.spaced ? 60 : 20);
  const m = MOVES[l.code];
  const near = GAP(l.spaced ? 50 : 20);
  return {
    code: l.code,
    override: new RegExp(`(?:${v})${gap}(?:${o})|(?:${o})${gap}(?:${v})`, 'u'),
    reveal: new RegExp(`(?:${words(l.reveal)})${gap}(?:${words(l.targets)})|(?:${words(l.targets)})${gap}(?:${words(l.reveal)})`),
    unrestricted: new RegExp(`(?:${words(l.unrestricted)})`),
    qualifier: l.qualifiers.length ? new RegExp(`(?:${starts(l.spaced, l.qualifiers)})`, 'u') : undefined,
    persona: whole(l.spaced, [...l.persona, ...(m?.pretend ?? [])]),
    ...(m && {
      nullify: new RegExp(`(?:${o})${near}(?:${words(m.nullify)})|(?:${words(m.nullify)})${near}(?:${o})`, 'u'),
      yours: whole(l.spaced, m.yours),
      prior: anyOf(m.prior),
      refuse: anyOf(m.refuse),
      modes: whole(l.spaced, m.modes),
      address: anyOf(m.address),
      send: whole(l.spaced, m.send),
      answer: whole(l.spaced, m.answer),
      ignoreAbove: new RegExp(`(?:${v})${near}(?:${words(m.above)})|(?:${words(m.above)})${near}(?:${v})`, 'u'),
      safetyOff: new RegExp(`(?:${starts(l.spaced, m.disable)})${near}(?:${words(m.safety)})|(?:${words(m.safety)})${near}(?:${starts(l.spaced, m.disable)})`, 'u'),
      authority: anyOf(m.authority),
      pretend: whole(l.spaced, m.pretend),
      named: /(?<![\p{L}])(?:dan|stan|dude|aim|jailbreak|developer mode)(?![\p{L}])/u,
    }),
  };
}

const COMPILED = LANGUAGES.map(compile);
// Where data is sent: a URL, an e-mail address or a domain name, in any language.
const DESTINATION = /https?:\/\/|[\w.+-]+@[\w-]+\.[a-z]|\b[\w-]+\.(?:example|com|net|org|io|xyz|ru|cn|de|fr|es|site|top|info)\b/;

/** A note that opens with an AI's name in another language, then a colon: "Asistente: …", "Assistant IA : …", "KI-Assistent: …". */
const VOCATIVE_I18N = /(?:^|[\n>"'(\[{]|\/\/|<!--|#)\s*(?:(?:ai|ia|ki|ии)[ -])?(?:asistentes?|assistentes?|assistent(?:en)?|asystent(?:ie)?|ассистент|асистент|agente|assistant[ -](?:ia|ai|ki)|ии-ассистент)(?:[ -](?:de |di |d')?(?:ia|ai|ki|ии))?\s*[:：]\s*\S/u;

/** One language's signals on its windows (the qualifier is looked for around the match, before and after it). */
function languageSignals(l: Compiled, window: string, fired: Map<string, number>): void {
  // One signal of a kind across languages: Spanish and Portuguese share words, and must not count twice.
  const set = (name: string, w: number) => {
    for (const [k, v] of fired) {
      if (k.length === name.length + 3 && k.startsWith(`${name}_`)) {
        if (v >= w) return;
        fired.delete(k);
      }
    }
    fired.set(`${name}_${l.code}`, w);
  };
  const m = l.override.exec(window);
  if (m && (!l.qualifier || l.qualifier.test(window.slice(Math.max(0, m.index - 40), m.index + m[0].length + 30)))) set('ignore_instructions', 0.75);
  if (l.reveal.test(window)) set('reveal_system_prompt', 0.7);
  if (l.unrestricted.test(window) && l.persona.test(window)) set('unrestricted_persona', 0.65);
  if (!l.nullify) return;
  // The rules voided: the model's own weigh most, earlier ones less, anyone's little.
  const v = l.nullify.exec(window);
  if (v) {
    const around = window.slice(Math.max(0, v.index - 40), v.index + v[0].length + 20);
    set(l.yours!.test(around) ? 'instructions_void' : 'instructions_void_weak', l.yours!.test(around) ? 0.7 : l.prior!.test(around) ? 0.45 : 0.3);
  }
  if (l.refuse!.test(window)) set('refusal_suppression', 0.5);
  if (l.ignoreAbove!.test(window)) set('ignore_instructions', 0.7);
  if (l.safetyOff!.test(window)) set('safety_disabled', 0.55);
  if (l.authority!.test(window)) set('authority_claim', 0.45);
  if (l.pretend!.test(window) && l.named!.test(window)) set('named_persona', 0.35);
  if (l.modes!.test(window)) set('mode_switch', 0.45);
  if (l.answer!.test(window) && l.unrestricted.test(window)) set('unrestricted_answer', 0.45);
  const sends = l.send!.test(window) && DESTINATION.test(window);
  if (sends) set('send_to_address', 0.35);
  const address = l.address!.exec(window) ?? VOCATIVE_I18N.exec(window);
  if (address) {
    set('indirect_address', 0.45);
    // What follows a note's colon is its order: "Hinweis an die KI: ignoriere …".
    if (sends || fired.size > 1 || /^[^\n]{0,60}?[:：]\s*\p{L}{2,}[\s,]+\p{L}/u.test(window.slice(address.index + address[0].length))) set('indirect_instruction', 0.35);
  }
}

// ------------------------------------------------------------------ anchors

// The words injections are made of, in every language, and structure markers: only the text around
// them is read closely, and only by the signals of the group (English, template, a language) that
// the anchor belongs to.
const ENGLISH_ANCHORS = [
  'instruct', 'prompt', 'rules', 'guideline', 'guidance', 'constraint', 'restrict', 'filter', 'polic', 'directive', 'programming', 'system', 'mode', 'jailbr',
  'anything', 'censor', 'limit', 'ethic', 'moral', 'safety', 'safeguard', 'guardrail', 'character', 'refus', 'grandm', 'grandf', 'grandp', 'granny', 'deceased', 'password', 'secret', 'confidential',
  'developer', 'admin', 'override', 'supersede', 'assistant', 'ai', 'llm', 'llms', 'gpt', 'chatgpt', 'claude', 'gemini', 'copilot', 'chatbot', 'language', 'agent', 'agents', 'model', 'models',
  'decode', 'decrypt', 'rot13', 'rot', 'base64', 'hex', 'backwards', 'reverse', 'unscramble', 'proofread', 'paraphras', 'rephras', 'follow', 'execut', 'everything', 'above', 'told', 'task', 'conversation', 'history', 'contacts',
  'credential', 'token', 'api', 'twice', 'opposite', 'unfilter', 'uncensor', 'unrestrict', 'unlimited', 'amoral', 'unethical', 'unaligned', 'freed', 'liberated', 'clearance', 'authori',
  'obey', 'comply', 'longer', 'given', 'configur', 'context', 'message', 'orders', 'commands', 'dan', 'stan', 'top', 'beginning', 'let', 'var', 'const', 'new', 'real', 'only',
  '![', 'http',
];
const TEMPLATE_ANCHORS = ['[system]', '[assistant]', '[developer]', '</', '<|', '[inst', '[/inst', '<<sys', '<</sys', '_of_turn', '</s>', '#', '"role"', 'system', 'assistant', 'human', 'user', 'developer', 'instruction', 'response', 'input', 'model', 'end', 'admin', 'root'];

/** A language's phrases that mark where to read: its objects and targets, and the moves that need no object. */
function anchorPhrases(l: Language): string[] {
  const m = MOVES[l.code];
  return [...l.objects, ...l.targets, ...l.unrestricted, ...(m ? [...m.refuse, ...m.modes, ...m.address, ...m.above, ...m.safety, ...m.authority] : [])];
}

function literalWords(pattern: string): string[] {
  return pattern.match(/[\p{L}\p{M}][\p{L}\p{M}-]{2,}/gu) ?? [];
}

const ANCHORS = new AnchorIndex([
  ...ENGLISH_ANCHORS.map((w) => [w, 'en'] as const),
  ...TEMPLATE_ANCHORS.map((w) => [w, 'tpl'] as const),
  ...INTENT_ANCHORS.map((w) => [w, INTENT_GROUP] as const),
  ...STRUCTURE_ANCHORS.map((w) => [w, STRUCTURE_GROUP] as const),
  ...SHIFTED_WORDS.map(([w, k]) => [w, `shift${k}`] as const),
  ...REVERSED_WORDS.map((w) => [w, 'reversed'] as const),
  ...LANGUAGES.flatMap((l) => anchorPhrases(l).flatMap(literalWords).map((w) => [w, l.code] as const)),
  // CJK objects are whole phrases without spaces: anchored by the phrase itself.
  ...LANGUAGES.filter((l) => !l.spaced).flatMap((l) => anchorPhrases(l).flatMap((w) => w.match(/[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]+/g) ?? []).map((w) => [w, l.code] as const)),
]);
/** Characters kept on each side of an anchor. */
const REACH = 160;

/** For each group hit, the parts of `t` around its anchors, joined; and what the anchor pass noticed. */
export function windows(t: string): { groups: Map<string, string>; scan: Scan } {
  const ranges = new Map<string, number[]>();
  const scan = ANCHORS.find(t);
  for (const h of scan.hits) {
    if (h.group === INTENT_GROUP || h.group === STRUCTURE_GROUP) continue; // read by injection-intent.ts and injection-structure.ts themselves
    const a = Math.max(0, h.at - REACH);
    const b = Math.min(t.length, h.at + REACH);
    const r = ranges.get(h.group);
    if (!r) ranges.set(h.group, [a, b]);
    else if (a <= r[r.length - 1]!) r[r.length - 1] = Math.max(r[r.length - 1]!, b);
    else r.push(a, b);
  }
  const out = new Map<string, string>();
  for (const [g, r] of ranges) {
    // Hits arrive in order per kind (words, then markers): sort the ranges before joining.
    const pairs: [number, number][] = [];
    for (let i = 0; i < r.length; i += 2) pairs.push([r[i]!, r[i + 1]!]);
    pairs.sort((x, y) => x[0] - y[0]);
    let text = '';
    let end = -1;
    for (const [a, b] of pairs) {
      if (a < end) {
        if (b > end) text += t.slice(end, b);
      } else text += `${text ? '\n' : ''}${t.slice(a, b)}`;
      end = Math.max(end, b);
    }
    out.set(g, text);
  }
  return { groups: out, scan };
}

/**
 * Phrase signals of a folded text; returns the anchor groups it hit and what the anchor pass noticed.
 * `raw`: the text as written, when it lines up with `t` character for character.
 */
function phraseSignals(t: string, fired: Map<string, number>, raw?: string): { groups: ReadonlyMap<string, string>; scan: Scan } {
  const { groups, scan } = windows(t);
  const en = groups.get('en');
  if (en) {
    const discussion = DISCUSSION.test(en);
    for (const s of ENGLISH) {
      if (s.name === 'indirect_action') continue;
      if (!fired.has(s.name) && s.test(en)) fired.set(s.name, discussion && !UNDAMPED.has(s.name) ? s.weight * 0.4 : s.weight);
    }
    if (fired.has('indirect_address') && ENGLISH.find((s) => s.name === 'indirect_action')!.test(en)) fired.set('indirect_instruction', 0.35);
  }
  // The intent signals weigh discussion sentence by sentence themselves.
  const intent = new Map<string, number>();
  intentSignals(t, scan.hits, intent, raw);
  structureSignals(t, scan.hits, intent);
  for (const [k, w] of intent) if ((fired.get(k) ?? 0) < w) fired.set(k, w);
  const tpl = groups.get('tpl');
  if (tpl) for (const s of TEMPLATE) if (!fired.has(s.name) && s.test(tpl)) fired.set(s.name, s.weight);
  for (const l of COMPILED) {
    const w = groups.get(l.code);
    if (!w) continue;
    const before = fired.size;
    languageSignals(l, w, fired);
    if (fired.size > before && DISCUSSION.test(w)) for (const [k, v] of fired) if (k.endsWith(`_${l.code}`)) fired.set(k, v * 0.4);
  }
  return { groups, scan };
}

// ------------------------------------------------------------------ hidden text

const NON_ASCII = /[^\x00-\x7f]/;
const TAG_CHARS = /[\u{E0000}-\u{E007F}]/u;
const INVISIBLES = /[\u200B-\u200D\u2060\u2062-\u2064\uFEFF]/g;
const BIDI = /[\u202A-\u202E\u2066-\u2069]/;

function hiddenSignals(raw: string, fired: Map<string, number>): void {
  if (TAG_CHARS.test(raw)) fired.set('unicode_tags', 0.6);
  if ((raw.match(INVISIBLES)?.length ?? 0) >= 3) fired.set('invisible_text', 0.3);
  if (BIDI.test(raw)) fired.set('bidi_override', 0.3);
}

/** Signals of one text, with its other readings; those found only in another reading are marked obfuscated. */
function textSignals(raw: string, fired: Map<string, number>, depth = 0): void {
  const nonAscii = NON_ASCII.test(raw);
  if (nonAscii) hiddenSignals(raw, fired);
  const folded = nonAscii ? fold(raw) : raw.toLowerCase();
  const { groups, scan } = phraseSignals(folded, fired, nonAscii ? undefined : raw);
  const plain = scoreOf(fired);
  const hidden = new Map<string, number>();
  const shifts: number[] = [];
  for (const g of groups.keys()) if (g.startsWith('shift')) shifts.push(Number(g.slice(5)));
  const signs = { shifts, reversed: groups.has('reversed'), spaced: scan.spaced, leet: scan.leetWords >= 3 };
  for (const v of variants(folded, signs)) phraseSignals(v, hidden);
  if (depth === 0) for (const d of decodedRuns(raw)) textSignals(d, hidden, 1);
  if (scoreOf(hidden) > plain) {
    for (const [k, w] of hidden) if (!fired.has(k)) fired.set(k, w);
    fired.set('obfuscated', 0.3);
  }
}

function scoreOf(fired: ReadonlyMap<string, number>): number {
  let keep = 1;
  for (const w of fired.values()) keep *= 1 - w;
  return 1 - keep;
}

export const heuristicClassifier: InjectionClassifier = {
  name: 'heuristic',
  classify(texts, sources) {
    const fired = new Map<string, number>();
    texts.forEach((t, i) => {
      if (sources?.[i] !== 'tool') return textSignals(t, fired);
      // A tool's result is data: instructions in it are indirect injection, weighed up.
      const own = new Map<string, number>();
      textSignals(t, own);
      for (const [k, w] of own) fired.set(k, Math.max(fired.get(k) ?? 0, w));
      if (own.size) fired.set('indirect_injection', 0.4);
    });
    return { score: Math.round(scoreOf(fired) * 1000) / 1000, signals: [...fired.keys()] };
  },
};
