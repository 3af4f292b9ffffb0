// Partner models on Vertex (Model Garden): `publishers/anthropic/models/{m}:rawPredict` and
// `:streamRawPredict` answer as Anthropic's Messages API does on Vertex (the body names
// `anthropic_version`, not the model; usage in `usage`, a stream's in `message_start` and
// `message_delta`). Other partners' rawPredict (Mistral, Llama) answer as chat completions.

import type { ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { sendJson, sendRpcError } from './http.js';
import { splitText, writePieces } from './streaming.js';
import { tokenCount } from './vertex-content.js';
import { chatCompletions } from './vertex-openai.js';

type Obj = Record<string, unknown>;

function blocksText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((b) => (b && typeof b === 'object' && typeof (b as Obj)['text'] === 'string' ? ((b as Obj)['text'] as string) : ''))
    .filter(Boolean)
    .join('\n');
}

/** Anthropic's error shape, as the partner endpoint passes it on. */
function anthropicError(res: ServerResponse, message: string): void {
  sendJson(res, 400, { type: 'error', error: { type: 'invalid_request_error', message } });
}

export async function anthropicMessages(res: ServerResponse, model: string, body: Obj, stream: boolean): Promise<void> {
  if (typeof body['anthropic_version'] !== 'string') return anthropicError(res, 'anthropic_version: Field required');
  const messages = Array.isArray(body['messages']) ? (body['messages'] as Obj[]) : [];
  if (messages.length === 0) return anthropicError(res, 'messages: at least one message is required');
  if (typeof body['max_tokens'] !== 'number') return anthropicError(res, 'max_tokens: Field required');
  let last = '';
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]?.['role'] === 'user') {
      last = blocksText(messages[i]!['content']);
      break;
    }
  }
  const text = `Echo from ${model}: ${last}`;
  const promptChars = blocksText(body['system']).length + messages.map((m) => blocksText(m['content'])).join('\n').length;
  const input = tokenCount(promptChars);
  const output = tokenCount(text.length);
  const id = `msg_vrtx_${randomBytes(12).toString('base64url')}`;
  if (!stream) {
    sendJson(res, 200, {
      id,
      type: 'message',
      role: 'assistant',
      model,
      content: [{ type: 'text', text }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: input, output_tokens: output },
    });
    return;
  }
  const event = (type: string, data: Obj) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  const pieces = [
    event('message_start', {
      message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: input, output_tokens: 1 } },
    }),
    event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
    event('ping', {}),
    ...splitText(text).map((t) => event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: t } })),
    event('content_block_stop', { index: 0 }),
    event('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: output } }),
    event('message_stop', {}),
  ];
  await writePieces(res, 'text/event-stream', pieces);
}

/** rawPredict / streamRawPredict on `publishers/{publisher}/models/{model}`. */
export async function partnerRawPredict(res: ServerResponse, publisher: string, model: string, body: Buffer, stream: boolean): Promise<void> {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch (e) {
    sendRpcError(res, 'INVALID_ARGUMENT', `Invalid JSON payload received. ${(e as Error).message}`);
    return;
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) {
    sendRpcError(res, 'INVALID_ARGUMENT', 'Invalid JSON payload received. Expected an object.');
    return;
  }
  const o = json as Obj;
  if (publisher === 'anthropic') return anthropicMessages(res, model, o, stream || o['stream'] === true);
  return chatCompletions(res, { ...o, model: typeof o['model'] === 'string' ? o['model'] : model, stream: stream || o['stream'] === true }, 'vertex');
}
