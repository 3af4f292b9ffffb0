// The access log line: on by default without an audit store, off by default
// beside one (the record carries the same facts), and on when asked for.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { drained } from './helpers.js';
import { startEcho, startTestGateway, gatewayYaml } from '../identity/helpers.js';

describe('access log default', () => {
  const cases = [
    { name: 'no audit store: on', extra: '', logged: true },
    { name: 'an audit store: off', extra: '  audit: {jsonl: ./audit.jsonl}\n', logged: false },
    { name: 'an audit store and accessLog: true: on', extra: '  audit: {jsonl: ./audit.jsonl}\n  telemetry: {accessLog: true}\n', logged: true },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const echo = await startEcho();
      const t = await startTestGateway(() => gatewayYaml(echo.url, c.extra)).catch(async (e) => {
        await echo.close();
        throw e;
      });
      try {
        const res = await fetch(`${t.gw.url}/v1/x`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json', 'x-request-id': 'log-me' } });
        assert.equal(res.status, 200);
        await res.arrayBuffer();
        if (t.gw.audit) await drained(t.gw.audit);
        assert.equal(t.logOf('log-me') !== undefined, c.logged);
      } finally {
        await t.close();
        await echo.close();
      }
    });
  }
});
