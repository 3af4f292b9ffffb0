// Sink outage: PostgreSQL is stopped while requests keep coming and started
// again; every request's record arrives exactly once and the chain verifies.
// Also the fail-closed/fail-open choice when the spool fills up.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PostgresAuditStore } from '../../src/audit/postgres.js';
import { SqliteAuditStore } from '../../src/audit/sqlite.js';
import { verify } from '../../src/audit/verify.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { freePort, until } from '../helpers/process.js';
import { collect, gatewayConfig, MODEL_PATH, Postgres, PROMPT } from './helpers.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const KEY = 'outage-test-key-'.repeat(4);

describe('PostgreSQL outage mid-traffic', () => {
  let pgServer: Postgres;
  let s: Stack;
  let token: string;
  before(async () => {
    pgServer = await Postgres.create();
    s = await startStack(({ emulatorUrl, issuer, dir }) => {
      writeFileSync(join(dir, 'audit.key'), KEY);
      return gatewayConfig({ emulatorUrl, issuer, audit: `{postgres: {url: "${pgServer.url}"}, hmacKeyFile: ./audit.key, chain: replica-1}` });
    });
    token = await s.token('alice', ['ml-engineers']);
  });
  after(async () => {
    await s?.close();
    await pgServer?.destroy();
  });

  const call = (id: string) =>
    fetch(`${s.gw.url}${MODEL_PATH}/gemini-2.0-flash:generateContent`, {
      method: 'POST',
      body: PROMPT,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-request-id': id },
    });

  it('stores every record exactly once and the chain verifies', async () => {
    const ids: string[] = [];
    const send = async (phase: string, n: number) => {
      for (let i = 0; i < n; i++) {
        const id = `${phase}-${i}`;
        const res = await call(id);
        assert.equal(res.status, 200, `${id} was refused`);
        await res.arrayBuffer();
        ids.push(id);
      }
    };
    await send('before', 20);
    await until(() => s.gw.audit!.status().pending === 0, 'records before the outage to be stored');

    await pgServer.stop();
    await send('during', 30); // still served: the records wait in the spool
    await until(() => !s.gw.audit!.status().sinkUp, 'the writer to notice the outage');
    assert.ok(s.gw.audit!.status().pending >= 30, `pending: ${s.gw.audit!.status().pending}`);
    const ready = await fetch(`${s.gw.adminUrl}/readyz`);
    assert.equal(ready.status, 200, 'an outage with room in the spool keeps the gateway ready');
    assert.match(await ready.text(), /audit: postgres DOWN/);

    await pgServer.start();
    await send('after', 10);
    await until(() => s.gw.audit!.status().pending === 0, 'the spool to replay', 20_000);

    const reader = new PostgresAuditStore({ url: pgServer.url });
    const records = await collect(reader.records());
    const result = verify(Buffer.from(KEY), records, await reader.checkpoints());
    await reader.close();
    assert.deepEqual(records.map((r) => r.requestId), ids, 'every request once, in order');
    assert.deepEqual(records.map((r) => r.seq), ids.map((_, i) => i + 1));
    assert.equal(result.ok, true, result.problem?.message);
    assert.ok(s.logs.some((l) => l.msg === 'audit sink unavailable: records wait in the spool'));
    assert.ok(s.logs.some((l) => l.msg === 'audit sink is back: replaying the spool'));
  });
});

