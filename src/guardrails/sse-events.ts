// Server-sent events for guard(response): like the providers' SseSplitter,
// but an event keeps its other fields (`event:`, `id:`, `retry:`, comments)
// verbatim and in order, so that the rewritten stream carries them unchanged.
// Feed it bytes cut anywhere; lines end with `\n` or `\r\n`. An event larger
// than `cap` bytes throws (the response breaks rather than pass unread).

/** One event: its data (the `data:` lines joined with `\n`, absent when it has none) and its other lines. */
export interface SseEvent {
  data?: string;
  /** Non-data lines as they came (without line ends), in order. */
  fields: string[];
  /** Where the data line goes among `fields` (the position of the first `data:` line). */
  dataAt: number;
}

const LF = 0x0a;

export class SseEventSplitter {
  /** The current, unfinished line (copied: the caller may reuse its chunks). */
  private line: Buffer[] = [];
  private fields: string[] = [];
  private data: string[] = [];
  private dataAt = -1;
  private size = 0;

  constructor(
    private readonly onEvent: (e: SseEvent) => void,
    private readonly cap: number,
  ) {}

  push(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length) {
      const nl = chunk.indexOf(LF, pos);
      const end = nl === -1 ? chunk.length : nl;
      if (end > pos) {
        this.size += end - pos;
        if (this.size > this.cap) throw new Error(`stream event larger than ${this.cap} bytes cannot be guarded`);
        this.line.push(nl === -1 ? Buffer.from(chunk.subarray(pos, end)) : chunk.subarray(pos, end));
      }
      if (nl === -1) return;
      this.endLine();
      pos = nl + 1;
    }
  }

  /** End of input: an event without its closing blank line is still delivered. */
  end(): void {
    if (this.line.length) this.endLine();
    this.dispatch();
  }

  private endLine(): void {
    let text = this.line.length === 1 ? this.line[0]!.toString('utf8') : Buffer.concat(this.line).toString('utf8');
    this.line = [];
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (text === '') return this.dispatch();
    if (text.startsWith('data') && (text.length === 4 || text[4] === ':')) {
      if (this.dataAt < 0) this.dataAt = this.fields.length;
      const v = text.slice(5);
      this.data.push(v.startsWith(' ') ? v.slice(1) : v);
    } else {
      this.fields.push(text);
    }
  }

  private dispatch(): void {
    this.size = 0;
    if (this.dataAt < 0 && this.fields.length === 0) return;
    const e: SseEvent = { fields: this.fields, dataAt: this.dataAt < 0 ? this.fields.length : this.dataAt };
    if (this.dataAt >= 0) e.data = this.data.join('\n');
    this.fields = [];
    this.data = [];
    this.dataAt = -1;
    this.onEvent(e);
  }
}

/** An event back on the wire: its fields around one `data:` line per line of `data`. */
export function serializeEvent(data: string | undefined, fields: readonly string[], dataAt: number): string {
  const lines = data === undefined ? [...fields] : [...fields.slice(0, dataAt), ...data.split('\n').map((d) => `data: ${d}`), ...fields.slice(dataAt)];
  return `${lines.join('\n')}\n\n`;
}
