// The build step (npm's `prepare`, so `npm ci` runs it): compiles src/ to
// dist/ once, so that `warden` starts without compiling TypeScript each time:
// a process without tsx's loader (its hooks run on a thread of their own in
// Node 20, with the transformed sources and their maps) holds some 60 MB less.
// Each .ts file becomes one .js file at the same place under dist/ (esbuild,
// no bundling): the module layout, and the files read beside the code (the
// ext_authz and ext_proc protos), stay as they are, and are copied along. dist/build.json
// holds the git commit when this checkout can tell it (`warden --version`,
// GET /version), and a fingerprint of the sources it was built from, by which
// bin/warden.js tells a build older than src/ (`sourcesFingerprint`) and
// builds again. Type checking is `npm run typecheck`'s job, not this one's.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'src');
const OUT = join(ROOT, 'dist');
/** The web console: browser code, bundled into dist/console by its own build (build:console). */
const CONSOLE_SRC = join(SRC, 'admin', 'console');
const CONSOLE_OUT = 'console';
/** Bump when the build's options change: every checkout builds again at its next start. */
const BUILD_VERSION = '1';

function sourceFiles() {
  return readdirSync(SRC, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? e.path, e.name))
    .filter((f) => !f.startsWith(`${CONSOLE_SRC}/`))
    .sort();
}

/** What a build is made from: every server source's path, size and mtime (about 200 stats, no reads), and the Node.js version. */
export function sourcesFingerprint(files = sourceFiles()) {
  const h = createHash('sha256').update(`${BUILD_VERSION}\n${process.version}\n`);
  for (const f of files) {
    const s = statSync(f);
    h.update(`${relative(SRC, f)}\0${s.size}\0${s.mtimeMs}\n`);
  }
  return h.digest('hex');
}

/** dist/build.json's fingerprint, or undefined when there is no build. */
export function builtFingerprint() {
  try {
    return JSON.parse(readFileSync(join(OUT, 'build.json'), 'utf8')).sources;
  } catch {
    return undefined;
  }
}

/** Compiles src/ into dist/ (leaving dist/console alone); returns how many modules. */
export async function build() {
  const { build: esbuild } = await import('esbuild');
  const files = sourceFiles();
  const sources = files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
  // A module deleted from src/ must not live on in dist/; the console's bundle is its build's to replace.
  mkdirSync(OUT, { recursive: true });
  for (const entry of readdirSync(OUT)) if (entry !== CONSOLE_OUT) rmSync(join(OUT, entry), { recursive: true, force: true });
  await esbuild({
    entryPoints: sources,
    outdir: OUT,
    outbase: SRC,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
  });
  for (const f of files.filter((f) => !f.endsWith('.ts'))) {
    const to = join(OUT, relative(SRC, f));
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(f, to);
  }

  let commit;
  try {
    commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'], encoding: 'utf8' }).trim() || undefined;
  } catch {
    // Not a git checkout (a tarball, an image build without .git): the commit is unknown, or WARDEN_COMMIT says it.
  }
  writeFileSync(join(OUT, 'build.json'), `${JSON.stringify({ commit, sources: sourcesFingerprint(files) })}\n`);
  return { modules: sources.length, commit };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { modules, commit } = await build();
  console.log(`warden: built ${modules} modules into dist/${commit ? ` (commit ${commit.slice(0, 12)})` : ''}`);
}
