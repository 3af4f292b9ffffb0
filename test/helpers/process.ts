// Child processes and waiting: free loopback ports, polling a condition,
// waiting for a line a process prints, `warden start` as its own process,
// and stopping a child.
import './source.js';
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createServer } from 'node:net';
import type { Readable } from 'node:stream';

/** A TCP port nothing listens on right now (loopback). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Polls `cond` every `intervalMs` until it holds; throws `timed out waiting for <what>` after `timeoutMs`. */
export async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000, intervalMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Resolves with the first match of `pattern` in what `stream` (of `proc`) has
 * printed so far; rejects when the process exits first, or after `timeoutMs`.
 * Once matched, the stream keeps flowing (and is no longer read).
 */
export function waitForOutput(proc: ChildProcess, stream: Readable, pattern: RegExp, o: { what?: string; timeoutMs?: number } = {}): Promise<RegExpExecArray> {
  const what = o.what ?? 'the process';
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = o.timeoutMs === undefined ? undefined : setTimeout(() => done(new Error(`${what} did not start: ${out}`)), o.timeoutMs);
    const onData = (d: Buffer) => {
      out += d;
      const m = pattern.exec(out);
      if (m) done(undefined, m);
    };
    const onExit = (code: number | null) => done(new Error(`${what} exited (${code}): ${out}`));
    function done(err?: Error, m?: RegExpExecArray) {
      if (timer) clearTimeout(timer);
      stream.off('data', onData);
      proc.off('exit', onExit);
      stream.resume();
      if (err) reject(err);
      else resolve(m!);
    }
    stream.on('data', onData);
    proc.once('exit', onExit);
  });
}

/** The pattern of the `"url":"http://…"` that `warden start` logs once it listens. */
export const LISTENING_URL = /"url":"(http:\/\/[^"]+)"/;

/**
 * `node bin/warden.js start -c <configFile>`, from the repository root (the
 * tests' working directory). Nothing is read from it; a piped stderr is drained.
 */
export function spawnWarden(configFile: string, o: { stdio?: SpawnOptions['stdio']; env?: NodeJS.ProcessEnv } = {}): ChildProcess {
  const proc = spawn(process.execPath, ['bin/warden.js', 'start', '-c', configFile], { stdio: o.stdio ?? ['ignore', 'ignore', 'inherit'], ...(o.env ? { env: o.env } : {}) });
  proc.stderr?.resume();
  return proc;
}

/** `warden start` (see spawnWarden), resolved once it logs the URL it listens on (so at info level). */
export async function startWardenProcess(configFile: string, o: { env?: NodeJS.ProcessEnv } = {}): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawnWarden(configFile, { stdio: ['ignore', 'pipe', 'inherit'], env: o.env });
  const m = await waitForOutput(proc, proc.stdout!, LISTENING_URL, { what: 'warden' });
  return { proc, url: m[1]! };
}

/** Sends `signal` (SIGTERM by default) unless the process has already exited; resolves once it has. */
export function stopProcess(proc: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    proc.once('exit', () => resolve());
    proc.kill(signal);
  });
}

/** Every JSON line `stream` prints from now on, parsed, in `lines` (other lines are skipped). */
export function jsonLines(stream: Readable): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  let rest = '';
  stream.on('data', (d: Buffer) => {
    const parts = (rest + String(d)).split('\n');
    rest = parts.pop()!;
    for (const line of parts) {
      if (!line.startsWith('{')) continue;
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not a log line
      }
    }
  });
  return lines;
}

/** Resolves with the process's exit code and signal once it has exited. */
export function exited(proc: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve({ code: proc.exitCode, signal: proc.signalCode });
  return new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
}
