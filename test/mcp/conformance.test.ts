// The MCP project's conformance suite (`@modelcontextprotocol/conformance`,
// its server scenarios) run against a server built on the official SDK, once
// directly and once through Warden: every scenario must come out the same (a
// proxy must not break the protocol), and all of them pass.
//
// 0.1.13 is the newest release that runs on Node 20: from 0.1.14 on, the
// suite imports fs.globSync, which Node has only from 22.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunningGateway } from '../../src/gateway.js';
import { readAuditDb } from '../helpers/audit-db.js';
import { startGatewayFromYaml } from '../helpers/gateway.js';
import { until } from '../helpers/process.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { startEverythingServer, type EverythingServer } from './everything-server.js';

interface Check {
  id: string;
  status: string;
  errorMessage?: string;
}

/** Runs the suite's server scenarios against `url`; per scenario, its checks' statuses. */
function runSuite(url: string, outDir: string): Promise<Map<string, string[]>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['node_modules/@modelcontextprotocol/conformance/dist/index.js', 'server', '--url', url, '-o', outDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', () => {
      const results = new Map<string, string[]>();
      for (const dir of readdirSync(outDir)) {
        const scenario = /^server-(.+)-\d{4}-/.exec(dir)?.[1] ?? dir;
        const checks = JSON.parse(readFileSync(join(outDir, dir, 'checks.json'), 'utf8')) as Check[];
        results.set(scenario, checks.filter((c) => c.status !== 'INFO').map((c) => `${c.id}: ${c.status}${c.errorMessage ? ` (${c.errorMessage})` : ''}`));
      }
      if (results.size === 0) reject(new Error(`the suite wrote no results:\n${out}`));
      else resolve(results);
    });
  });
}

describe('MCP conformance suite: the server alone and behind Warden', () => {
  let server: EverythingServer;
  let gw: RunningGateway;
  let dir: string;
  before(async () => {
    dir = makeTempDir('warden-mcp-conformance-');
    server = await startEverythingServer();
    // Routes by host, as a localhost MCP server's DNS rebinding protection wants: another Host finds no route.
    ({ gw } = await startGatewayFromYaml(
      `
apiVersion: warden.dev/v1alpha1
kind: Gateway
metadata: {name: conformance}
spec:
  routes:
    - {name: by-address, provider: mcp, match: {host: 127.0.0.1, pathPrefix: /mcp}, upstream: "${server.url}"}
    - {name: by-name, provider: mcp, match: {host: localhost, pathPrefix: /mcp}, upstream: "${server.url}"}
  audit: {sqlite: ./audit.db}
`,
      { dir, quiet: true },
    ));
  });
  after(async () => {
    await gw?.close();
    await server?.close();
    removeDir(dir);
  });

  it('every scenario comes out the same through Warden as against the server, and passes', async () => {
    const direct = await runSuite(server.url, join(dir, 'direct'));
    const proxied = await runSuite(`${gw.url}/mcp`, join(dir, 'warden'));
    assert.ok(direct.size >= 25, `${direct.size} scenarios ran`);
    assert.deepEqual([...proxied.keys()].sort(), [...direct.keys()].sort());
    for (const [scenario, checks] of direct) {
      assert.deepEqual(proxied.get(scenario), checks, scenario);
      for (const c of checks) assert.match(c, /: (SUCCESS|WARNING)/, `${scenario}: ${c}`);
    }
    // It did go through Warden: a record per call, the sampling and elicitation answers (client responses) among them.
    const count = (sql: string) => readAuditDb(join(dir, 'audit.db'), (db) => (db.prepare(sql).get() as { n: number }).n);
    // (Records are written off the request path: waited for.)
    await until(() => count("SELECT count(*) AS n FROM audit WHERE operation = 'response'") >= 2, 'the records of the client’s answers to the server');
    await until(() => count("SELECT count(*) AS n FROM audit WHERE route = 'by-address' AND operation = 'tools/call'") >= 10, 'tool call records');
    await until(() => count("SELECT count(*) AS n FROM audit WHERE reason LIKE 'NO_ROUTE%'") >= 1, 'the record of the DNS rebinding probe, which found no route');
  });
});
