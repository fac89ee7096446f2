// A plugin's config values, checked against the `spec.config` declarations of its manifest:
// defaults applied, required keys enforced, types checked strictly (no string coercion),
// and secret values kept out of anything shown to people (API answers, logs).
import { isDeepStrictEqual } from 'node:util';
import { ModgateError } from '../errors.js';
import type { ConfigEntry, Manifest } from './manifest.js';

export const SECRET_PLACEHOLDER = '***';

export interface ConfigProblem {
  /** Dotted path, e.g. `config.apiKey` or `config.tags[2]`. */
  path: string;
  /** Starts with the path: `config.apiKey: is required`. */
  message: string;
}

/**
 * Problems with one value against its declaration (type, enum, bounds, array items).
 * A secret's value is never quoted in the messages.
 */
export function checkConfigValue(entry: ConfigEntry, value: unknown, at: string): ConfigProblem[] {
  const got = (v: unknown) => (entry.secret ? '' : ` (got ${preview(v)})`);
  const problems: ConfigProblem[] = [];
  const add = (where: string, text: string) => problems.push({ path: where, message: `${where}: ${text}` });

  const typeError = typeMismatch(entry.type, value);
  if (typeError) {
    add(at, `${typeError}${got(value)}`);
    return problems;
  }
  if (entry.enum !== undefined && !entry.enum.some((option) => isDeepStrictEqual(option, value))) {
    add(at, `must be one of ${entry.enum.map(preview).join(', ')}${got(value)}`);
  }
  if (typeof value === 'number') {
    if (entry.minimum !== undefined && value < entry.minimum) add(at, `must be at least ${entry.minimum}${got(value)}`);
    if (entry.maximum !== undefined && value > entry.maximum) add(at, `must be at most ${entry.maximum}${got(value)}`);
  }
  if (Array.isArray(value) && entry.items !== undefined) {
    value.forEach((item, i) => {
      const itemError = typeMismatch(entry.items!.type, item);
      if (itemError) add(`${at}[${i}]`, `${itemError}${got(item)}`);
    });
  }
  return problems;
}

function typeMismatch(type: ConfigEntry['type'], value: unknown): string | undefined {
  switch (type) {
    case 'string':
      return typeof value === 'string' ? undefined : 'must be a string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : 'must be a number';
    case 'integer':
      return Number.isSafeInteger(value) ? undefined : 'must be an integer';
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'must be true or false';
    case 'array':
      return Array.isArray(value) ? undefined : 'must be a list';
    case 'object':
      return isPlainObject(value) ? undefined : 'must be an object';
    default:
      return `has an unknown type ${String(type)}`;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function preview(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number') return String(value);
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Sets an own data property even for keys like `__proto__` (never the prototype). */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A private copy, so neither the manifest's defaults nor the caller's objects get shared. */
function copy(value: unknown): unknown {
  return typeof value === 'object' && value !== null ? structuredClone(value) : value;
}

function declarations(manifest: Manifest): Record<string, ConfigEntry> {
  return manifest.spec.config ?? {};
}

/**
 * The config a plugin gets: `values` checked against the manifest, defaults filled in.
 * Throws MODGATE_CONFIG_INVALID listing every problem.
 */
export function resolveConfig(manifest: Manifest, values: Record<string, unknown>): Record<string, unknown> {
  const declared = declarations(manifest);
  const name = manifest.metadata.name;
  if (values === null || values === undefined) values = {};
  if (!isPlainObject(values)) {
    throw invalidConfig(name, [{ path: 'config', message: 'config: must be an object of key/value pairs' }]);
  }
  const problems: ConfigProblem[] = [];
  const known = Object.keys(declared);
  for (const key of Object.keys(values)) {
    if (Object.hasOwn(declared, key)) continue;
    const list = known.length > 0 ? `known keys: ${known.join(', ')}` : 'this plugin takes no config';
    problems.push({ path: `config.${key}`, message: `config.${key}: is not a config key of this plugin (${list})` });
  }
  const result: Record<string, unknown> = {};
  for (const key of known) {
    const entry = declared[key];
    const at = `config.${key}`;
    const given = values[key];
    if (given !== undefined) {
      const found = checkConfigValue(entry, given, at);
      if (found.length > 0) problems.push(...found);
      else setOwn(result, key, copy(given));
    } else if (entry.default !== undefined) {
      setOwn(result, key, copy(entry.default));
    } else if (entry.required === true) {
      const about = entry.description ? ` (${entry.description})` : '';
      problems.push({ path: at, message: `${at}: is required${about}` });
    }
  }
  if (problems.length > 0) throw invalidConfig(name, problems);
  return result;
}

function invalidConfig(plugin: string, problems: ConfigProblem[]): ModgateError {
  const head = problems.length === 1 ? 'invalid config' : `invalid config (${problems.length} problems)`;
  return new ModgateError(
    'MODGATE_CONFIG_INVALID',
    `${head} for plugin "${plugin}": ${problems.map((p) => p.message).join('; ')}`,
    { details: problems },
  );
}

/** Names of the config keys the manifest declares `secret: true`. */
export function secretKeys(manifest: Manifest): string[] {
  const declared = declarations(manifest);
  return Object.keys(declared).filter((key) => declared[key].secret === true);
}

/**
 * A copy safe to show or log: secret values become `***`. Keys the manifest does not declare
 * are masked too: they are typos at best and may well hold a secret.
 */
export function redactConfig(manifest: Manifest, values: Record<string, unknown>): Record<string, unknown> {
  const declared = declarations(manifest);
  const out: Record<string, unknown> = {};
  if (!isPlainObject(values)) return out;
  for (const key of Object.keys(values)) {
    const value = values[key];
    const hidden = !Object.hasOwn(declared, key) || declared[key].secret === true;
    setOwn(out, key, hidden && value !== undefined ? SECRET_PLACEHOLDER : value);
  }
  return out;
}

/** A copy of the manifest whose secret config defaults read `***` (for API answers). */
export function redactManifest(manifest: Manifest): Manifest {
  const clone = structuredClone(manifest);
  const declared = clone.spec.config;
  if (declared === undefined) return clone;
  for (const key of Object.keys(declared)) {
    const entry = declared[key];
    if (entry.secret === true && entry.default !== undefined) entry.default = SECRET_PLACEHOLDER;
  }
  return clone;
}
