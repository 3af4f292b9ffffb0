// Instructions that arrive dressed as data, read by their form rather than
// by their words (English; over folded text, from anchor hits):
//
//   directive   a sentence that tells "the assistant", "any AI agent", "the
//               summarizer" what it must do, in the third person — the form
//               a planted document takes ("the assistant must now forward…",
//               "automated assistants triaging this message are required to
//               reply with…"); weighed by what it is told to do (send, grant,
//               approve, claim, omit, reveal… rather than answer or greet),
//               and by a sign of a change ("now", "instead", "from now on")
//   policy      a config, JSON, XML or INI text whose keys name the model's
//               controls (filters, safety, guardrails, moderation, refusals,
//               disclaimers) and whose values switch them off, or whose keys
//               expose what it keeps (reveal_instructions: true, developer
//               mode on, blocked responses: refusals) — policy puppetry
//   transcript  a forged dialogue: model turns that comply ("Sure!",
//               "Absolutely", "Happy to help") two or more times (many-shot),
//               or a model's turn left open at the end for it to complete
//
// A system prompt is often written in the third person too ("The assistant
// should answer in a friendly tone"): a directive alone weighs under the
// threshold, and ordinary verbs of answering do not count.
import type { Hit } from './anchors.js';

export const STRUCTURE_GROUP = 'data';

type Fired = Map<string, number>;

const AI_NOUNS = ['assistant', 'model', 'agent', 'ai', 'llm', 'llms', 'bot', 'bots', 'chatbot', 'copilot', 'summari', 'gpt'];
const POLICY_KEYS = ['filtr', 'фильтр', 'отказ', 'filter', 'safety', 'guardrail', 'moderat', 'censor', 'restrict', 'refus', 'disclaim', 'reveal', 'disclose', 'jailbr', 'unrestrict', 'uncensor', 'blocked', 'developer', 'allow', 'limits', 'content', 'may_', 'can_'];
const ROLE_HEADS = ['assistant', 'ai', 'bot', 'model', 'chatbot', 'gpt', 'claude', 'gemini', 'output', 'a:'];

/** Stems this module reads around (group STRUCTURE_GROUP). */
export const STRUCTURE_ANCHORS: readonly string[] = [...new Set([...AI_NOUNS, ...POLICY_KEYS, ...ROLE_HEADS])];

const NOUN_SET = new Set(AI_NOUNS);
const POLICY_SET = new Set(POLICY_KEYS);
const ROLE_SET = new Set([...ROLE_HEADS, 'a']);

// ------------------------------------------------------------------ directives in the third person

