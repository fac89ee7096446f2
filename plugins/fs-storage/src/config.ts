// fs-storage config: where under the plugin's data folder objects live, and how big one may be.
import { isAbsolute, relative, resolve } from 'node:path';
import { ModgateError } from '../../../src/errors.js';

export const DEFAULT_MAX_OBJECT_BYTES = 10 * 1024 * 1024;

export interface FsStorageConfig {
  /** Absolute folder inside dataDir. */
  root: string;
  maxObjectBytes: number;
}

function invalid(message: string): ModgateError {
  return new ModgateError('MODGATE_CONFIG_INVALID', `fs-storage: ${message}`);
}

/** config.root is a relative subfolder of dataDir; it may not leave it. */
export function resolveRoot(dataDir: string, root: unknown): string {
  if (root === undefined || root === null || root === '') return resolve(dataDir);
  if (typeof root !== 'string') throw invalid('config.root must be a string');
  if (root.includes('\0') || root.includes('\\')) throw invalid('config.root must not contain NUL or backslashes');
  if (isAbsolute(root)) throw invalid(`config.root must be a relative subfolder of the data folder, got "${root}"`);
  const base = resolve(dataDir);
  const resolved = resolve(base, root);
  const rel = relative(base, resolved);
  if (rel === '..' || rel.startsWith('../') || isAbsolute(rel)) {
    throw invalid(`config.root "${root}" leaves the plugin's data folder`);
  }
  return resolved;
}

export function parseConfig(dataDir: string, config: Record<string, unknown>): FsStorageConfig {
  if (typeof dataDir !== 'string' || dataDir === '') throw invalid('the host gave no data folder');
  const maxObjectBytes = config.maxObjectBytes ?? DEFAULT_MAX_OBJECT_BYTES;
  if (typeof maxObjectBytes !== 'number' || !Number.isInteger(maxObjectBytes) || maxObjectBytes < 1) {
    throw invalid(`config.maxObjectBytes must be an integer >= 1, got ${JSON.stringify(maxObjectBytes)}`);
  }
  return { root: resolveRoot(dataDir, config.root), maxObjectBytes };
}
