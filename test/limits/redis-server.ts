// A real redis-server on a free loopback port, started and stopped by the test.
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort, stopProcess, waitForOutput } from '../helpers/process.js';


export interface RedisProcess {
  port: number;
  url: string;
  stop(): Promise<void>;
}

export async function startRedis(port?: number): Promise<RedisProcess> {
  const p = port ?? (await freePort());
  const child: ChildProcess = spawn('redis-server', ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await waitForOutput(child, child.stdout!, /Ready to accept connections/, { what: 'redis-server', timeoutMs: 10_000 });
  return {
    port: p,
    url: `redis://127.0.0.1:${p}`,
    stop: () => stopProcess(child, 'SIGKILL'),
  };
}
