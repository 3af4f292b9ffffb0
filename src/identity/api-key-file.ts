// The API key file (`identity.apiKeys.file`): read and checked at load, then
// watched, so that a key can be added, rotated or revoked without a restart.
// A new file that does not parse, or that names a key twice, is refused: the
// last good key set stays in use and the log says why. The watcher is the
// credentials' (directory watch, so a Kubernetes secret's symlink swap counts).
import { parse as parseYaml } from 'yaml';
import { WatchedFile } from '../credentials/watched-file.js';
import { apiKeyFile, type ApiKeySpec } from '../config/schema.js';
import type { Logger } from '../telemetry/log.js';
import type { ApiKeys } from './api-keys.js';

export interface KeyProblem {
  message: string;
  hint: string;
}

/** The keys a file's text holds, or every reason it cannot be used. */
export function parseApiKeyFile(text: string, label: string): { keys: ApiKeySpec[] } | { problems: KeyProblem[] } {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    return { problems: [{ message: `${label} is not YAML or JSON: ${(e as Error).message}`, hint: 'a YAML or JSON file: {keys: [{name, sha256, groups}]}' }] };
  }
  const parsed = apiKeyFile.safeParse(raw);
  if (parsed.success) return { keys: parsed.data.keys };
  return {
    problems: parsed.error.issues.map((issue) => ({
      message: `${label}: ${issue.path.join('.')}: ${issue.message}`,
      hint: 'the file holds {keys: [{name, sha256, groups}]}',
    })),
  };
}

/** Keys whose name or hash an earlier key already has. */
export function duplicateKeys(keys: readonly ApiKeySpec[]): string[] {
  const names = new Set<string>();
  const hashes = new Set<string>();
  const out: string[] = [];
  for (const k of keys) {
    const hash = k.sha256.toLowerCase();
    if (names.has(k.name) || hashes.has(hash)) out.push(k.name);
    names.add(k.name);
    hashes.add(hash);
  }
  return out;
}

export class ApiKeyFile {
  /**
   * @param file the key file, already read and checked
   * @param inline the config's own `apiKeys.keys`, kept in every key set
   * @param keys the key set requests are checked against, replaced on each good change
   */
  constructor(
    private readonly file: WatchedFile,
    private readonly inline: readonly ApiKeySpec[],
    private readonly keys: ApiKeys,
  ) {}

  watch(log?: Logger): void {
    this.file.watch((text) => this.reload(text, log));
  }

  close(): void {
    this.file.close();
  }

  private reload(text: string, log?: Logger): void {
    const parsed = parseApiKeyFile(text, this.file.path);
    const problems = 'problems' in parsed ? parsed.problems.map((p) => p.message) : [];
    const all = 'keys' in parsed ? [...this.inline, ...parsed.keys] : [];
    for (const name of duplicateKeys(all)) problems.push(`API key "${name}" is defined twice (same name or same hash)`);
    if (problems.length) {
      log?.warn({ file: this.file.path, problems }, 'API key file rejected; the last good key set stays in use');
      return;
    }
    this.keys.replace(all);
    log?.info({ file: this.file.path, keys: all.length }, 'API keys reloaded');
  }
}
