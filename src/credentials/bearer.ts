// A static bearer secret read from a file (a Kubernetes secret mount). It is
// re-read every few minutes so that a rotated secret is picked up.
import { readFile } from 'node:fs/promises';
import type { AccessToken, TokenSource } from './token-source.js';

const REREAD_MS = 10 * 60_000;

export class BearerFileSource implements TokenSource {
  readonly kind = 'bearer file';

  constructor(private readonly file: string) {}

  async mint(): Promise<AccessToken> {
    const token = (await readFile(this.file, 'utf8')).trim();
    if (!token) throw new Error(`bearer file ${this.file} is empty`);
    return { token, expiresAt: Date.now() + REREAD_MS };
  }
}
