// Cores: which CPUs this process may use, pinning a process to one with
// taskset, and how much CPU time a process has used (from /proc).
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const CLK_TCK = 100; // Linux USER_HZ

/** The CPUs taskset says this process may run on; empty without taskset. */
export function allowedCpus(): number[] {
  const r = spawnSync('taskset', ['-pc', String(process.pid)], { encoding: 'utf8' });
  if (r.status !== 0) return [];
  const list = r.stdout.split(':').pop()!.trim();
  const cpus: number[] = [];
  for (const part of list.split(',')) {
    const [a, b] = part.split('-').map(Number);
    for (let c = a!; c <= (b ?? a!); c++) cpus.push(c);
  }
  return cpus;
}

export const cpus = allowedCpus();
/** Servers and the load generator get cores of their own (taskset is there, with two or more CPUs). */
export const pinning = cpus.length >= 2;

/** `argv` run under `taskset -c cpu` when pinning (and a CPU is given). */
export function pinnedArgv(cpu: number | undefined, argv: string[]): [string, string[]] {
  return pinning && cpu !== undefined ? ['taskset', ['-c', String(cpu), ...argv]] : [argv[0]!, argv.slice(1)];
}

/** Moves a running process (all its threads) to `cpu`. */
export function repin(pid: number, cpu: number | undefined): void {
  if (!pinning || cpu === undefined) return;
  const r = spawnSync('taskset', ['-a', '-pc', String(cpu), String(pid)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`taskset -pc ${cpu} ${pid}: ${r.stderr}`);
}

/**
 * CPU seconds (user + system) a process has used so far, all its threads;
 * with `tid`, that one thread's (the main thread's tid is the pid). NaN where
 * /proc is missing.
 */
export function cpuSeconds(pid: number, tid?: number): number {
  try {
    const stat = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLK_TCK; // utime, stime (fields 14, 15)
  } catch {
    return NaN;
  }
}

/**
 * Moves one thread (`taskset -pc` without -a) to `cpu`. For the main thread
 * (tid = pid) of a process that started unpinned: the threads it had made by
 * then (V8's GC helpers, an audit store's thread) stay free to run on any CPU.
 */
export function pinThread(tid: number, cpu: number | undefined): void {
  if (!pinning || cpu === undefined) return;
  const r = spawnSync('taskset', ['-pc', String(cpu), String(tid)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`taskset -pc ${cpu} ${tid}: ${r.stderr}`);
}
