// What `warden audit query` and `export` print, and where.
import { once } from 'node:events';
import { closeSync, openSync, writeSync } from 'node:fs';
import type { ChainedRecord } from '../audit/record.js';

/** A problem that is not the store's (the key, the output file): its message is whole. */
export class CliTrouble extends Error {}

export function queryLine(r: ChainedRecord): string {
  const findings = r.findings?.map((f) => `${f.type}/${f.direction}/${f.action}/${f.count}`).join(',');
  const quota = r.quota?.exceeded ? `exceeded:${r.quota.exceeded}` : r.quota ? r.quota.rules.join(',') : '';
  return [r.time, r.requestId, r.principal ?? '-', r.model ?? '-', r.operation ?? '-', r.decision, r.status, r.totalTokens ?? '-', r.policy ?? '-',
    findings || '-', quota || '-', r.via ?? '-', r.reason || '-'].map(printable).join('\t');
}

const ESCAPES: Record<string, string> = { '\t': '\\t', '\n': '\\n', '\r': '\\r', '\\': '\\\\' };

/**
 * A field with its control characters (C0, DEL, C1: tab and newline among
 * them, and what a terminal would act on), the Unicode line separators and
 * the backslash itself escaped: a caller chooses some fields (the model comes
 * URL-decoded from the path), and must not be able to make a line that reads
 * as another record. Escaping the backslash keeps the escapes unambiguous.
 */
function printable(v: string | number): string {
  return String(v).replace(/[\x00-\x1f\x7f-\x9f\u2028\u2029\\]/g, (c) => ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Lines to FILE (created or truncated at once, so a bad path fails before
 * anything is read) or to stdout, ~64 KB per write; stdout's own buffer is
 * let drain when full.
 */
export function chunkedWriter(file: string | undefined): { write(line: string): Promise<void>; close(): Promise<void> } {
  let fd: number | undefined;
  try {
    fd = file === undefined ? undefined : openSync(file, 'w', 0o640);
  } catch (e) {
    throw new CliTrouble(`cannot write ${file}: ${(e as Error).message}`);
  }
  // A reader that stopped (`… | head`) is not a failure to read the store: end quietly, as standard tools do.
  if (fd === undefined) process.stdout.on('error', endOnClosedPipe);
  let chunk = '';
  const flush = async () => {
    if (!chunk) return;
    const text = chunk;
    chunk = '';
    if (fd === undefined) {
      if (!process.stdout.write(text)) await once(process.stdout, 'drain');
      return;
    }
    try {
      writeSync(fd, text);
    } catch (e) {
      throw new CliTrouble(`cannot write ${file}: ${(e as Error).message}`);
    }
  };
  return {
    async write(line) {
      chunk += line + '\n';
      if (chunk.length >= 1 << 16) await flush();
    },
    async close() {
      try {
        await flush();
      } finally {
        if (fd !== undefined) closeSync(fd);
      }
    },
  };
}


function endOnClosedPipe(e: NodeJS.ErrnoException): void {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
}
