// Loggers for gateways under test: one that keeps its JSON lines for
// assertions, one that throws everything away.
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/telemetry/log.js';

/** A stream that parses each JSON line written to it into `lines`. */
export function jsonLineSink(lines: Record<string, unknown>[]): Writable {
  return new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
      cb();
    },
  });
}

/** A logger that keeps its lines, parsed, for assertions. */
export function memoryLogger(level?: string): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  return { log: createLogger({ destination: jsonLineSink(lines), ...(level ? { level } : {}) }), lines };
}

/** A logger that writes nowhere. */
export function quietLogger(): Logger {
  return createLogger({ destination: new Writable({ write: (_c, _e, cb) => cb() }) });
}
