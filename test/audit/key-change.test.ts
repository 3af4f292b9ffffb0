// Changing the audit HMAC key: the gateway restarted with a new hmacKeyFile
// and the old one in previousKeyFiles goes on with its chain and says so;
// `warden audit verify` checks the whole log with both keys (from the config,
// or --key given twice) and names where the chain changed key.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startGatewayFromYaml } from '../helpers/gateway.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { drained, gatewayConfig, MODEL_PATH, PROMPT, runCli } from './helpers.js';

const OLD = 'old-audit-key-'.repeat(4);
const NEW = 'new-audit-key-'.repeat(4);

describe('changing the audit HMAC key', () => {
  let s: Stack;
  let configFile: string;
  let restartLogs: Record<string, unknown>[];
  const audit = (keys: string) => `{sqlite: ./audit.db, chain: warden-0, ${keys}}`;

  before(async () => {
    let config = '';
    s = await startStack(({ emulatorUrl, issuer, dir }) => {
      writeFileSync(join(dir, 'old.key'), `${OLD}\n`);
      writeFileSync(join(dir, 'new.key'), `${NEW}\n`);
      config = gatewayConfig({ emulatorUrl, issuer, audit: audit('hmacKeyFile: ./new.key, previousKeyFiles: [./old.key]') });
      return gatewayConfig({ emulatorUrl, issuer, audit: audit('hmacKeyFile: ./old.key') });
    });
    const token = await s.token('alice', ['ml-engineers']);
    const call = (url: string) =>
      fetch(`${url}${MODEL_PATH}/gemini-2.0-flash:generateContent`, {
        method: 'POST', body: PROMPT, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      }).then((r) => r.text());
    for (let i = 0; i < 3; i++) await call(s.gw.url);
    await drained(s.gw.audit!);
    await s.gw.close();
    // The same replica (chain warden-0) started again under the new key, the old one kept for what it wrote.
    const again = await startGatewayFromYaml(config, { dir: s.dir, file: 'new.yaml' });
    configFile = again.configFile;
    restartLogs = again.logs;
    try {
      for (let i = 0; i < 2; i++) await call(again.gw.url);
      await drained(again.gw.audit!);
    } finally {
      await again.gw.close();
    }
  });
  after(() => s?.close());

  it('goes on with the chain, saying where the key changed instead of AUDIT KEY MISMATCH', () => {
    assert.equal(restartLogs.filter((l) => String(l.msg).startsWith('AUDIT KEY MISMATCH')).length, 0);
    const changed = restartLogs.find((l) => String(l.msg).startsWith('audit HMAC key changed'));
    assert.ok(changed, 'the key change is logged');
    assert.equal(changed.chain, 'warden-0');
    assert.equal(changed.seq, 3);
  });

  it('warden audit verify -c checks the whole log with hmacKeyFile and previousKeyFiles', async () => {
    const ok = await runCli(['audit', 'verify', '-c', configFile]);
    assert.equal(ok.code, 0, ok.out);
    assert.match(ok.out, /^OK: 5 record\(s\) in 1 chain\(s\) verified, 2 checkpoint\(s\)\nkey changed: chain warden-0 from seq 4\n$/);
  });

  it('--key given twice does the same; the new key alone fails the records before the change', async () => {
    const db = join(s.dir, 'audit.db');
    const both = await runCli(['audit', 'verify', '--sqlite', db, '--key', join(s.dir, 'new.key'), '--key', join(s.dir, 'old.key')]);
    assert.equal(both.code, 0, both.out);
    assert.match(both.out, /key changed: chain warden-0 from seq 4/);
    const alone = await runCli(['audit', 'verify', '--sqlite', db, '--key', join(s.dir, 'new.key')]);
    assert.equal(alone.code, 1);
    assert.match(alone.out, /^TAMPERED \(changed\): record seq 1 of chain warden-0/);
  });
});
