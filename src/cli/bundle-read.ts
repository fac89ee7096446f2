// Reading a plugin bundle (.tgz) someone else made, without trusting it: only regular files
// and folders, relative paths that stay inside, capped entry count and size, plugin.yaml at
// the root naming files that are in the bundle.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Parser, type ReadEntry } from 'tar';
import { MANIFEST_FILE, parseManifest, type Manifest } from '../core/manifest.js';
import { CliError } from './cli-error.js';
import { manifestProblems } from './validate.js';

export interface BundleLimits {
  maxEntries: number;
  /** Total bytes of all files once decompressed. */
  maxBytes: number;
}

export const DEFAULT_BUNDLE_LIMITS: Readonly<BundleLimits> = Object.freeze({ maxEntries: 10_000, maxBytes: 256 * 1024 * 1024 });

export interface BundleContents {
  manifest: Manifest;
  /** Files by normalised relative path (no leading ./). */
  files: Map<string, Buffer>;
  folders: string[];
  /** Files whose mode has an execute bit (a grpc plugin's program). */
  executables: Set<string>;
}

/** Why a path inside an archive is unsafe, or undefined; `normalised` has no ./ and no trailing /. */
export function archivePathProblem(raw: string): { problem?: string; normalised: string } {
  if (raw.includes('\0')) return { problem: 'contains a NUL byte', normalised: raw };
  if (raw.includes('\\')) return { problem: 'contains a backslash', normalised: raw };
  if (raw.startsWith('/') || /^[A-Za-z]:/.test(raw)) return { problem: 'is an absolute path', normalised: raw };
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) return { problem: 'leaves the bundle folder (..)', normalised: raw };
  if (parts.length === 0) return { problem: 'is empty', normalised: '' };
  return { normalised: parts.join('/') };
}

/** Parses a bundle in memory; throws BUNDLE_UNSAFE for anything a bundle must not hold. */
export async function readBundle(bytes: Uint8Array, limits: BundleLimits = DEFAULT_BUNDLE_LIMITS): Promise<BundleContents> {
  const files = new Map<string, Buffer>();
  const folders: string[] = [];
  const executables = new Set<string>();
  const problems: string[] = [];
  let entries = 0;
  let total = 0;

  await new Promise<void>((resolve, reject) => {
    const parser = new Parser({
      strict: true,
      onReadEntry: (entry: ReadEntry) => {
        entries++;
        const { problem, normalised } = archivePathProblem(entry.path);
        if (entries > limits.maxEntries) {
          parser.abort(new Error(`the bundle has more than ${limits.maxEntries} entries`));
        } else if (problem) {
          problems.push(`entry ${JSON.stringify(entry.path)} ${problem}`);
        } else if (entry.type === 'Directory') {
          folders.push(normalised);
        } else if (entry.type !== 'File' && entry.type !== 'OldFile') {
          problems.push(`entry ${JSON.stringify(entry.path)} is a ${entry.type}; bundles may hold only regular files and folders`);
        } else if (files.has(normalised)) {
          problems.push(`entry ${JSON.stringify(entry.path)} appears twice`);
        } else {
          const chunks: Buffer[] = [];
          if ((entry.mode ?? 0) & 0o111) executables.add(normalised);
          entry.on('data', (chunk: Buffer) => {
            total += chunk.length;
            if (total > limits.maxBytes) parser.abort(new Error(`the bundle unpacks to more than ${limits.maxBytes} bytes`));
            else chunks.push(chunk);
          });
          entry.on('end', () => files.set(normalised, Buffer.concat(chunks)));
          return;
        }
        entry.resume();
      },
    });
    parser.on('error', (err: Error) => reject(new CliError('BUNDLE_UNSAFE', `not a valid plugin bundle: ${err.message}`)));
    parser.on('abort', (err: Error) => reject(new CliError('BUNDLE_UNSAFE', `refused bundle: ${err.message}`)));
    parser.on('end', () => resolve());
    parser.end(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  });

  if (problems.length > 0) throw new CliError('BUNDLE_UNSAFE', `refused bundle: ${problems.join('; ')}`, problems);
  const manifestBytes = files.get(MANIFEST_FILE);
  if (!manifestBytes) throw new CliError('BUNDLE_UNSAFE', `refused bundle: no ${MANIFEST_FILE} at the archive root`);
  let manifest: Manifest;
  try {
    manifest = parseManifest(manifestBytes);
  } catch (err) {
    const list = manifestProblems(err);
    throw new CliError('INVALID_PLUGIN', `the bundle's ${MANIFEST_FILE} is invalid: ${list.join('; ')}`, list);
  }
  for (const [field, rel] of [['spec.binary', manifest.spec.binary], ['spec.tls.ca', manifest.spec.tls?.ca]] as const) {
    if (rel === undefined) continue;
    const { problem, normalised } = archivePathProblem(rel);
    if (problem || !files.has(normalised)) {
      throw new CliError('INVALID_PLUGIN', `the bundle's ${field} ${JSON.stringify(rel)} is not a file in the bundle`);
    }
  }
  return { manifest, files, folders, executables };
}

/** Writes checked bundle contents into `dest` (which must be an empty or new folder). */
export async function writeBundleContents(contents: BundleContents, dest: string): Promise<void> {
  const root = path.resolve(dest);
  await mkdir(root, { recursive: true });
  for (const folder of contents.folders) await mkdir(path.join(root, folder), { recursive: true });
  for (const [rel, data] of contents.files) {
    const file = path.join(root, rel);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, data, { mode: contents.executables.has(rel) ? 0o755 : 0o644 });
  }
}
