import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs. Token-bearing headers are redacted wherever they appear. */
export function createLogger(opts: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino(
    {
      level: opts.level ?? process.env.WARDEN_LOG_LEVEL ?? 'info',
      base: undefined,
      redact: ['*.authorization', '*.cookie', '*["x-goog-api-key"]', '*["x-api-key"]', 'token', '*.token'],
    },
    opts.destination ?? process.stdout,
  );
}
