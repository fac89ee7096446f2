import type { Manifest } from './manifest.js';

/**
 * The vector length a vectorizer's manifest promises: `config.dimensions` when the manifest
 * declares such a config key (the operator may change the size, e.g. the bundled
 * hash-embedder-wasm), else `spec.capabilities.dimensions`; undefined when it names neither.
 * Every runtime refuses a plugin whose vectors are not this long.
 */
export function expectedDimensions(manifest: Manifest, config: Record<string, unknown>): { value: number; from: string } | undefined {
  const configured = config.dimensions;
  if (manifest.spec.config?.dimensions && typeof configured === 'number') return { value: configured, from: 'config.dimensions' };
  const declared = manifest.spec.capabilities?.dimensions;
  return declared === undefined ? undefined : { value: declared, from: 'spec.capabilities.dimensions' };
}
