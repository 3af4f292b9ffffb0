// Google Model Armor, as a deterministic stand-in: sanitizeUserPrompt and
// sanitizeModelResponse under /v1/projects/P/locations/L/templates/T, any
// template name, answering with the real API's SanitizationResult shape.
// Verdicts are a pure function of the text, so tests and the demo can
// predict them (docs/guardrails.md "Model Armor"):
//
//   pi_and_jailbreak  "ignore (all) previous instructions", "disregard previous
//                     instructions", "jailbreak", "do anything now"
//   sdp               e-mail addresses, US SSNs (###-##-####): located findings
//   malicious_uris    URLs on malware.testing.google.test or *.malicious.example
//   rai (dangerous)   "build a bomb"
//   csam              never
//
// The Vertex emulator applies the same verdicts when a generateContent
// request carries modelArmorConfig (see vertex-content.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { bearerToken, readBody, sendJson, sendRpcError } from './http.js';
import type { EmulatorState } from './state.js';

export const SANITIZE_PATH = /^\/v1(?:beta)?\/(projects\/[^/]+\/locations\/[^/]+\/templates\/[^/:]+):(sanitizeUserPrompt|sanitizeModelResponse)$/;

/** One sanitize call, kept so tests can see what Model Armor was asked. */
export interface ModelArmorCall {
  template: string;
  method: string;
  text: string;
  identity: string;
}

const JAILBREAK = /ignore (?:all )?previous instructions|disregard (?:all )?previous instructions|jailbreak|do anything now/i;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const SSN = /\b\d{3}-\d{2}-\d{4}\b/g;
const MALICIOUS = /https?:\/\/(?:[\w-]+\.)*(?:malware\.testing\.google\.test|malicious\.example)\b/i;
const DANGEROUS = /build a bomb/i;

interface Found {
  infoType: string;
  start: number;
  end: number;
}

const state = (m: boolean) => (m ? 'MATCH_FOUND' : 'NO_MATCH_FOUND');

/** The SanitizationResult for `text`. */
export function sanitize(text: string): { matched: string[]; result: Record<string, unknown> } {
  const found: Found[] = [];
  for (const [re, infoType] of [[EMAIL, 'EMAIL_ADDRESS'], [SSN, 'US_SOCIAL_SECURITY_NUMBER']] as const) {
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) found.push({ infoType, start: m.index, end: m.index + m[0].length });
  }
  const pi = JAILBREAK.test(text);
  const uri = MALICIOUS.test(text);
  const rai = DANGEROUS.test(text);
  const matched = [...(pi ? ['pi_and_jailbreak'] : []), ...(found.length ? ['sdp'] : []), ...(uri ? ['malicious_uris'] : []), ...(rai ? ['rai'] : [])];
  const ok = 'EXECUTION_SUCCESS';
  const result = {
    filterMatchState: state(matched.length > 0),
    invocationResult: 'SUCCESS',
    filterResults: {
      csam: { csamFilterFilterResult: { executionState: ok, matchState: 'NO_MATCH_FOUND' } },
      malicious_uris: { maliciousUriFilterResult: { executionState: ok, matchState: state(uri) } },
      rai: {
        raiFilterResult: {
          executionState: ok,
          matchState: state(rai),
          raiFilterTypeResults: { dangerous: { matchState: state(rai), ...(rai ? { confidenceLevel: 'HIGH' } : {}) } },
        },
      },
      pi_and_jailbreak: { piAndJailbreakFilterResult: { executionState: ok, matchState: state(pi), ...(pi ? { confidenceLevel: 'HIGH' } : {}) } },
      sdp: {
        sdpFilterResult: {
          inspectResult: {
            executionState: ok,
            matchState: state(found.length > 0),
            findings: found.map((f) => ({
              infoType: f.infoType,
              likelihood: 'VERY_LIKELY',
              location: {
                byteRange: { start: String(Buffer.byteLength(text.slice(0, f.start))), end: String(Buffer.byteLength(text.slice(0, f.end))) },
                codepointRange: { start: String([...text.slice(0, f.start)].length), end: String([...text.slice(0, f.end)].length) },
              },
            })),
          },
        },
      },
    },
  };
  return { matched, result };
}

export async function handleModelArmor(emu: EmulatorState, req: IncomingMessage, res: ServerResponse, m: RegExpExecArray): Promise<void> {
  const identity = emu.tokens.lookup(bearerToken(req) ?? '')?.identity;
  if (!identity) {
    req.resume();
    sendRpcError(res, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.');
    return;
  }
  if (req.method !== 'POST') {
    req.resume();
    sendRpcError(res, 'NOT_FOUND', 'sanitize methods take POST');
    return;
  }
  let body: Record<string, { text?: unknown } | undefined>;
  try {
    body = JSON.parse((await readBody(req)).toString('utf8')) as typeof body;
  } catch (e) {
    sendRpcError(res, 'INVALID_ARGUMENT', `Invalid JSON payload received. ${(e as Error).message}`);
    return;
  }
  const method = m[2]!;
  const data = method === 'sanitizeUserPrompt' ? body['userPromptData'] : body['modelResponseData'];
  if (!data || typeof data.text !== 'string') {
    sendRpcError(res, 'INVALID_ARGUMENT', `${method === 'sanitizeUserPrompt' ? 'userPromptData' : 'modelResponseData'}.text is required`);
    return;
  }
  emu.modelArmorCalls.push({ template: m[1]!, method, text: data.text, identity });
  if (emu.modelArmorCalls.length > 200) emu.modelArmorCalls.shift();
  sendJson(res, 200, { sanitizationResult: sanitize(data.text).result });
}
