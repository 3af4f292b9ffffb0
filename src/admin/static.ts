// The console's files, built by `npm run build:console` (esbuild) into
// dist/console/ of the package: every script, style and font is served from
// here, so the console works without any other site (no CDN) and offline.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
};

/** Scripts, styles and connections only from this origin; no framing; no plugins. */
export const CONSOLE_CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

export interface ConsoleFile {
  type: string;
  body: Buffer;
}

/** The package's root: the nearest directory above this module with a package.json (from source or from a build). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
  return dir;
}

export const CONSOLE_DIR = join(packageRoot(), 'dist', 'console');

/** The built files by URL path (`/` is index.html), read once; undefined when the console was not built. */
export function loadConsole(dir = CONSOLE_DIR): Map<string, ConsoleFile> | undefined {
  if (!existsSync(join(dir, 'index.html'))) return undefined;
  const files = new Map<string, ConsoleFile>();
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)];
    if (!type) continue;
    files.set(name === 'index.html' ? '/' : `/${name}`, { type, body: readFileSync(join(dir, name)) });
  }
  return files;
}
