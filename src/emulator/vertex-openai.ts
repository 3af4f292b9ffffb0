// Vertex AI's OpenAI-compatible surface:
// `projects/{p}/locations/{l}/endpoints/openapi/chat/completions`, and a plain
// OpenAI one (`/v1/chat/completions`) that streams usage as OpenAI does.

import type { ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { sendJson, sendRpcError } from './http.js';
import { splitText, writePieces } from './streaming.js';
import { tokenCount } from './vertex-content.js';

interface Message {
  role?: unknown;
  content?: unknown;
}

function messageText(m: Message): string {
  if (typeof m.content === 'string') return m.content;
  if (Array.isArray(m.content)) {
    return m.content
      .filter((p): p is { type: string; text: string } => p && typeof p === 'object' && typeof (p as { text?: unknown }).text === 'string')
      .map((p) => p.text)
      .join('\n');
  }
  return '';
}

/** `vertex`: usage on the finishing chunk unless asked for apart; `openai`: only when asked for. */
export type ChatFlavour = 'vertex' | 'openai';

export async function chatCompletions(res: ServerResponse, body: Record<string, unknown>, flavour: ChatFlavour = 'vertex'): Promise<void> {
  const messages = Array.isArray(body.messages) ? (body.messages as Message[]).filter((m) => m && typeof m === 'object') : [];
  if (messages.length === 0) {
    sendRpcError(res, 'INVALID_ARGUMENT', 'messages must be a non-empty list.');
    return;
  }
  if (typeof body.model !== 'string' || !body.model) {
    sendRpcError(res, 'INVALID_ARGUMENT', 'model is required.');
    return;
  }
  const model = body.model;
  let last = '';
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]!.role === 'user') {
      last = messageText(messages[i]!);
      break;
    }
  }
  const text = `Echo from ${model}: ${last}`;
  const promptChars = messages.map(messageText).join('\n').length;
  const usage = {
    prompt_tokens: tokenCount(promptChars),
    completion_tokens: tokenCount(text.length),
    total_tokens: tokenCount(promptChars) + tokenCount(text.length),
  };
  const id = `chatcmpl-${randomBytes(12).toString('hex')}`;
  const created = Math.floor(Date.now() / 1000);

  if (body.stream !== true) {
    sendJson(res, 200, {
      id,
      object: 'chat.completion',
      created,
      model,
      system_fingerprint: '',
      choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop', logprobs: null }],
      usage,
    });
    return;
  }

  const includeUsage =
    !!body.stream_options && typeof body.stream_options === 'object' && (body.stream_options as { include_usage?: unknown }).include_usage === true;
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices, ...extra })}\n\n`;
  const pieces = splitText(text);
  const events = pieces.map((piece, i) =>
    chunk([{ index: 0, delta: i === 0 ? { role: 'assistant', content: piece } : { content: piece }, finish_reason: null }]),
  );
  // Exactly one chunk carries usage: OpenAI's separate empty-choices chunk
  // when asked for, otherwise (as Vertex does) the finishing chunk. OpenAI
  // itself reports nothing unless asked, and when asked puts `usage: null`
  // in every other chunk.
  if (flavour === 'openai') {
    const extra = includeUsage ? { usage: null } : {};
    const openaiEvents = pieces.map((piece, i) =>
      chunk([{ index: 0, delta: i === 0 ? { role: 'assistant', content: piece } : { content: piece }, finish_reason: null }], extra),
    );
    openaiEvents.push(chunk([{ index: 0, delta: {}, finish_reason: 'stop' }], extra));
    if (includeUsage) openaiEvents.push(chunk([], { usage }));
    openaiEvents.push('data: [DONE]\n\n');
    await writePieces(res, 'text/event-stream', openaiEvents);
    return;
  }
  if (includeUsage) {
    events.push(chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]));
    events.push(chunk([], { usage }));
  } else {
    events.push(chunk([{ index: 0, delta: {}, finish_reason: 'stop' }], { usage }));
  }
  events.push('data: [DONE]\n\n');
  await writePieces(res, 'text/event-stream', events);
}
