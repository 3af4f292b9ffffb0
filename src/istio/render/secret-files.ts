// The files the config reads (key files, certificates, passwords, API key
// files) come from one Secret, mounted as a directory:
//   /etc/warden/secrets/<secret>/<key>
// never file by file with subPath — Kubernetes does not update subPath mounts,
// while a directory mount is updated in place (a `..data` symlink swap that
// Warden's directory watchers see), so a rotated key reaches the pod without a
// restart. The config in the ConfigMap names the files there: every `file` /
// `*File` path is rewritten, the rest of the text (comments included) is kept.
import { basename } from 'node:path';
import { isAlias, isMap, isScalar, isSeq, parseAllDocuments, type Document } from 'yaml';
import type { GatewaySpec } from '../../config/schema.js';
import { CONFIG_DIR, inPod } from '../manifest.js';

/** Where each Secret is mounted, as a directory named after it. */
export const SECRETS_DIR = `${CONFIG_DIR}/secrets`;

export interface SecretFile {
  /** The Secret key ([-._a-zA-Z0-9]+), also the file's name in the mounted directory. */
  key: string;
  /** The path as the config file names it (relative paths: to the config's directory). */
  configPath: string;
  /** Where the pod reads it: `${dir}/${key}`. */
  podPath: string;
}

export interface SecretLayout {
  secret: string;
  /** The Secret's mount point. */
  dir: string;
  files: SecretFile[];
}

/** A key the config names a file with: `file`, or any `…File`. */
export const isFileKey = (k: string): boolean => k === 'file' || k.endsWith('File');

/** Every file path the Gateway spec names, as written. */
export function configFilePaths(spec: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (!v || typeof v !== 'object') return;
    for (const [k, x] of Object.entries(v)) {
      if (typeof x === 'string' && isFileKey(k)) out.push(x);
      else walk(x);
    }
  };
  walk(spec);
  return out;
}

/** One Secret key per distinct file (the same file named twice is mounted once). */
export function secretLayout(spec: GatewaySpec, secret: string): SecretLayout {
  const dir = `${SECRETS_DIR}/${secret}`;
  const byPodPath = new Map<string, string>(); // in-pod path the config meant -> the path as written
  for (const p of configFilePaths(spec)) if (!byPodPath.has(inPod(p))) byPodPath.set(inPod(p), p);
  const used = new Set<string>();
  const files = [...byPodPath.keys()].sort().map((meant) => {
    // Secret keys are unique and [-._a-zA-Z0-9]+; a second `sa.json` becomes `2-sa.json`.
    const base = basename(meant).replace(/[^-._a-zA-Z0-9]/g, '_') || 'file';
    let key = base;
    for (let n = 2; used.has(key); n++) key = `${n}-${base}`;
    used.add(key);
    return { key, configPath: byPodPath.get(meant)!, podPath: `${dir}/${key}` };
  });
  return { secret, dir, files };
}

/**
 * The config text with the Gateway's file paths pointing into the Secret's
 * directory. Only those scalars change: every other byte of the file (layout,
 * comments, the other documents) stays as written.
 */
export function rewriteConfigPaths(configText: string, layout: SecretLayout): string {
  if (!layout.files.length) return configText;
  const target = new Map(layout.files.map((f) => [inPod(f.configPath), f.podPath]));
  const edits: { from: number; to: number; text: string }[] = [];
  for (const doc of parseAllDocuments(configText) as Document[]) {
    const js = doc.toJS() as { kind?: unknown } | null;
    if (!js || js.kind !== 'Gateway') continue;
    const visit = (node: unknown): void => {
      if (isMap(node)) {
        for (const pair of node.items) {
          const key = isScalar(pair.key) ? String(pair.key.value) : '';
          const value = isAlias(pair.value) ? pair.value.resolve(doc) : pair.value;
          const meant = isScalar(value) && typeof value.value === 'string' ? target.get(inPod(value.value)) : undefined;
          const range = (pair.value as { range?: [number, number, number] } | null)?.range;
          if (isFileKey(key) && meant && range) edits.push({ from: range[0], to: range[1], text: yamlScalar(meant) });
          else visit(pair.value);
        }
      } else if (isSeq(node)) node.items.forEach(visit);
    };
    visit(doc.get('spec', true));
  }
  let out = configText;
  for (const e of edits.sort((a, b) => b.from - a.from)) out = out.slice(0, e.from) + e.text + out.slice(e.to);
  // Every file must now be read from the Secret's directory; anything else
  // (a merge key `<<`, say) would leave the pod reading a path nothing mounts.
  const missed = configFilePaths(gatewaySpecOf(out)).filter((p) => !p.startsWith(`${layout.dir}/`));
  if (missed.length) throw new Error(`cannot point the config's ${missed.join(', ')} into ${layout.dir}/; write the path out in the Gateway document`);
  return out;
}

/** A path as a YAML scalar: plain when that reads back the same, else double-quoted. */
function yamlScalar(s: string): string {
  return /^\/[-\w./]*$/.test(s) ? s : JSON.stringify(s);
}

function gatewaySpecOf(text: string): unknown {
  for (const doc of parseAllDocuments(text) as Document[]) {
    const js = doc.toJS() as { kind?: unknown; spec?: unknown } | null;
    if (js && js.kind === 'Gateway') return js.spec;
  }
  return undefined;
}
