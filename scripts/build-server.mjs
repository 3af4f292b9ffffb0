// Compiles Warden's TypeScript (src/, not the browser console) to plain
// JavaScript in dist/server/, one file per module, the same tree, so that the
// gateway runs without a loader: tsx's hooks run on a thread of their own in
// Node 20 (with the transformed sources and their maps, ~60 MB of a process at
// idle, again in each worker thread that registers it). Types are not checked
// here (`npm run typecheck` does).
//
// `ensureServerBuild()` (bin/warden.js, on every start) rebuilds only when the
// sources changed: a fingerprint of every file's path, size and mtime, ~200
// stats. `npm ci` builds it once through `prepare`. When dist/ cannot be
// written (a read-only checkout), it returns undefined and the caller runs the
// sources through tsx, as before.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(root, 'src');
const OUT = join(root, 'dist', 'server');
/** Bump when the build's options change: every checkout rebuilds. */
const BUILD_VERSION = '1';
/** Folders that are not server code: the console (built by build-console.mjs) and protos (linked). */
const SKIP = new Set([join(SRC, 'admin', 'console')]);

function sources(dir = SRC, out = { ts: [], assets: [] }) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (SKIP.has(p)) continue;
    if (e.isDirectory()) {
      // Non-code folders (the vendored protos) are linked, not copied: read where they are.
      if (e.name === 'proto') out.assets.push(p);
      else sources(p, out);
    } else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.ts.push(p);
  }
  return out;
}

function fingerprint(files) {
  const h = createHash('sha256').update(`${BUILD_VERSION}\n${process.version}\n`);
  for (const f of files) {
    const s = statSync(f);
    h.update(`${relative(SRC, f)}\0${s.size}\0${s.mtimeMs}\n`);
  }
  return h.digest('hex');
}

/** dist/server/ up to date with src/ (built now if not): its path, or undefined when it cannot be built here. */
export async function ensureServerBuild() {
  const { ts, assets } = sources();
  const print = fingerprint(ts);
  const stamp = join(OUT, '.fingerprint');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === print) return OUT;
  const tmp = `${OUT}.tmp-${process.pid}`;
  try {
    const { build } = await import('esbuild');
    rmSync(tmp, { recursive: true, force: true });
    await build({
      entryPoints: ts,
      outdir: tmp,
      outbase: SRC,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      // Not minified, no keepNames: readable stacks, and no name-setting call per closure made.
      sourcemap: false,
      logLevel: 'warning',
    });
    for (const a of assets) {
      const at = join(tmp, relative(SRC, a));
      mkdirSync(dirname(at), { recursive: true });
      symlinkSync(relative(dirname(at), a), at);
    }
    writeFileSync(join(tmp, '.fingerprint'), print);
    // Another start may be building too: whichever lands last wins, both are the same build.
    const old = `${OUT}.old-${process.pid}`;
    if (existsSync(OUT)) renameSync(OUT, old);
    renameSync(tmp, OUT);
    rmSync(old, { recursive: true, force: true });
    return OUT;
  } catch {
    rmSync(tmp, { recursive: true, force: true });
    return existsSync(stamp) && readFileSync(stamp, 'utf8') === print ? OUT : undefined;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = await ensureServerBuild();
  if (!out) {
    console.error('server build failed: dist/server could not be written (bin/warden.js will run the sources through tsx)');
    process.exitCode = 1;
  } else console.error(`server built: ${relative(root, out)}`);
}
