// `warden audit verify`, on a thread of its own for the console: reading and
// checking a whole log takes seconds to minutes, and the admin port (and the
// gateway in the same process) must keep answering meanwhile.
import { parentPort, workerData } from 'node:worker_threads';
import { openStore, readKeyFile, type StoreSpec } from '../audit/config.js';
import { verifyStream } from '../audit/verify.js';

const { store: spec, keyFiles } = workerData as { store: StoreSpec; keyFiles: string[] };
const store = await openStore(spec, { readonly: true });
try {
  const keys = keyFiles.map(readKeyFile);
  const result = await verifyStream(keys, store.records(), await store.checkpoints());
  parentPort!.postMessage({ result });
} catch (e) {
  parentPort!.postMessage({ error: (e as Error).message });
} finally {
  await store.close().catch(() => {});
}
