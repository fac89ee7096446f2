// `modgate plugin pack`: a plugin folder -> a reproducible .tgz. The same folder always gives
// the same bytes: entries sorted, fixed mtime, uid/gid 0, modes 0644/0755, gzip without a
// timestamp. Only regular files and folders go in; a symlink is refused (copy the file in).
import { lstat, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { Header, Pax } from 'tar';
import { MANIFEST_FILE, readManifest, type Manifest } from '../core/manifest.js';
import { CliError } from './cli-error.js';
import { sha256Hex } from './keys.js';
import { manifestProblems } from './validate.js';

/** Every entry gets this mtime, so rebuilding a bundle never changes its bytes. */
export const BUNDLE_MTIME = new Date('2000-01-01T00:00:00Z');
export const IGNORE_FILE = '.modgateignore';
/**
 * Never packed: dependencies, VCS folders, other bundles, bytecode caches, build locks, editor
 * litter, and signing keys (`modgate keygen` writes <name>.key; a private key must never ship).
 */
export const DEFAULT_IGNORES = [
  'node_modules/', '.git/', '.hg/', '.svn/', '__pycache__/', '*.pyc', '.build.lock', '.DS_Store',
  '*.tgz', '*.tgz.sig', '*.key', IGNORE_FILE,
];
/** A PEM private key under any name is refused rather than packed. */
const PRIVATE_KEY_PEM = /-----BEGIN (?:[A-Z0-9]+ )?PRIVATE KEY-----/;

export interface PackedBundle {
  bytes: Buffer;
  sha256: string;
  manifest: Manifest;
  /** Paths of the packed files (folders omitted), in archive order. */
  files: string[];
  /** `<name>-<version>.tgz` */
  fileName: string;
}

interface Entry {
  path: string;
  type: 'File' | 'Directory';
  mode: number;
  data?: Buffer;
}

export async function packPlugin(dir: string): Promise<PackedBundle> {
  const root = path.resolve(dir);
  let manifest: Manifest;
  try {
    manifest = await readManifest(root);
  } catch (err) {
    const problems = manifestProblems(err);
    throw new CliError('INVALID_PLUGIN', `cannot pack ${root}: ${problems.join('; ')}`, problems);
  }
  const ignore = await ignoreMatcher(root);
  const entries: Entry[] = [];
  await collect(root, '', ignore, entries);
  if (!entries.some((e) => e.path === MANIFEST_FILE)) {
    throw new CliError('INVALID_PLUGIN', `${MANIFEST_FILE} is excluded by ${IGNORE_FILE}; a bundle needs it`);
  }
  // Code-unit order, the same on every machine and locale.
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const bytes = gzipTar(entries);
  return {
    bytes,
    sha256: sha256Hex(bytes),
    manifest,
    files: entries.filter((e) => e.type === 'File').map((e) => e.path),
    fileName: `${manifest.metadata.name}-${manifest.metadata.version}.tgz`,
  };
}

async function collect(root: string, rel: string, ignore: (rel: string, isDir: boolean) => boolean, out: Entry[]) {
  const abs = rel === '' ? root : path.join(root, rel);
  for (const name of await readdir(abs)) {
    const childRel = rel === '' ? name : `${rel}/${name}`;
    const info = await lstat(path.join(abs, name));
    if (ignore(childRel, info.isDirectory())) continue;
    if (info.isSymbolicLink()) {
      throw new CliError('INVALID_PLUGIN', `${childRel} is a symbolic link; bundles hold regular files only (copy the file in or list it in ${IGNORE_FILE})`);
    }
    if (info.isDirectory()) {
      out.push({ path: `${childRel}/`, type: 'Directory', mode: 0o755 });
      await collect(root, childRel, ignore, out);
    } else if (info.isFile()) {
      // Executables (a grpc plugin's program) stay executable; nothing else is kept.
      const mode = info.mode & 0o111 ? 0o755 : 0o644;
      const data = await readFile(path.join(abs, name));
      if (PRIVATE_KEY_PEM.test(data.subarray(0, 4096).toString('latin1'))) {
        throw new CliError('BUNDLE_UNSAFE', `${childRel} holds a private key; move it out of the plugin folder (or list it in ${IGNORE_FILE})`);
      }
      out.push({ path: childRel, type: 'File', mode, data });
    } else {
      throw new CliError('INVALID_PLUGIN', `${childRel} is not a regular file or folder; bundles hold regular files only`);
    }
  }
}

function gzipTar(entries: Entry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const size = entry.data?.length ?? 0;
    const fields = { path: entry.path, mode: entry.mode, uid: 0, gid: 0, size, mtime: BUNDLE_MTIME, type: entry.type, uname: '', gname: '' };
    const header = new Header(fields);
    // Long or non-ASCII paths do not fit the ustar header: a pax record carries them.
    if (header.encode()) blocks.push(new Pax({ path: entry.path, mtime: BUNDLE_MTIME, size }).encode());
    blocks.push(header.block as Buffer);
    if (entry.data && size > 0) {
      blocks.push(entry.data);
      const pad = (512 - (size % 512)) % 512;
      if (pad > 0) blocks.push(Buffer.alloc(pad));
    }
  }
  blocks.push(Buffer.alloc(1024)); // end-of-archive marker
  const gz = gzipSync(Buffer.concat(blocks), { level: 9 });
  // gzip header: MTIME (bytes 4-7) is already 0; OS (byte 9) becomes "unknown" so the bytes
  // do not depend on the platform that packed them.
  gz[9] = 0xff;
  return gz;
}

/**
 * The ignore rules: DEFAULT_IGNORES plus the lines of `.modgateignore`. A pattern without a
 * slash matches a name at any depth; with a slash it matches the path from the folder root;
 * a trailing slash matches folders only; `*` and `?` match within one name, `**` across names.
 */
export async function ignoreMatcher(root: string): Promise<(rel: string, isDir: boolean) => boolean> {
  let lines: string[] = [];
  try {
    lines = (await readFile(path.join(root, IGNORE_FILE), 'utf8')).split(/\r?\n/);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const rules = [...DEFAULT_IGNORES, ...lines]
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith('#'))
    .map(compileRule);
  return (rel, isDir) => rules.some((rule) => rule(rel, isDir));
}

function compileRule(pattern: string): (rel: string, isDir: boolean) => boolean {
  const dirOnly = pattern.endsWith('/');
  let body = dirOnly ? pattern.slice(0, -1) : pattern;
  const anchored = body.includes('/');
  if (body.startsWith('/')) body = body.slice(1);
  const re = globToRegExp(body);
  return (rel, isDir) => {
    if (dirOnly && !isDir) return false;
    if (anchored) return re.test(rel);
    return re.test(rel.slice(rel.lastIndexOf('/') + 1));
  };
}

function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      i++;
      if (glob[i + 1] === '/') {
        out += '(?:.*/)?';
        i++;
      } else out += '.*';
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}
