// Shortened vectors (OpenAI's `dimensions`, Weaviate's `config.dimensions`): the first N
// components, re-normalised to unit length, the way Matryoshka-trained models are meant to be
// cut. Asking for more components than the plugin makes is a 400.
import type { PluginManager } from '../../src/core/manager.js';
import { ModgateError } from '../../src/errors.js';

/** Refuses a too-large `dimensions` before the plugin is called, when the plugin is loaded. */
export function checkDimensions(manager: PluginManager, plugin: string, dimensions: number | null | undefined): void {
  const api = manager.registry.get(plugin)?.loaded?.api as { dimensions?: unknown } | undefined;
  if (typeof api?.dimensions === 'number') assertAtMost(dimensions, api.dimensions, plugin);
}

export function shortenVectors(vectors: Float32Array[], dimensions: number | null | undefined, available: number, plugin: string): Float32Array[] {
  if (dimensions === undefined || dimensions === null || dimensions === available) return vectors;
  assertAtMost(dimensions, available, plugin);
  return vectors.map((vector) => shorten(vector, dimensions));
}

function assertAtMost(dimensions: number | null | undefined, available: number, plugin: string): void {
  if (dimensions !== undefined && dimensions !== null && dimensions > available) {
    throw new ModgateError(
      'MODGATE_VALIDATION',
      `dimensions ${dimensions} is larger than the ${available} dimensions plugin "${plugin}" makes; ask for at most ${available}`,
    );
  }
}

export function shorten(vector: Float32Array, dimensions: number): Float32Array {
  const out = vector.slice(0, dimensions);
  let sumOfSquares = 0;
  for (const value of out) sumOfSquares += value * value;
  // An all-zero prefix stays zero: there is no direction to keep.
  if (sumOfSquares === 0) return out;
  const norm = Math.sqrt(sumOfSquares);
  for (let i = 0; i < out.length; i++) out[i] /= norm;
  return out;
}
