// Config values as the operator sets them over the API (before defaults): carried from one
// version to the next, and changed key by key with PATCH.
import type { Manifest } from './manifest.js';
import { SECRET_PLACEHOLDER, secretKeys } from './plugin-config.js';

/** Sets an own data property, whatever the key (never the prototype). */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Only the keys `manifest` declares: a new version may drop a config key. */
export function keepDeclared(manifest: Manifest, values: Record<string, unknown>): Record<string, unknown> {
  const declared = manifest.spec.config ?? {};
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(values)) if (Object.hasOwn(declared, key)) setOwn(out, key, values[key]);
  return out;
}

/**
 * `current` with `changes` applied: null removes a key (back to its default), and a secret
 * sent back as "***" (what GET shows) keeps its value. Checking is resolveConfig's job.
 */
export function mergeConfig(manifest: Manifest, current: Record<string, unknown>, changes: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(current)) setOwn(out, key, current[key]);
  const secrets = new Set(secretKeys(manifest));
  for (const key of Object.keys(changes)) {
    const value = changes[key];
    if (value === null) delete out[key];
    else if (!(secrets.has(key) && value === SECRET_PLACEHOLDER)) setOwn(out, key, value);
  }
  return out;
}
