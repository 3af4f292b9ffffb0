// Live traffic: with an audit store the last records are the store's and the
// request path keeps none; without one a ring keeps them. The stream sends the
// backlog first, then every record written after it was asked for, each once.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LiveTraffic } from '../../src/admin/live.js';
import { Chain } from '../../src/audit/chain.js';
import type { AuditRecord } from '../../src/audit/record.js';
import { SqliteAuditStore } from '../../src/audit/sqlite.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { collect, sampleRecord } from '../audit/helpers.js';

const record = (n: number): AuditRecord => sampleRecord(n, { requestId: `r-${n}` });

/** Serves `live.watch` and reads the stream until `until` holds of the events so far (the suite's timeout bounds the wait). */
async function streamOf(live: LiveTraffic, until: (events: { event: string; data: unknown }[]) => boolean, during?: () => void): Promise<{ event: string; data: unknown }[]> {
  const server: Server = createServer((_req, res) => void live.watch(res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const ac = new AbortController();
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, { signal: ac.signal });
    during?.();
    const events: { event: string; data: unknown }[] = [];
    const decoder = new TextDecoder();
    let text = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      text += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = text.indexOf('\n\n')) >= 0) {
        const block = text.slice(0, end);
        text = text.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) events.push({ event, data: JSON.parse(data) });
      }
      if (until(events)) return events;
    }
    throw new Error(`the stream ended without the events expected: ${JSON.stringify(events)}`);
  } finally {
    ac.abort();
    live.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}

const ids = (xs: unknown) => (xs as { requestId: string }[]).map((x) => x.requestId);

describe('live traffic', { timeout: 20_000 }, () => {
  let dir: string;
  let store: SqliteAuditStore;
  before(async () => {
    dir = makeTempDir('warden-live-');
    store = new SqliteAuditStore(join(dir, 'a.db'));
    const chain = new Chain('c', Buffer.alloc(32, 7));
    await store.append([1, 2, 3].map((n) => chain.link(record(n))));
  });
  after(async () => {
    await store?.close();
    removeDir(dir);
  });
  const recent = async (n: number) => collect(store.records({ newestFirst: true, limit: n }));

  it('with a store: the request path keeps no record; the last records are the store\'s, newest first', async () => {
    const live = new LiveTraffic(recent);
    live.add(record(9));
    assert.deepEqual(live.records(), []);
    assert.equal(live.find('r-9'), undefined);
    assert.deepEqual(ids(await live.latest(2)), ['r-3', 'r-2']);
  });

  it('without a store: a ring of the last records', async () => {
    const live = new LiveTraffic();
    for (let n = 1; n <= 502; n++) live.add(record(n));
    assert.equal(live.records().length, 500);
    assert.deepEqual(ids(await live.latest(2)), ['r-502', 'r-501']);
    assert.equal(live.find('r-3')?.requestId, 'r-3');
    assert.equal(live.find('r-2'), undefined);
  });

  it('the stream: the backlog, then what was written while it was read (once), then each new record', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let asked!: () => void;
    const backlogAsked = new Promise<void>((r) => (asked = r));
    // A store slow to answer: records written meanwhile, one of them already in the store's answer.
    const live = new LiveTraffic(async (n) => {
      asked();
      await gate;
      return recent(n);
    });
    let sent = false;
    const events = await streamOf(
      live,
      (es) => {
        // Once the backlog arrived the stream is registered: a plain new record.
        if (!sent && es.length) {
          sent = true;
          live.add(record(6));
        }
        return es.some((e) => e.event === 'record' && (e.data as { requestId: string }).requestId === 'r-6');
      },
      () => {
        void backlogAsked.then(() => {
          live.add(record(3));
          live.add(record(4));
          release();
        });
      },
    );
    assert.deepEqual(events.map((e) => e.event), ['backlog', 'record', 'record']);
    assert.deepEqual(ids(events[0]!.data), ['r-3', 'r-2', 'r-1']);
    assert.deepEqual(events.slice(1).map((e) => (e.data as { requestId: string }).requestId), ['r-4', 'r-6']);
  });

  it('the stream from a store that cannot be read: an empty backlog, then new records', async () => {
    const live = new LiveTraffic(async () => {
      throw new Error('database is locked');
    });
    const events = await streamOf(live, (es) => {
      if (es.length === 1) live.add(record(7));
      return es.length === 2;
    });
    assert.deepEqual(events[0], { event: 'backlog', data: [] });
    assert.equal((events[1]!.data as { requestId: string }).requestId, 'r-7');
  });
});
