// h2load (nghttp2's HTTP/2 load generator, C and libev) as a gRPC client: a
// unary call is a POST of the length-prefixed message with gRPC's headers.
// h2load sees HTTP statuses only (grpc-status is in the trailers), so the
// caller checks gRPC outcomes another way.
//
//   paced   --timing-script-file: one connection, a request at each offset of
//           the script, whatever the answers do (open loop, as Envoy sends);
//           --log-file gives each request's start and latency
//   closed  -D seconds with -m streams always in flight: the maximum rate
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnPinned } from './procs.js';

export const NGHTTP2_PACKAGES = 'apt-get install nghttp2-client nghttp2-server';

/** True when `cmd --version` runs. */
export const installed = (cmd: string) => spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0;

/** The gRPC length-prefixed message: flag byte 0 (uncompressed), 4-byte big-endian length, the message. */
export function grpcFrame(message: Buffer): Buffer {
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  message.copy(frame, 5);
  return frame;
}

/** The headers a gRPC unary call sends (Envoy's ext_authz client adds the deadline: Istio's provider timeout). */
export const grpcHeaders = (timeout = '200m') => ['content-type:application/grpc', 'te:trailers', `grpc-timeout:${timeout}`].flatMap((h) => ['-H', h]);

/** A timing script: `count` requests for `path`, `gapMs` apart (h2load reads microsecond resolution). */
export function writeTimingScript(file: string, path: string, count: number, gapMs: number): void {
  const lines = new Array<string>(count);
  for (let i = 0; i < count; i++) lines[i] = `${(i * gapMs).toFixed(3)}\t${path}`;
  writeFileSync(file, lines.join('\n') + '\n');
}

/** h2load's closing counts ("requests: N total, N started, N done, N succeeded, N failed, N errored, N timeout"). */
export interface H2loadCounts {
  total: number;
  started: number;
  done: number;
  /** 2xx answers. */
  succeeded: number;
  failed: number;
  errored: number;
  timeout: number;
}

/** Runs h2load pinned to `cpu`; rejects unless it exits 0. `onSpawn` runs once the process is started. */
/** Runs h2load to its end. A `--log-file` is emptied first: h2load appends to it, and a log holding an earlier run's rows gives a wrong rate and wrong percentiles. */
export function h2load(cpu: number | undefined, args: string[], o: { env?: NodeJS.ProcessEnv; onSpawn?: () => void } = {}): Promise<{ counts: H2loadCounts; stdout: string }> {
  for (const a of args) if (a.startsWith('--log-file=')) rmSync(a.slice('--log-file='.length), { force: true });
  const proc = spawnPinned(cpu, ['h2load', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...o.env } });
  o.onSpawn?.();
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d));
  proc.stderr!.on('data', (d: Buffer) => (out += d));
  return new Promise((resolve, reject) => {
    proc.once('exit', (code) => {
      const m = /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/.exec(out);
      if (code !== 0 || !m) return reject(new Error(`h2load ${args.join(' ')} exited ${code}:\n${out}`));
      const [total, started, done, succeeded, failed, errored, timeout] = m.slice(1).map(Number) as [number, number, number, number, number, number, number];
      resolve({ counts: { total, started, done, succeeded, failed, errored, timeout }, stdout: out });
    });
  });
}

/** A --log-file, ordered by request start: start (µs since the epoch), HTTP status (-1: the stream failed), latency (ms). */
export interface H2loadLog {
  start: Float64Array;
  status: Int32Array;
  latencyMs: Float64Array;
}

export function readLog(file: string): H2loadLog {
  const rows = readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\t').map(Number) as [number, number, number])
    .sort((a, b) => a[0] - b[0]);
  return {
    start: Float64Array.from(rows, (r) => r[0]),
    status: Int32Array.from(rows, (r) => r[1]),
    latencyMs: Float64Array.from(rows, (r) => r[2] / 1000),
  };
}

/** Mean time between request starts from row `from` on, in ms. */
export function meanGapMs(log: H2loadLog, from = 0): number {
  const n = log.start.length - from;
  return n < 2 ? NaN : (log.start[log.start.length - 1]! - log.start[from]!) / 1000 / (n - 1);
}
