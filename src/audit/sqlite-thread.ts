// The SQLite store's own thread. better-sqlite3 is synchronous: a batch of a
// few hundred rows takes milliseconds, and a WAL checkpoint can wait on
// fsync. Run here, neither stalls the thread that answers requests, which
// only pays for handing the batch over (see sqlite-sink.ts).
//
// The store's methods are synchronous inside, so each message is done before
// the next one is read: answers go back in order, each with its id.
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteAuditStore } from './sqlite.js';
import type { SinkReply, SinkRequest } from './sqlite-sink.js';

const port = parentPort!;
let store: SqliteAuditStore | undefined;

port.on('message', async (m: SinkRequest) => {
  const reply: SinkReply = { id: m.id };
  try {
    store ??= new SqliteAuditStore((workerData as { file: string }).file);
    if (m.op === 'append') await store.append(m.records);
    else if (m.op === 'appendLines') await store.appendLines(m.lines);
    else if (m.op === 'checkpoint') await store.checkpoint(m.checkpoint);
    else if (m.op === 'head') reply.head = await store.head(m.chain);
    else await store.close();
  } catch (e) {
    reply.error = (e as Error).message;
    reply.code = (e as { code?: string }).code;
  }
  port.postMessage(reply);
  if (m.op === 'close') port.close();
});
