// The build step (npm's `prepare`, so `npm ci` runs it): compiles src/ to
// dist/ once, so that `warden` starts without compiling TypeScript each time.
// Each .ts file becomes one .js file at the same place under dist/ (esbuild,
// no bundling): the module layout, and the files read beside the code (the
// ext_authz and ext_proc protos), stay as they are, and are copied along. dist/build.json
// holds the git commit when this checkout can tell it (`warden --version`,
// GET /version). Type checking is `npm run typecheck`'s job, not this one's.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';

const SRC = 'src';
const OUT = 'dist';
/** The web console: browser code, bundled into dist/console by its own build (build:console). */
const CONSOLE_SRC = join(SRC, 'admin', 'console');
const CONSOLE_OUT = 'console';

const files = readdirSync(SRC, { recursive: true, withFileTypes: true })
  .filter((e) => e.isFile())
  .map((e) => join(e.parentPath ?? e.path, e.name))
  .filter((f) => !f.startsWith(`${CONSOLE_SRC}/`));
const sources = files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));

// A module deleted from src/ must not live on in dist/; the console's bundle is its build's to replace.
mkdirSync(OUT, { recursive: true });
for (const entry of readdirSync(OUT)) if (entry !== CONSOLE_OUT) rmSync(join(OUT, entry), { recursive: true, force: true });
await build({
  entryPoints: sources,
  outdir: OUT,
  outbase: SRC,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
});
for (const f of files.filter((f) => !f.endsWith('.ts'))) {
  const to = join(OUT, f.slice(SRC.length + 1));
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(f, to);
}

let commit;
try {
  commit = execFileSync('git', ['rev-parse', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'], encoding: 'utf8' }).trim() || undefined;
} catch {
  // Not a git checkout (a tarball, an image build without .git): the commit is unknown, or WARDEN_COMMIT says it.
}
writeFileSync(join(OUT, 'build.json'), `${JSON.stringify({ commit })}\n`);
console.log(`warden: built ${sources.length} modules into ${OUT}/${commit ? ` (commit ${commit.slice(0, 12)})` : ''}`);
