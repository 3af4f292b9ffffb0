// The bench's child processes: servers that print the URL they listen on,
// `warden start` on a config file, the load generator (bench/lib/load.ts), each
// pinned to a CPU when pinning; every child is kept and stopped at the end.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../test/helpers/process.js';
import { pinnedArgv } from './cpu.js';
import type { LoadResult, LoadSpec } from './load.js';

export { freePort };

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** argv running a TypeScript file of this repository. */
export const tsx = (file: string, ...args: string[]) => [process.execPath, '--import', 'tsx', join(ROOT, file), ...args];

/** Every process started here and not yet gone. */
export const children: ChildProcess[] = [];

// A bench that dies (an exception, Ctrl-C, its stdout piped into `head`) takes
// its servers with it: left behind, they idle on the cores the next bench pins to.
process.once('exit', () => children.forEach((c) => c.kill('SIGKILL')));
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => process.exit(130));

export function spawnPinned(cpu: number | undefined, argv: string[], o: { stdio?: StdioOptions; env?: NodeJS.ProcessEnv } = {}): ChildProcess {
  const [cmd, args] = pinnedArgv(cpu, argv);
  const proc = spawn(cmd, args, { cwd: ROOT, stdio: o.stdio ?? ['ignore', 'pipe', 'inherit'], env: o.env ?? process.env });
  children.push(proc);
  proc.once('exit', () => children.includes(proc) && children.splice(children.indexOf(proc), 1));
  return proc;
}

/** Starts a server that prints `listening http://…` (or logs `"url":"http://…"`); resolves with that URL. */
export function startListening(cpu: number | undefined, argv: string[], o: { env?: NodeJS.ProcessEnv } = {}): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawnPinned(cpu, argv, o);
  return new Promise((res, rej) => {
    let out = '';
    const onExit = (code: number | null) => rej(new Error(`${argv.join(' ')} exited (${code}) before listening: ${out}`));
    proc.once('exit', onExit);
    proc.stdout!.on('data', (d: Buffer) => {
      const m = /listening (http:\/\/\S+)|"url":"(http:\/\/[^"]+)"/.exec((out += d));
      if (!m) return;
      proc.off('exit', onExit);
      proc.stdout!.removeAllListeners('data').resume();
      res({ proc, url: (m[1] ?? m[2])! });
    });
  });
}

/** The stub upstream (bench/upstream.ts): a fixed generateContent answer for any bearer token. */
export const startUpstream = (cpu: number | undefined) => startListening(cpu, tsx('bench/upstream.ts'));

/**
 * The environment of a Warden under measurement: as deployed, the built
 * JavaScript in dist/ (bin/warden.js builds it first when src/ changed) with
 * NODE_ENV=production. Not the sources through tsx, which test helpers ask
 * for (WARDEN_SOURCE=1, set by importing test/helpers/process.ts, as this
 * module does): a tsx loader thread, source maps and TypeScript compiled in
 * the process are not what users run.
 */
export function wardenEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'production', ...extra };
  delete env.WARDEN_SOURCE;
  return env;
}

/**
 * `warden start -c configFile` (output to /dev/null unless `stdio` says
 * otherwise) in `wardenEnv`, resolved once `readyUrl` (its admin /readyz,
 * or any URL it serves) answers 2xx.
 */
export async function startWarden(
  cpu: number | undefined,
  configFile: string,
  readyUrl: string,
  o: { env?: NodeJS.ProcessEnv; nodeArgs?: string[]; stdio?: StdioOptions } = {},
): Promise<ChildProcess> {
  const proc = spawnPinned(cpu, [process.execPath, ...(o.nodeArgs ?? []), join(ROOT, 'bin/warden.js'), 'start', '-c', configFile], { stdio: o.stdio ?? ['ignore', 'ignore', 'inherit'], env: wardenEnv(o.env) });
  for (let i = 0; i < 300; i++) {
    if (proc.exitCode !== null) throw new Error(`warden (${configFile}) exited (${proc.exitCode}) before it was ready`);
    if (await fetch(readyUrl).then((r) => r.ok, () => false)) return proc;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`warden (${configFile}): ${readyUrl} never became ready`);
}

/** SIGTERM, SIGKILL after 10 s; resolves once the process is gone. */
export function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    proc.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    proc.kill('SIGTERM');
  });
}

export const stopAll = () => Promise.all([...children].map(stop));

/** One run of the load generator (bench/lib/load.ts), pinned to `cpu`. */
export function runLoad(cpu: number | undefined, spec: LoadSpec): Promise<LoadResult> {
  const proc = spawnPinned(cpu, tsx('bench/lib/load.ts', JSON.stringify(spec)));
  return new Promise((res, rej) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => (out += d));
    proc.once('exit', (code) => (code === 0 ? res(JSON.parse(out.trim().split('\n').pop()!) as LoadResult) : rej(new Error(`load generator exited ${code}`))));
  });
}
