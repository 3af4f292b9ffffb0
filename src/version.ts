// What this Warden is: the version in package.json, the commit it was built
// from when known (WARDEN_COMMIT, else what the build step wrote), and the
// Node.js it runs on. `warden --version`, GET /version, warden_build_info and
// the start log line all say the same.
import { readFileSync } from 'node:fs';

/** The checkout's root: one folder up from src/ or from dist/, whichever this file runs from. */
const ROOT = new URL('..', import.meta.url);

function readJson(url: URL): Record<string, unknown> | undefined {
  try {
    return JSON.parse(readFileSync(url, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

export interface BuildInfo {
  version: string;
  /** The git commit, when the build step could tell it (or WARDEN_COMMIT says it). */
  commit?: string;
  node: string;
}

let info: BuildInfo | undefined;

export function buildInfo(): BuildInfo {
  if (info) return info;
  // build.json lies beside the compiled modules (dist/): from the sources, only WARDEN_COMMIT can say.
  const commit = process.env.WARDEN_COMMIT || (readJson(new URL('./build.json', import.meta.url))?.commit as string | undefined);
  info = { version: String(readJson(new URL('package.json', ROOT))?.version ?? 'unknown'), ...(commit ? { commit } : {}), node: process.versions.node };
  return info;
}
