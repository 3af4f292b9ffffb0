// Server-side state of Vertex's 2026 surface, in memory: the Interactions API
// (create, streamed create, get with a resumable stream, cancel, delete) and
// context caches (cachedContents: create, list, get, update, delete). Enough
// for a gateway to meet stored state that one caller creates and another
// might reach for.
import type { ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { sendJson, sendRpcError } from './http.js';
import { writePieces } from './streaming.js';

interface StoredInteraction {
  body: Record<string, unknown>;
  /** The stream's events, each with its event_id: a get with stream=true replays those after last_event_id. */
  events: Record<string, unknown>[];
}

const words = (s: string) => s.split(/\s+/).filter(Boolean).length;

function newId(): string {
  return randomBytes(12).toString('hex');
}

function inputText(input: unknown): string {
  if (typeof input === 'string') return input;
  return JSON.stringify(input ?? '');
}

export class ResourceStore {
  private readonly interactions = new Map<string, StoredInteraction>();
  private readonly caches = new Map<string, Record<string, unknown>>();

  // ------------------------------------------------------------ Interactions

  async createInteraction(res: ServerResponse, body: Record<string, unknown>): Promise<void> {
    const model = typeof body.model === 'string' ? body.model : typeof body.agent === 'string' ? body.agent : undefined;
    if (model === undefined) return sendRpcError(res, 'INVALID_ARGUMENT', 'model or agent is required.');
    const previous = body.previous_interaction_id;
    if (previous !== undefined && (typeof previous !== 'string' || !this.interactions.has(previous))) {
      return sendRpcError(res, 'NOT_FOUND', `Interaction ${String(previous)} not found.`);
    }
    const id = newId();
    const prompt = inputText(body.input);
    const text = `Emulated interaction answer to: ${prompt.slice(0, 200)}`;
    const now = new Date().toISOString();
    const usage = { total_input_tokens: words(prompt), total_output_tokens: words(text), total_tokens: words(prompt) + words(text) };
    const interaction = {
      id, model, status: 'completed', created: now, updated: now,
      ...(typeof previous === 'string' ? { previous_interaction_id: previous } : {}),
      outputs: [{ type: 'text', text }],
      usage,
    };
    const pieces = text.match(/.{1,24}/gs) ?? [text];
    const events: Record<string, unknown>[] = [
      { event_type: 'interaction.created', interaction: { id, model, status: 'in_progress', created: now } },
      { event_type: 'step.start', index: 0, step: { type: 'model_output' } },
      ...pieces.map((p) => ({ event_type: 'step.delta', index: 0, delta: { type: 'text', text: p } })),
      { event_type: 'step.stop', index: 0 },
      { event_type: 'interaction.completed', interaction },
    ].map((e, i) => ({ ...e, event_id: `${id}-${i + 1}` }));
    if (body.store !== false) this.interactions.set(id, { body: interaction, events });
    if (body.stream === true) return sse(res, events);
    sendJson(res, 200, interaction);
  }

  async getInteraction(res: ServerResponse, id: string, query: URLSearchParams): Promise<void> {
    const stored = this.interactions.get(id);
    if (!stored) return sendRpcError(res, 'NOT_FOUND', `Interaction ${id} not found.`);
    if (query.get('stream') === 'true') {
      // A resumed stream: the events after last_event_id (all of them without one).
      const after = query.get('last_event_id') ?? query.get('lastEventId');
      const from = after === null ? 0 : stored.events.findIndex((e) => e.event_id === after) + 1;
      if (after !== null && from === 0) return sendRpcError(res, 'INVALID_ARGUMENT', `Unknown last_event_id ${after}.`);
      return sse(res, stored.events.slice(from));
    }
    sendJson(res, 200, stored.body);
  }

  cancelInteraction(res: ServerResponse, id: string): void {
    const stored = this.interactions.get(id);
    if (!stored) return sendRpcError(res, 'NOT_FOUND', `Interaction ${id} not found.`);
    if (stored.body.status === 'in_progress') stored.body.status = 'cancelled';
    sendJson(res, 200, stored.body);
  }

  deleteInteraction(res: ServerResponse, id: string): void {
    if (!this.interactions.delete(id)) return sendRpcError(res, 'NOT_FOUND', `Interaction ${id} not found.`);
    sendJson(res, 200, {});
  }

  // ------------------------------------------------------------ cachedContents

  createCache(res: ServerResponse, parent: string, body: Record<string, unknown>): void {
    if (typeof body.model !== 'string') return sendRpcError(res, 'INVALID_ARGUMENT', 'model is required.');
    const name = `${parent}/cachedContents/${randomBytes(8).toString('hex').replace(/^./, '1')}`;
    const now = new Date();
    const cache = {
      ...body, name, createTime: now.toISOString(), updateTime: now.toISOString(),
      expireTime: new Date(now.getTime() + 3_600_000).toISOString(),
      usageMetadata: { totalTokenCount: words(JSON.stringify(body.contents ?? '')) },
    };
    delete (cache as Record<string, unknown>).ttl;
    this.caches.set(name, cache);
    sendJson(res, 200, cache);
  }

  listCaches(res: ServerResponse, parent: string): void {
    const cachedContents = [...this.caches.values()].filter((c) => String(c.name).startsWith(`${parent}/`));
    sendJson(res, 200, { cachedContents });
  }

  getCache(res: ServerResponse, name: string): void {
    const c = this.caches.get(name);
    if (!c) return sendRpcError(res, 'NOT_FOUND', `CachedContent ${name} not found.`);
    sendJson(res, 200, c);
  }

  updateCache(res: ServerResponse, name: string, body: Record<string, unknown>): void {
    const c = this.caches.get(name);
    if (!c) return sendRpcError(res, 'NOT_FOUND', `CachedContent ${name} not found.`);
    if (typeof body.expireTime === 'string') c.expireTime = body.expireTime;
    c.updateTime = new Date().toISOString();
    sendJson(res, 200, c);
  }

  deleteCache(res: ServerResponse, name: string): void {
    if (!this.caches.delete(name)) return sendRpcError(res, 'NOT_FOUND', `CachedContent ${name} not found.`);
    sendJson(res, 200, {});
  }

  /** Whether a generation's `cachedContent` names a cache that exists. */
  hasCache(name: string): boolean {
    return this.caches.has(name);
  }
}

function sse(res: ServerResponse, events: Record<string, unknown>[]): Promise<void> {
  return writePieces(res, 'text/event-stream', events.map((e) => `event: ${String(e.event_type)}\ndata: ${JSON.stringify(e)}\n\n`));
}
