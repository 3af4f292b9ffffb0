// A gateway for bench/guardrails.ts: `warden start` without its access log
// (the bench measures guardrails, not log writes); prints its URL.
//
//   node --import tsx bench/guardrails-gateway.ts CONFIG
import { loadGateway, startGateway } from '../src/gateway.js';
import { quietLogger } from '../test/helpers/logs.js';

const gw = await startGateway(await loadGateway(process.argv[2]!), { log: quietLogger() });
console.log(`listening ${gw.url}`);
process.on('SIGTERM', () => void gw.close().then(() => process.exit(0)));
