// Object keys: what is allowed, and how a key becomes a file name that cannot escape the store.
import { createHash } from 'node:crypto';
import { ModgateError } from '../../../src/errors.js';

export const MAX_KEY_LENGTH = 512;
export const MAX_CONTENT_TYPE_LENGTH = 255;
export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

// In a /u regex a well-formed surrogate pair is one code point, so this only matches lone
// surrogates, which have no UTF-8 encoding.
const LONE_SURROGATE = /\p{Surrogate}/u;

/** Throws MODGATE_VALIDATION unless key is 1..512 characters of valid UTF-8 without NUL. */
export function validateKey(key: unknown): string {
  if (typeof key !== 'string') throw new ModgateError('MODGATE_VALIDATION', 'object key must be a string');
  const length = [...key].length;
  if (length < 1 || length > MAX_KEY_LENGTH) {
    throw new ModgateError('MODGATE_VALIDATION', `object key must be 1..${MAX_KEY_LENGTH} characters, got ${length}`);
  }
  if (key.includes('\0')) throw new ModgateError('MODGATE_VALIDATION', 'object key must not contain NUL characters');
  if (LONE_SURROGATE.test(key)) throw new ModgateError('MODGATE_VALIDATION', 'object key must be valid UTF-8 (it has a lone surrogate)');
  return key;
}

/** A prefix for list(): like a key, but may be empty. */
export function validatePrefix(prefix: unknown): string {
  if (prefix === '') return prefix;
  try {
    return validateKey(prefix);
  } catch (err) {
    throw new ModgateError('MODGATE_VALIDATION', (err as Error).message.replace('object key', 'list prefix'));
  }
}

/** Returns the content type to store: the default when empty; refuses line breaks and control characters. */
export function validateContentType(contentType: unknown): string {
  if (contentType === undefined || contentType === null || contentType === '') return DEFAULT_CONTENT_TYPE;
  if (typeof contentType !== 'string') throw new ModgateError('MODGATE_VALIDATION', 'contentType must be a string');
  if (contentType.length > MAX_CONTENT_TYPE_LENGTH || /[\u0000-\u001f\u007f]/.test(contentType)) {
    throw new ModgateError(
      'MODGATE_VALIDATION',
      `contentType must be at most ${MAX_CONTENT_TYPE_LENGTH} characters without control characters`,
    );
  }
  return contentType;
}

/**
 * The file name for a key: the hex SHA-256 of its UTF-8 bytes. It is fixed-length, safe on
 * every file system and reveals nothing about the key's shape, so "../etc/passwd" is just a key.
 * The key itself lives in the file's header.
 */
export function fileNameFor(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Objects are spread over 256 subfolders (first two hex digits) to keep folders small. */
export function shardFor(fileName: string): string {
  return fileName.slice(0, 2);
}

export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
