// Unpacks an uploaded plugin bundle (.tgz or .tar of a plugin folder) with node-tar, refusing
// everything that is not a plain file or folder inside the target: `../` paths, absolute
// paths, symlinks, hard links and devices make the whole upload fail (node-tar alone skips
// `../` but still creates symlinks). Entry count and unpacked bytes are capped, and the
// extraction stops as soon as a cap is passed (a small archive can inflate enormously).
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import { ModgateError } from '../errors.js';
import { MANIFEST_FILE } from './manifest.js';

export interface BundleLimits {
  maxEntries: number;
  /** Sum of the unpacked file sizes. */
  maxBytes: number;
}

/** Why an archive path may not be unpacked, or undefined when it is a clean relative path. */
export function archivePathProblem(entryPath: string): string | undefined {
  if (entryPath.includes('\0')) return 'contains a NUL byte';
  if (entryPath.includes('\\')) return 'contains a backslash';
  if (path.posix.isAbsolute(entryPath) || /^[A-Za-z]:/.test(entryPath)) return 'is an absolute path';
  const segments = entryPath.split('/');
  if (segments.includes('..')) return 'leaves the plugin folder (..)';
  return undefined;
}

export async function extractBundle(file: string, target: string, limits: BundleLimits): Promise<void> {
  const problems: string[] = [];
  let entries = 0;
  let bytes = 0;
  const abort = new AbortController();
  const refuse = (text: string) => {
    problems.push(text);
    if (problems.length >= 20) abort.abort();
  };
  const unpack = tar.x({
    cwd: target,
    strict: true,
    preserveOwner: false,
    noMtime: true,
    maxDepth: 32,
    filter: (entryPath, entry) => {
      const type = 'type' in entry ? entry.type : undefined;
      entries++;
      if (entries > limits.maxEntries) {
        problems.push(`the bundle has more than ${limits.maxEntries} entries`);
        abort.abort();
        return false;
      }
      const problem = archivePathProblem(entryPath);
      if (problem) {
        refuse(`entry "${entryPath}" ${problem}`);
        return false;
      }
      if (type !== 'File' && type !== 'Directory') {
        refuse(`entry "${entryPath}" is a ${describeType(type)}; a bundle may only contain regular files and folders`);
        return false;
      }
      bytes += 'size' in entry && typeof entry.size === 'number' ? entry.size : 0;
      if (bytes > limits.maxBytes) {
        problems.push(`the bundle unpacks to more than ${limits.maxBytes} bytes (MODGATE_MAX_UPLOAD)`);
        abort.abort();
        return false;
      }
      return true;
    },
  });
  try {
    await pipeline(createReadStream(file), unpack, { signal: abort.signal });
  } catch (err) {
    if (problems.length === 0) {
      throw new ModgateError('MODGATE_VALIDATION', `the bundle is not a readable .tgz or .tar archive: ${(err as Error).message}`);
    }
  }
  if (problems.length > 0) {
    const tooLarge = problems.some((p) => p.includes('more than'));
    throw new ModgateError(tooLarge ? 'MODGATE_PAYLOAD_TOO_LARGE' : 'MODGATE_VALIDATION', `bundle refused: ${problems.join('; ')}`, {
      details: problems,
    });
  }
  if (entries === 0) throw new ModgateError('MODGATE_VALIDATION', 'the bundle is empty or not a tar archive');
}

/**
 * The plugin folder inside an unpacked bundle: the bundle's root when it holds plugin.yaml,
 * or its single top-level folder (`tar czf p.tgz my-plugin/`).
 */
export async function bundleRoot(dir: string): Promise<string> {
  if (await isFile(path.join(dir, MANIFEST_FILE))) return dir;
  const entries = (await readdir(dir, { withFileTypes: true })).filter((e) => !e.name.startsWith('.'));
  if (entries.length === 1 && entries[0].isDirectory()) {
    const inner = path.join(dir, entries[0].name);
    if (await isFile(path.join(inner, MANIFEST_FILE))) return inner;
  }
  throw new ModgateError(
    'MODGATE_VALIDATION',
    `the bundle has no ${MANIFEST_FILE} at its root or in its single top-level folder (pack it with: tar czf plugin.tgz -C <plugin folder> .)`,
  );
}

async function isFile(file: string): Promise<boolean> {
  return stat(file).then(
    (s) => s.isFile(),
    () => false,
  );
}

function describeType(type: string | undefined): string {
  switch (type) {
    case 'SymbolicLink':
      return 'symbolic link';
    case 'Link':
      return 'hard link';
    case undefined:
      return 'entry of unknown type';
    default:
      return `${type} entry`;
  }
}
