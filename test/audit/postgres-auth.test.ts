// A PostgreSQL that asks for a password (SCRAM-SHA-256): the gateway's store
// and `warden audit` use the one in passwordFile / --password-file, and a
// store refused for want of one leaves no connection open behind it (which
// held a stopped gateway, or the CLI, open until the server gave up on it).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PostgresAuditStore } from '../../src/audit/postgres.js';
import { verify } from '../../src/audit/verify.js';
import { startEmulatorWithCredentials } from '../helpers/gateway.js';
import { spawnWarden, stopProcess, until, waitForOutput } from '../helpers/process.js';
import { startStack } from '../helpers/stack.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { collect, gatewayConfig, MODEL_PATH, Postgres, PROMPT, runAuditCli } from './helpers.js';

const KEY = 'pg-auth-test-key-'.repeat(4);
// Characters a URL would need escaped: the password must reach the server as written.
const PASSWORD = 'p@ss w/rd%#&=?';

describe('PostgreSQL that requires a password', () => {
  let pgServer: Postgres;
  let dir: string;
  let passwordFile: string;
  before(async () => {
    pgServer = await Postgres.create({ password: PASSWORD });
    dir = makeTempDir('warden-pg-auth-');
    passwordFile = join(dir, 'pgpass');
    writeFileSync(passwordFile, `${PASSWORD}\n`);
  });
  after(async () => {
    await pgServer?.destroy();
    removeDir(dir);
  });

  const audit = (o: { passwordFile?: boolean }) =>
    `{postgres: {url: "${pgServer.url}"${o.passwordFile ? `, passwordFile: ${passwordFile}` : ''}}, hmacKeyFile: ./audit.key, chain: replica-1}`;
  const stack = (o: { passwordFile?: boolean }) =>
    startStack(({ emulatorUrl, issuer, dir: stackDir }) => {
      writeFileSync(join(stackDir, 'audit.key'), KEY);
      return gatewayConfig({ emulatorUrl, issuer, audit: audit(o) });
    });

  it('the gateway stores its records with the password from passwordFile, and `warden audit` reads them with --password-file', async () => {
    const s = await stack({ passwordFile: true });
    try {
      const token = await s.token('alice', ['ml-engineers']);
      for (let i = 0; i < 5; i++) {
        const res = await fetch(`${s.gw.url}${MODEL_PATH}/gemini-2.0-flash:generateContent`, {
          method: 'POST', body: PROMPT, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-request-id': `pw-${i}` },
        });
        assert.equal(res.status, 200);
        await res.arrayBuffer();
      }
      await until(() => s.gw.audit!.status().pending === 0, 'the records to be stored');
      assert.equal(s.gw.audit!.status().sinkUp, true);
      assert.ok(!s.logs.some((l) => String(l.msg).startsWith('audit sink unavailable')), 'the store was reachable all along');
    } finally {
      await s.close();
    }

    const reader = new PostgresAuditStore({ url: pgServer.url, password: PASSWORD });
    const records = await collect(reader.records());
    const result = verify(Buffer.from(KEY), records, await reader.checkpoints());
    await reader.close();
    assert.deepEqual(records.map((r) => r.requestId), ['pw-0', 'pw-1', 'pw-2', 'pw-3', 'pw-4']);
    assert.equal(result.ok, true, result.problem?.message);

    const query = await runAuditCli(['query', '--postgres', pgServer.url, '--password-file', passwordFile]);
    assert.equal(query.code, 0, query.err);
    assert.equal(query.out.trim().split('\n').length, 5);
    const keyFile = join(dir, 'audit.key');
    writeFileSync(keyFile, KEY);
    const check = await runAuditCli(['verify', '--postgres', pgServer.url, '--password-file', passwordFile, '--key', keyFile]);
    assert.equal(check.code, 0, check.err);
    assert.match(check.out, /^OK: 5 record\(s\) in 1 chain\(s\) verified/);
  });

  it('a store refused for want of a password closes its connection: nothing is left open once it is closed', async () => {
    const sockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
    const open = sockets();
    const store = new PostgresAuditStore({ url: pgServer.url });
    await assert.rejects(store.head('replica-1'), /password/);
    await store.close();
    // pg left this socket open for the server to drop (authentication_timeout, 60 s), holding the process.
    await until(() => sockets() <= open, 'the refused connection to be closed');
  });

  it('a gateway whose store refused it at start stops on SIGTERM', async () => {
    const gwDir = makeTempDir('warden-pg-auth-gw-');
    const emu = await startEmulatorWithCredentials(gwDir);
    writeFileSync(join(gwDir, 'audit.key'), KEY);
    writeFileSync(join(gwDir, 'warden.yaml'), gatewayConfig({ emulatorUrl: emu.url, issuer: emu.issuer, audit: audit({}) }));
    const proc = spawnWarden(join(gwDir, 'warden.yaml'), { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      // Listening (its SIGTERM handler is set in the same turn), after the store refused it (the two lines in either order).
      await waitForOutput(proc, proc.stdout!, /^(?=[\s\S]*audit sink unavailable at start)(?=[\s\S]*"msg":"warden listening")/, { what: 'warden', timeoutMs: 30_000 });
      await stopProcess(proc);
      assert.deepEqual({ code: proc.exitCode, signal: proc.signalCode }, { code: 0, signal: null });
    } finally {
      proc.kill('SIGKILL');
      await emu.close();
      removeDir(gwDir);
    }
  });
});
