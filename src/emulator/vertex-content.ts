// Gemini-style operations: generateContent, streamGenerateContent,
// countTokens, computeTokens. Output is a pure function of the input so
// tests can predict it: the reply is `Echo from {model}: {last user text}`.

import type { ServerResponse } from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import { sendJson, sendRpcError } from './http.js';
import { sanitize } from './model-armor.js';
import { jsonArrayPieces, splitText, vertexSsePieces, writePieces } from './streaming.js';

interface Part {
  text?: unknown;
}
interface Content {
  role?: unknown;
  parts?: unknown;
}

export interface CallContext {
  /** Model id or endpoint id, used in the echo. */
  model: string;
  /** Where the modelArmorConfig of requests that carry one is recorded. */
  armorConfigs?: Record<string, unknown>[];
  /** Answer enums as numbers (`$alt=json;enum-encoding=int`, as @google-cloud/aiplatform asks). */
  enumInt: boolean;
  sse: boolean;
}

export function tokenCount(chars: number): number {
  return Math.max(1, Math.ceil(chars / 4));
}

function partsText(c: Content): string[] {
  if (!Array.isArray(c.parts)) return [];
  return (c.parts as Part[]).filter((p) => p && typeof p.text === 'string').map((p) => p.text as string);
}

function contentsOf(body: Record<string, unknown>): Content[] {
  return Array.isArray(body.contents) ? (body.contents as Content[]).filter((c) => c && typeof c === 'object') : [];
}

/** All prompt text the model would see: system instruction plus every content part. */
export function promptText(body: Record<string, unknown>): string {
  const texts: string[] = [];
  const sys = body.systemInstruction ?? body.system_instruction;
  if (sys && typeof sys === 'object') texts.push(...partsText(sys as Content));
  for (const c of contentsOf(body)) texts.push(...partsText(c));
  // countTokens/computeTokens also take the older `instances` form.
  if (Array.isArray(body.instances)) {
    for (const inst of body.instances) texts.push(typeof inst === 'string' ? inst : JSON.stringify(inst));
  }
  return texts.join('\n');
}

export function lastUserText(body: Record<string, unknown>): string {
  const contents = contentsOf(body);
  for (let i = contents.length - 1; i >= 0; i--) {
    const c = contents[i]!;
    if (c.role === undefined || c.role === 'user') {
      const t = partsText(c);
      if (t.length > 0) return t.join('\n');
    }
  }
  return '';
}

function requireContents(res: ServerResponse, body: Record<string, unknown>): boolean {
  if (contentsOf(body).length === 0) {
    sendRpcError(res, 'INVALID_ARGUMENT', 'Unable to submit request because it has an empty contents field.');
    return false;
  }
  return true;
}

function usage(promptChars: number, replyChars: number, enumInt: boolean) {
  const p = tokenCount(promptChars);
  const c = tokenCount(replyChars);
  const text = enumInt ? 1 : 'TEXT';
  return {
    promptTokenCount: p,
    candidatesTokenCount: c,
    totalTokenCount: p + c,
    promptTokensDetails: [{ modality: text, tokenCount: p }],
    candidatesTokensDetails: [{ modality: text, tokenCount: c }],
  };
}

function envelope(model: string) {
  return {
    modelVersion: model,
    createTime: new Date().toISOString(),
    responseId: randomBytes(12).toString('base64url'),
  };
}

/**
 * Model Armor inside Vertex (`modelArmorConfig`): a prompt the prompt template matches is answered
 * with `promptFeedback.blockReason: MODEL_ARMOR` and no candidates; an answer the response template
 * matches comes back without content, finishReason SAFETY. Verdicts as in model-armor.ts.
 */
function armorVerdict(ctx: CallContext, body: Record<string, unknown>, answer: string): { prompt?: string; response?: string } {
  const cfg = body.modelArmorConfig;
  if (!cfg || typeof cfg !== 'object') return {};
  ctx.armorConfigs?.push(cfg as Record<string, unknown>);
  if (ctx.armorConfigs && ctx.armorConfigs.length > 200) ctx.armorConfigs.shift();
  const { promptTemplateName: p, responseTemplateName: r } = cfg as { promptTemplateName?: unknown; responseTemplateName?: unknown };
  const out: { prompt?: string; response?: string } = {};
  if (typeof p === 'string') {
    const m = sanitize(promptText(body)).matched;
    if (m.length) out.prompt = `Blocked by Model Armor template ${p}: ${m.join(', ')}`;
  }
  if (typeof r === 'string') {
    const m = sanitize(answer).matched;
    if (m.length) out.response = `Blocked by Model Armor template ${r}: ${m.join(', ')}`;
  }
  return out;
}

