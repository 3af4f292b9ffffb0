// A key file kept in memory and watched: when its content changes, the
// credential built from it is rebuilt, so rotation needs no restart.
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';

/** Writers truncate, then write: wait for the burst of events to settle before reading. */
const SETTLE_MS = 50;

export class WatchedFile {
  private watcher?: FSWatcher;
  private timer?: NodeJS.Timeout;
  private text: string;

  /** Reads the file now; throws what readFileSync throws. */
  constructor(readonly path: string) {
    this.text = readFileSync(path, 'utf8');
  }

  get content(): string {
    return this.text;
  }

  watch(onChange: (text: string) => void): void {
    // The directory, not the file: Kubernetes updates a secret mount by
    // swapping a symlink, which a watch on the file itself never sees.
    const name = basename(this.path);
    try {
      this.watcher = watch(dirname(this.path), { persistent: false }, (_event, changed) => {
        // Only this file, or Kubernetes' `..data` symlink swap: not every write of a neighbour (an SQLite audit log, its spool).
        if (changed && changed !== name && !changed.startsWith('..')) return;
        clearTimeout(this.timer);
        this.timer = setTimeout(() => void this.check(onChange), SETTLE_MS);
        this.timer.unref();
      });
      this.watcher.on('error', () => this.watcher?.close());
    } catch {
      // No watch support on this filesystem: the file keeps its content until restart.
    }
  }

  close(): void {
    clearTimeout(this.timer);
    this.watcher?.close();
  }

  private async check(onChange: (text: string) => void): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch {
      return; // mid-swap; the next event reads it again
    }
    if (text === this.text) return;
    this.text = text;
    onChange(text);
  }
}