describe('audit spool full', () => {
  for (const failOpen of [false, true]) {
    it(failOpen ? 'fail-open serves requests and logs each lost record loudly' : 'fail-closed refuses requests with 503 UNAVAILABLE', async () => {
      const deadPort = await freePort(); // nothing listens: the sink is down from the start
      const s = await startStack(({ emulatorUrl, issuer, dir }) => {
        writeFileSync(join(dir, 'audit.key'), KEY);
        return gatewayConfig({
          emulatorUrl, issuer,
          audit: `{postgres: {url: "postgres://postgres@127.0.0.1:${deadPort}/postgres"}, hmacKeyFile: ./audit.key, spool: {maxBytes: 4096}, failOpen: ${failOpen}}`,
        });
      });
      try {
        const token = await s.token('alice', ['ml-engineers']);
        const statuses: number[] = [];
        for (let i = 0; i < 12; i++) {
          const res = await fetch(`${s.gw.url}${MODEL_PATH}/gemini-2.0-flash:generateContent`, {
            method: 'POST', body: PROMPT, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-request-id': `r${i}` },
          });
          statuses.push(res.status);
          const body = await res.text();
          if (res.status === 503) assert.match(body, /AUDIT_UNAVAILABLE/);
        }
        assert.equal(statuses[0], 200, 'the first records fit in the spool');
        const dropped = s.logs.filter((l) => l.msg === 'AUDIT RECORD DROPPED: the audit sink is down and the spool is full');
        if (failOpen) {
          assert.ok(statuses.every((x) => x === 200), `statuses: ${statuses}`);
          assert.ok(dropped.length > 0 && dropped.every((l) => l.level === 'error' && l.severity === 'ERROR' && l.failOpen === true));
          assert.equal((await fetch(`${s.gw.adminUrl}/readyz`)).status, 200);
        } else {
          assert.equal(statuses.at(-1), 503, `statuses: ${statuses}`);
          assert.equal(statuses.filter((x) => x === 200).length, statuses.indexOf(503), 'once full, every request is refused');
          const ready = await fetch(`${s.gw.adminUrl}/readyz`);
          assert.equal(ready.status, 503);
          // What is full: bytes not yet stored, at least spool.maxBytes of them.
          const unstored = Number(/pending \((\d+) bytes\), spool \d+ bytes \(full: refusing requests\)/.exec(await ready.text())?.[1]);
          assert.ok(unstored >= 4096, `unstored bytes: ${unstored}`);
        }
        const metrics = await (await fetch(`${s.gw.adminUrl}/metrics`)).text();
        assert.match(metrics, /warden_audit_sink_up\{sink="postgres"\} 0/);
        assert.match(metrics, /warden_audit_spool_writable\{sink="postgres"\} 1/);
        assert.match(metrics, new RegExp(`warden_audit_accepting\\{sink="postgres"\\} ${failOpen ? 1 : 0}`));
        assert.match(metrics, /warden_audit_spool_bytes\{sink="postgres"\} [1-9]\d*/);
        assert.match(metrics, /warden_audit_spool_pending_bytes\{sink="postgres"\} [1-9]\d*/);
      } finally {
        await s.close();
      }
    });
  }
});

describe('a small audit spool with a working store', () => {
  it('drains as the store takes its records: requests go on being served', async () => {
    // 64 KiB: some fifty records' lines, far less than a segment once was (4 MiB), which was dropped only once that big.
    const s = await startStack(({ emulatorUrl, issuer }) => gatewayConfig({ emulatorUrl, issuer, audit: '{sqlite: ./audit.db, spool: {maxBytes: 65536}}' }));
    try {
      const token = await s.token('alice', ['ml-engineers']);
      const call = (id: string) =>
        fetch(`${s.gw.url}${MODEL_PATH}/gemini-2.0-flash:generateContent`, {
          method: 'POST', body: PROMPT, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-request-id': id },
        });
      let served = 0;
      for (let i = 0; i < 120; i++) {
        const res = await call(`small-${i}`);
        await res.arrayBuffer();
        if (res.status === 200) served++;
      }
      await until(() => s.gw.audit!.status().pending === 0, 'the records to be stored');
      assert.equal(s.gw.audit!.accepting, true);
      const ready = await fetch(`${s.gw.adminUrl}/readyz`);
      assert.equal(ready.status, 200, await ready.text());
      const res = await call('small-after');
      assert.equal(res.status, 200);
      await res.arrayBuffer();
      await until(() => s.gw.audit!.status().pending === 0, 'the last record to be stored');
      assert.ok(s.gw.audit!.status().spoolBytes < 65536, `spool: ${s.gw.audit!.status().spoolBytes} bytes`);
      // Everything is stored: nothing counts against maxBytes, whatever is still on disk.
      assert.match(await (await fetch(`${s.gw.adminUrl}/metrics`)).text(), /warden_audit_spool_pending_bytes\{sink="sqlite"\} 0\n/);
      const reader = new SqliteAuditStore(join(s.dir, 'audit.db'), { readonly: true });
      const records = await collect(reader.records());
      await reader.close();
      assert.equal(records.length, served + 1, 'every request served is stored');
    } finally {
      await s.close();
    }
  });
});