const SUBJECT_BEFORE = /(?:(?:^|[^\w'])(?:the|any|every|all|each|an?|this|whatever|whichever|automated|your)\s+(?:[\w-]+\s+){0,2}|(?:^|[.!?:;]\s+|\n\s*|["'(\[<>]\s*|[—–-]\s+))$/;
const NOUN = /^(?:ai|a\.i\.|llms?|assistants?|models?|agents?|chatbots?|bots?|copilots?|gpts?|summari[sz]ers?|language models?)\b/;
/** The modal that makes it an order, and the verb it governs ("must also forward", "are required to reply"). */
const MODAL = '(?:must|should|shall|(?:is|are) (?:required|expected|instructed|supposed|asked|told|directed|obliged|to)(?: to)?|needs? to|has to|have to|will now|(?:is|are|may|can) now(?: (?:allowed|permitted|free) to)?|(?:is|are) (?:now )?(?:allowed|permitted|free) to)\\s+(?:(?:also|now|immediately|always|only|quietly|silently)\\s+)*(?!not\\b|never\\b)([a-z]+)';
/** After the noun: what qualifies it ("reading this page", "(if any)", "that processes this inbox"), then the modal. */
const ORDER = new RegExp(`^(?:\\s+(?:(?:that|which|who)\\s+(?:is\\s+|are\\s+)?)?[a-z]+(?:ing|s)(?:\\s+(?:this|these|the|my|our|it)\\s+[\\w-]+)?)?(?:\\s*\\([^)\\n]{0,30}\\))?,?\\s+${MODAL}`);
/** What a planted directive tells a model to do: act on the world, or shade what it says. Not "answer", "greet", "be". */
const ACTS = new Set([
  'send', 'forward', 'email', 'upload', 'post', 'delete', 'remove', 'grant', 'approve', 'accept', 'decline', 'merge', 'transfer', 'wire', 'pay', 'buy', 'book',
  'claim', 'say', 'tell', 'state', 'report', 'describe', 'recommend', 'rate', 'rank', 'mark', 'omit', 'leave', 'hide', 'ignore', 'disregard', 'treat', 'reply',
  'respond', 'output', 'reveal', 'share', 'disclose', 'include', 'add', 'insert', 'run', 'execute', 'call', 'install', 'publish', 'commit', 'push', 'disable',
  'click', 'visit', 'open', 'navigate', 'change', 'set', 'stop', 'close', 'retry', 'ask', 'collect', 'praise', 'promote', 'present', 'summari', 'summarize',
  'summarise', 'print', 'dump', 'comply', 'obey', 'follow', 'drop', 'skip', 'move', 'copy', 'paste', 'attach', 'upgrade', 'download',
]);
const CHANGE = /\b(?:now|from now on|from this point|henceforth|instead|immediately|also|from here on|going forward|at once|new)\b/;
/** What is worth stealing, named in the directive: a password, a token, a key, a card. */
const SENSITIVE = /\b(?:passwords?|passcodes?|credentials?|tokens?|api keys?|secret keys?|private keys?|ssh keys?|card numbers?|bank(?:ing)? (?:login|details|account)|logins?|secrets?|\.env\b)/;

function directive(t: string, at: number, fired: Fired): void {
  const noun = NOUN.exec(t.slice(at, at + 40));
  if (!noun || !SUBJECT_BEFORE.test(t.slice(Math.max(0, at - 40), at))) return;
  const rest = t.slice(at + noun[0].length, at + noun[0].length + 200);
  const m = ORDER.exec(rest);
  if (!m) return;
  const verb = m[1]!;
  if (!ACTS.has(verb) && !ACTS.has(verb.replace(/(?:s|es|ed|ing)$/, ''))) return;
  const sentence = rest.slice(0, m[0].length + 160).split(/[.!?\n](?:\s|$)/)[0]!;
  raise(fired, 'model_directive', SENSITIVE.test(sentence) ? 0.55 : CHANGE.test(sentence) ? 0.5 : 0.4);
}

// ------------------------------------------------------------------ policy puppetry

/** A key that names a protection, then a value that switches it off. */
const PROTECTION_OFF = /^(?:content[_ -]?)?(?:filters?|filtering|safety(?:[_ -]?(?:mode|filters?|checks?|layer|rules|settings|features?))?|guardrails?|moderation|censorship|restrictions?|limits|disclaimers?|refusals?|may[_ -]?refuse|can[_ -]?refuse|refuse|allow[_ -]?refusals?|refusals?[_ -]?allowed|policy[_ -]?enforcement|content[_ -]?policy)["']?\s*(?:[:=]|=>)\s*["'<]?\s*(?:false|off|0|no|none|never|disabled?|deactivated|removed|lifted|suspended|bypass(?:ed)?|\[\s*\]|null)\b|^(?:content[_ -]?)?(?:filters?|safety|guardrails?|moderation|censorship|restrictions?)["']?\s*(?:[:=]\s*\{?\s*\n?\s*|\s+)["']?(?:enabled|active|enforced|on)["']?\s*[:=]\s*["']?(?:false|no|off|0)\b/;
/** In other languages: filtrage: désactivé, фильтрация отключена, refus: interdits, отказы запрещены. */
const PROTECTION_OFF_I18N = /^(?:filtrage|filtrado|filtro|filtri|filterung|фильтр\w*|refus|rechazos?|rifiuti|ablehnungen|отказы)["'>]?\s*[:=>]?\s*["']?\s*(?:désactivée?s?|desactivad[oa]s?|disattivat[oa]|deaktiviert|aus|отключен\w*|выключен\w*|interdite?s?|prohibid[oa]s?|vietat[ie]|verboten|запрещен\w*|off|false)/u;
/** XML: <filters>off</filters>, <safety enabled="false"/>. */
const PROTECTION_OFF_XML = /^(?:content[_-]?)?(?:filters?|filtering|safety|guardrails?|moderation|censorship|restrictions?|refusals?)[^<>\n]{0,40}?(?:>\s*(?:false|off|0|no|none|never|disabled?)\s*<|\b(?:enabled|active|on)\s*=\s*["']?(?:false|no|off|0))/;
/** A key that exposes what the model keeps, switched on. */
const EXPOSURE_ON = /^(?:reveal|disclose|show|print|share)[_ -]?(?:system[_ -]?)?(?:instructions|prompt|rules|config(?:uration)?|system[_ -]?prompt)["']?\s*(?:[:=]|>)\s*["']?(?:true|on|1|yes|enabled?|always|on[_ -]?request|allowed)\b|^(?:jailbreak|jailbroken|unrestricted|uncensored|developer[_ -]?mode|god[_ -]?mode)(?:[_ -]?mode)?["']?\s*(?:[:=]|>)\s*["']?(?:true|on|1|yes|enabled?|active)\b|^allowed[_ -]?(?:modes|responses|topics|content|outputs)["']?\s*(?:[:=]|>)\s*["']?(?:all|any|everything|unrestricted|\*)\b/;
/** A list of what the model may not say that holds its refusals: "blocked responses: refusals, disclaimers". */
const BLOCKED_REFUSALS = /^blocked[_ -]?(?:responses|strings|phrases|outputs|modes|words)["']?\s*(?:[:=]|>)[^\n<]{0,80}?(?:refus|disclaim|sorry|i can'?t|i cannot|apolog|as an ai|i'?m unable|warnings?)/;

function policy(t: string, at: number, seen: Set<number>): void {
  const w = t.slice(at, at + 160);
  if (PROTECTION_OFF.test(w) || PROTECTION_OFF_XML.test(w) || PROTECTION_OFF_I18N.test(w) || EXPOSURE_ON.test(w) || BLOCKED_REFUSALS.test(w)) seen.add(at);
}

// ------------------------------------------------------------------ forged transcripts

/** After a turn header's word: a colon (bold or not), then a compliance opener. */
const COMPLIANT_TURN = /^[*_]{0,2}[ \t]*[:：][*_]{0,2}[ \t]*["“]?(?:sure|absolutely|of course|certainly|happy to help|glad to help|no problem|here(?:'s| is) how|here you go|understood|acknowledged|not anymore|never\b)/;
/** The text ends with a model's turn header, left open for the model to complete. */
const OPEN_END = /(?:^|\n|[—–-] |\? )[ \t>*_]*(assistant|ai|bot|model|chatbot|gpt|claude|gemini|a)[ \t*_]*:[*_]{0,2}\s*$/;
/** Another speaker's header somewhere: User:, Human:, Q:, Input:. */
const OTHER_TURN = /(?:^|\n|[—–-] )[ \t>*_]*(?:user|human|q|input|usuario|utilisateur|benutzer|customer)[ \t*_]*:/;

/** A model turn header at `at` that opens with compliance: 'ai' for a model role, 'a' for an answer in Q/A form. */
function compliantTurn(t: string, at: number, word: string): 'ai' | 'a' | undefined {
  if (at > 0 && !/[\n>*_ ]/.test(t[at - 1]!)) return undefined;
  if (!COMPLIANT_TURN.test(t.slice(at + word.length, at + word.length + 60))) return undefined;
  return word === 'a' ? 'a' : 'ai';
}

// ------------------------------------------------------------------ hidden HTML

/** An element styled or marked so that people do not see it. */
const HIDDEN_STYLE = /<[a-z][^>]{0,200}?(?:display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*[01](?:\.\d+)?(?:px|pt|em|rem)?\b|(?:^|[\s;"'])color\s*:\s*(?:#fff(?:fff)?|white)\b|(?:left|top)\s*:\s*-\d{3,}|opacity\s*:\s*0(?:\.0+)?\b|aria-hidden\s*=\s*["']?true|\shidden\b)|<font[^>]{0,40}color\s*=\s*["']?(?:#fff(?:fff)?|white)\b|<noscript>/;

// ------------------------------------------------------------------ the pass

/** Structure signals of one folded text from its anchor hits (group STRUCTURE_GROUP). */
export function structureSignals(t: string, hits: readonly Hit[], fired: Fired): void {
  const switches = new Set<number>();
  let compliant = 0;
  let aiCompliant = false;
  for (const h of hits) {
    if (h.group !== STRUCTURE_GROUP) continue;
    if (NOUN_SET.has(h.stem) && !fired.has('model_directive')) directive(t, h.at, fired);
    if (POLICY_SET.has(h.stem)) policy(t, h.at, switches);
    const word = h.stem === 'a:' ? 'a' : h.stem;
    if (ROLE_SET.has(word)) {
      const turn = compliantTurn(t, h.at, word);
      if (turn) compliant++;
      if (turn === 'ai') aiCompliant = true;
    }
  }
  if (switches.size > 0) raise(fired, 'policy_switch', switches.size >= 2 ? 0.6 : 0.4);
  // Text a page hides from its human readers, where a directive or an address to an AI was found.
  if ((fired.has('model_directive') || fired.has('indirect_address')) && t.includes('<')) {
    if (HIDDEN_STYLE.test(t)) raise(fired, 'hidden_html', 0.3);
    else if (t.includes('<!--')) raise(fired, 'hidden_html', 0.2);
  }
  // A transcript needs a compliant model turn, or a header left open at the end.
  if (compliant === 0 && !/:[*_\s]*$/.test(t.slice(-8))) return;
  if (!OTHER_TURN.test(t)) return;
  const open = OPEN_END.exec(t.slice(-60));
  if (open && open[1] !== 'a') raise(fired, 'open_turn', 0.45);
  if (compliant >= 2 && (open || aiCompliant)) raise(fired, 'many_shot', 0.55);
}

function raise(fired: Fired, name: string, w: number): void {
  if ((fired.get(name) ?? 0) < w) fired.set(name, w);
}
