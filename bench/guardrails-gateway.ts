// A gateway for bench/guardrails.ts: `warden start` without its access log
// (the bench measures guardrails, not log writes); prints its URL.
//
//   node --import tsx bench/guardrails-gateway.ts CONFIG
import { Writable } from 'node:stream';
import { loadGateway, startGateway } from '../src/gateway.js';
import { createLogger } from '../src/telemetry/log.js';

const gw = await startGateway(loadGateway(process.argv[2]!), { log: createLogger({ destination: new Writable({ write: (_c, _e, cb) => cb() }) }) });
console.log(`listening ${gw.url}`);
process.on('SIGTERM', () => void gw.close().then(() => process.exit(0)));
