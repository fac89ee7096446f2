// Lists the files of an uploaded plugin folder for the store: regular files and folders only
// (a symlink, device or socket refuses the upload), each file's real path checked to lie
// inside the folder, with its sha256, size and whether it is executable.
import { lstat, readdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { ModgateError } from '../errors.js';
import { hashFile } from './atomic-fs.js';

export interface ScannedFile {
  /** Relative to the folder, with `/` separators. */
  path: string;
  absolute: string;
  sha256: string;
  size: number;
  executable: boolean;
}

export interface ScanLimits {
  maxFiles: number;
  maxBytes: number;
}

export async function scanPluginFolder(root: string, limits: ScanLimits): Promise<ScannedFile[]> {
  const realRoot = await realpath(root);
  const files: ScannedFile[] = [];
  let total = 0;
  const walk = async (dir: string, rel: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const relative = rel === '' ? entry.name : `${rel}/${entry.name}`;
      const absolute = path.join(dir, entry.name);
      const info = await lstat(absolute);
      if (info.isDirectory()) {
        await walk(absolute, relative);
        continue;
      }
      if (!info.isFile()) {
        throw new ModgateError(
          'MODGATE_VALIDATION',
          `upload refused: "${relative}" is a ${info.isSymbolicLink() ? 'symbolic link' : 'special file'}; a plugin may only contain regular files and folders`,
        );
      }
      const real = await realpath(absolute);
      const inside = path.relative(realRoot, real);
      if (inside === '' || inside.startsWith('..') || path.isAbsolute(inside)) {
        throw new ModgateError('MODGATE_VALIDATION', `upload refused: "${relative}" resolves outside the plugin folder`);
      }
      if (files.length >= limits.maxFiles) {
        throw new ModgateError('MODGATE_PAYLOAD_TOO_LARGE', `a plugin may hold at most ${limits.maxFiles} files`);
      }
      total += info.size;
      if (total > limits.maxBytes) {
        throw new ModgateError('MODGATE_PAYLOAD_TOO_LARGE', `the plugin's files exceed ${limits.maxBytes} bytes (MODGATE_MAX_UPLOAD)`);
      }
      const { sha256, size } = await hashFile(absolute);
      files.push({ path: relative, absolute, sha256, size, executable: (info.mode & 0o111) !== 0 });
    }
  };
  await walk(realRoot, '');
  return files;
}