function armorPromptBlock(ctx: CallContext, body: Record<string, unknown>, message: string) {
  return {
    promptFeedback: { blockReason: 'MODEL_ARMOR', blockReasonMessage: message },
    usageMetadata: { promptTokenCount: tokenCount(promptText(body).length), totalTokenCount: tokenCount(promptText(body).length) },
    ...envelope(ctx.model),
  };
}

function armorResponseBlock(ctx: CallContext, body: Record<string, unknown>, message: string) {
  return {
    candidates: [{ content: { role: 'model', parts: [] }, finishReason: ctx.enumInt ? 3 : 'SAFETY', finishMessage: message, index: 0 }],
    usageMetadata: usage(promptText(body).length, 0, ctx.enumInt),
    ...envelope(ctx.model),
  };
}

export function generateContent(res: ServerResponse, ctx: CallContext, body: Record<string, unknown>): void {
  if (!requireContents(res, body)) return;
  const text = `Echo from ${ctx.model}: ${lastUserText(body)}`;
  const armor = armorVerdict(ctx, body, text);
  if (armor.prompt) return sendJson(res, 200, armorPromptBlock(ctx, body, armor.prompt));
  if (armor.response) return sendJson(res, 200, armorResponseBlock(ctx, body, armor.response));
  sendJson(res, 200, {
    candidates: [
      {
        content: { role: 'model', parts: [{ text }] },
        finishReason: ctx.enumInt ? 1 : 'STOP',
        index: 0,
      },
    ],
    usageMetadata: usage(promptText(body).length, text.length, ctx.enumInt),
    ...envelope(ctx.model),
  });
}

export async function streamGenerateContent(res: ServerResponse, ctx: CallContext, body: Record<string, unknown>): Promise<void> {
  if (!requireContents(res, body)) return;
  const text = `Echo from ${ctx.model}: ${lastUserText(body)}`;
  const env = envelope(ctx.model);
  const armor = armorVerdict(ctx, body, text);
  const pieces = splitText(text);
  const blocked = armor.prompt ? [armorPromptBlock(ctx, body, armor.prompt)] : armor.response ? [armorResponseBlock(ctx, body, armor.response)] : undefined;
  const chunks = blocked ?? pieces.map((piece, i) => {
    const last = i === pieces.length - 1;
    const candidate: Record<string, unknown> = { content: { role: 'model', parts: [{ text: piece }] }, index: 0 };
    if (last) candidate.finishReason = ctx.enumInt ? 1 : 'STOP';
    return {
      candidates: [candidate],
      ...(last ? { usageMetadata: usage(promptText(body).length, text.length, ctx.enumInt) } : {}),
      ...env,
    };
  });
  if (ctx.sse) await writePieces(res, 'text/event-stream', vertexSsePieces(chunks));
  else await writePieces(res, 'application/json; charset=UTF-8', jsonArrayPieces(chunks));
}

export function countTokens(res: ServerResponse, ctx: CallContext, body: Record<string, unknown>): void {
  const text = promptText(body);
  const total = text.length === 0 ? 0 : tokenCount(text.length);
  sendJson(res, 200, {
    totalTokens: total,
    totalBillableCharacters: text.replace(/\s/g, '').length,
    promptTokensDetails: [{ modality: ctx.enumInt ? 1 : 'TEXT', tokenCount: total }],
  });
}

/** Deterministic pseudo-tokenizer: 4-character pieces, ids from a hash of the piece. */
function tokenize(text: string): { tokens: string[]; tokenIds: string[] } {
  const chars = Array.from(text);
  const tokens: string[] = [];
  const tokenIds: string[] = [];
  for (let i = 0; i < chars.length; i += 4) {
    const piece = chars.slice(i, i + 4).join('');
    tokens.push(Buffer.from(piece, 'utf8').toString('base64'));
    // int64 fields are strings in proto3 JSON.
    tokenIds.push(String(createHash('sha256').update(piece).digest().readUInt32BE(0) % 256000));
  }
  return { tokens, tokenIds };
}

export function computeTokens(res: ServerResponse, _ctx: CallContext, body: Record<string, unknown>): void {
  const tokensInfo: Array<{ tokens: string[]; tokenIds: string[]; role: string }> = [];
  for (const c of contentsOf(body)) {
    tokensInfo.push({ ...tokenize(partsText(c).join('\n')), role: typeof c.role === 'string' ? c.role : 'user' });
  }
  if (Array.isArray(body.instances)) {
    for (const inst of body.instances) {
      tokensInfo.push({ ...tokenize(typeof inst === 'string' ? inst : JSON.stringify(inst)), role: 'user' });
    }
  }
  sendJson(res, 200, { tokensInfo });
}
