// A static secret from a file (a Kubernetes secret mount): a bearer token or
// an API key. It does not expire; a changed file replaces it (see
// watched-file.ts), so rotation needs no restart.
import { MintError, type AccessToken, type TokenSource } from './token-source.js';

export class StaticSecretSource implements TokenSource {
  readonly perCaller = false;
  private readonly secret: string;

  constructor(readonly kind: string, text: string) {
    this.secret = text.trim();
  }

  async mint(): Promise<AccessToken> {
    if (!this.secret) throw new MintError(`${this.kind} is empty`);
    return { token: this.secret, expiresAt: Infinity };
  }
}
