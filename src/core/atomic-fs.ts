// File-system steps the durable store is built from: atomic file replacement (temp file,
// fsync, rename, fsync of the folder), folder fsync and streaming sha256.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Prefix of every temporary file or folder the store creates; a start removes leftovers. */
export const TEMP_PREFIX = '.tmp-';

export function tempName(label: string): string {
  return `${TEMP_PREFIX}${label}-${process.pid}-${randomBytes(6).toString('hex')}`;
}

/** Flushes a folder's entries (a rename is durable only once its folder is synced). */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch (err) {
    // Some file systems refuse fsync on folders; the rename itself is still atomic there.
    if ((err as NodeJS.ErrnoException).code !== 'EINVAL' && (err as NodeJS.ErrnoException).code !== 'EISDIR') throw err;
  } finally {
    await handle.close();
  }
}

export interface AtomicWriteOptions {
  mode: number;
  /** Runs after the temp file is durable and before the rename (fault injection in tests). */
  beforeRename?: () => void | Promise<void>;
  /** Runs after the rename and before the folder is synced. */
  afterRename?: () => void | Promise<void>;
}

/**
 * Replaces `file` with `data` so that a crash at any moment leaves either the old or the
 * new content, never a mix: temp file in the same folder, fsync, rename, fsync the folder.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array, options: AtomicWriteOptions): Promise<void> {
  const dir = dirname(file);
  const temp = join(dir, tempName(basename(file)));
  const handle = await open(temp, 'wx', options.mode);
  try {
    await handle.writeFile(data);
    // The mode given to open() is filtered by the umask; make it exact.
    await handle.chmod(options.mode);
    await handle.sync();
  } catch (err) {
    await handle.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw err;
  }
  await handle.close();
  await options.beforeRename?.();
  await rename(temp, file);
  await options.afterRename?.();
  await fsyncDir(dir);
}

/** fsync of one existing file. */
export async function fsyncFile(file: string): Promise<void> {
  const handle = await open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Hex sha256 and size of a file, read as a stream. */
export async function hashFile(file: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).byteLength;
  }
  return { sha256: hash.digest('hex'), size };
}
