// Parsing config.keys (the API keys and who they belong to) and checking a presented token.
// Error messages name entries by position, never by their key: keys are secrets.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Identity } from '../../../sdk/typescript/src/index.js';
import { ModgateError } from '../../../src/errors.js';

export interface KeyEntry {
  /** SHA-256 of the key: the raw key is not kept. */
  digest: Buffer;
  identity: Identity;
}

// Roles and subjects appear inside the compact and rules syntaxes, so their separators are out.
const NAME = /^[^\s,:|=]+$/;

function invalid(message: string): ModgateError {
  return new ModgateError('MODGATE_CONFIG_INVALID', `api-key-auth: config.keys ${message}`);
}

export function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function checkName(value: unknown, what: string, where: string): string {
  if (typeof value !== 'string' || !NAME.test(value)) {
    throw invalid(`${where}: ${what} must be a non-empty string without spaces, ",", ":", "|" or "=", got ${JSON.stringify(value)}`);
  }
  return value;
}

/** JSON form: {"<key>": {"subject": "alice", "roles": ["admin"]}, ...}. */
function parseJson(text: string): Array<[string, Identity]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalid('looks like JSON but is not valid JSON (expected {"<key>": {"subject": "...", "roles": ["..."]}})');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalid('must be a JSON object mapping each key to {"subject": "...", "roles": ["..."]}');
  }
  return Object.entries(parsed).map(([key, value], i) => {
    const where = `entry ${i + 1}`;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw invalid(`${where}: value must be an object {"subject": "...", "roles": ["..."]}`);
    }
    const record = value as Record<string, unknown>;
    const subject = checkName(record.subject, 'subject', where);
    const roles = record.roles ?? [];
    if (!Array.isArray(roles)) throw invalid(`${where}: roles must be an array of role names`);
    return [key, { subject, roles: roles.map((r) => checkName(r, 'each role', where)) }];
  });
}

/**
 * Compact form: "key1=alice:admin|reader,key2=bob:reader" (entries split by commas or new
 * lines; ":roles" may be left out). A key ends at the entry's last "=", so base64 keys with
 * "=" padding work; a key containing "," needs the JSON form.
 */
function parseCompact(text: string): Array<[string, Identity]> {
  return text
    .split(/[,\n]/)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry, i) => {
      const where = `entry ${i + 1}`;
      const eq = entry.lastIndexOf('=');
      if (eq <= 0) throw invalid(`${where}: expected key=subject:role1|role2`);
      const key = entry.slice(0, eq).trim();
      const [subjectPart, rolesPart, ...extra] = entry.slice(eq + 1).split(':');
      if (extra.length > 0) throw invalid(`${where}: expected key=subject:role1|role2 (one ":" at most)`);
      const subject = checkName(subjectPart.trim(), 'subject', where);
      const roles = rolesPart === undefined ? [] : rolesPart.split('|').map((r) => checkName(r.trim(), 'each role', where));
      return [key, { subject, roles }];
    });
}

/** Keys shorter than this are easy to guess: create() logs a warning. */
export const SHORT_KEY_LENGTH = 16;

export interface ParsedKeys {
  entries: KeyEntry[];
  /** How many keys are shorter than SHORT_KEY_LENGTH characters. */
  shortKeys: number;
}

/** Both forms; text starting with "{" (or "[", to report it clearly) is read as JSON. */
export function parseKeys(config: unknown): ParsedKeys {
  if (config === undefined || config === '') return { entries: [], shortKeys: 0 };
  if (typeof config !== 'string' || config.trim() === '') {
    throw invalid('must be a JSON object {"<key>": {"subject": ..., "roles": [...]}} or "key=subject:role1|role2,..."');
  }
  const text = config.trim();
  const pairs = /^[{[]/.test(text) ? parseJson(text) : parseCompact(text);
  if (pairs.length === 0) throw invalid('defines no keys');
  const seen = new Set<string>();
  const entries = pairs.map(([key, identity], i): KeyEntry => {
    if (key === '') throw invalid(`entry ${i + 1}: the key is empty`);
    if (seen.has(key)) throw invalid(`entry ${i + 1}: the same key appears twice`);
    seen.add(key);
    return { digest: sha256(key), identity };
  });
  const shortKeys = [...seen].filter((key) => [...key].length < SHORT_KEY_LENGTH).length;
  return { entries, shortKeys };
}

/**
 * The identity of the key matching token, or null. Compares SHA-256 digests (equal length,
 * so timingSafeEqual cannot throw) against every entry without stopping early, so timing
 * reveals neither the key nor which entry matched.
 */
export function findIdentity(entries: readonly KeyEntry[], token: unknown): Identity | null {
  if (typeof token !== 'string' || token === '') return null;
  const digest = sha256(token);
  let match: Identity | null = null;
  for (const entry of entries) {
    if (timingSafeEqual(entry.digest, digest)) match = entry.identity;
  }
  return match === null ? null : { subject: match.subject, roles: [...match.roles] };
}
