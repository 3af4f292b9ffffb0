// A port that is taken: `warden start` says which one and for which config
// field, exits 1 without a stack trace, and an in-process start closes what it
// had opened (the main listener is free again).
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Emulator } from '../../src/emulator/index.js';
import { loadGateway, startGateway } from '../../src/gateway.js';
import { ListenError } from '../../src/listen.js';
import { meshConfig } from '../extauthz/mesh.js';
import { startEmulatorWithCredentials } from '../helpers/gateway.js';
import { quietLogger } from '../helpers/logs.js';
import { freePort, spawnWarden } from '../helpers/process.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';

let dir: string;
let emu: Emulator;
let taken: Server;
let takenPort: number;
before(async () => {
  dir = makeTempDir('warden-start-failure-');
  emu = await startEmulatorWithCredentials(dir);
  taken = createServer().listen(0, '127.0.0.1');
  await once(taken, 'listening');
  takenPort = (taken.address() as { port: number }).port;
});
after(async () => {
  taken.close();
  await emu.close();
  removeDir(dir);
});

/** The mesh config with the given ports (0: any), its audit in `dir`. */
function config(name: string, ports: { listen: number; grpc: number }): string {
  const file = join(dir, `${name}.yaml`);
  const text = meshConfig({ emulatorUrl: emu.url, issuer: emu.issuer })
    .replace('listen: {host: 127.0.0.1, port: 0}', `listen: {host: 127.0.0.1, port: ${ports.listen}}`)
    .replace('grpc: {port: 0}', `grpc: {port: ${ports.grpc}}`)
    .replace('  routes:', `  audit: {sqlite: ./${name}-audit.db}\n  routes:`);
  writeFileSync(file, text);
  return file;
}

async function run(file: string): Promise<{ code: number | null; stderr: string }> {
  const proc = spawnWarden(file, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d));
  const [code] = (await once(proc, 'exit')) as [number | null];
  return { code, stderr };
}

describe('warden start on a port that is taken', () => {
  it('names the address and spec.listen.port, exit 1, no stack trace', async () => {
    const { code, stderr } = await run(config('listen', { listen: takenPort, grpc: 0 }));
    assert.equal(code, 1);
    assert.match(stderr, new RegExp(`^warden: not started: cannot listen on 127\\.0\\.0\\.1:${takenPort} \\(spec\\.listen\\.port\\): the port is in use$`, 'm'));
    assert.doesNotMatch(stderr, /^\s+at /m);
  });

  it('names spec.extAuthz.grpc.port for the gRPC ext_authz listener', async () => {
    const { code, stderr } = await run(config('grpc', { listen: 0, grpc: takenPort }));
    assert.equal(code, 1);
    assert.match(stderr, new RegExp(`^warden: not started: cannot listen on 127\\.0\\.0\\.1:${takenPort} \\(spec\\.extAuthz\\.grpc\\.port\\): the port is in use$`, 'm'));
    assert.doesNotMatch(stderr, /^\s+at /m);
  });

  it('in process: rejects with a ListenError and closes the listeners it had opened', async () => {
    const port = await freePort();
    const parts = await loadGateway(config('inproc', { listen: port, grpc: takenPort }));
    await assert.rejects(startGateway(parts, { log: quietLogger() }), (e: unknown) => {
      assert.ok(e instanceof ListenError);
      assert.match(e.message, /spec\.extAuthz\.grpc\.port/);
      return true;
    });
    // The main listener got the port before the ext_authz one failed; it was closed again.
    const again = createServer().listen(port, '127.0.0.1');
    await once(again, 'listening');
    again.close();
  });
});
