// The embedder's settings, checked again here (the gateway validates against plugin.yaml
// first) so create() and embed() fail clearly however they are called.
import { ModgateError } from '../../../src/errors.js';

export interface EmbedderConfig {
  /** Length of every vector. */
  dimensions: number;
  /** Shortest character n-gram, in bytes. */
  minN: number;
  /** Longest character n-gram, in bytes. */
  maxN: number;
  /** Add a feature for every pair of adjacent words. */
  wordBigrams: boolean;
  /** Weight of one character n-gram (a word feature weighs 1). 0 turns n-grams off. */
  charWeight: number;
}

export const DEFAULT_CONFIG: EmbedderConfig = {
  dimensions: 384,
  minN: 3,
  maxN: 5,
  wordBigrams: true,
  charWeight: 0.5,
};

export const LIMITS = {
  dimensions: { minimum: 8, maximum: 4096 },
  n: { minimum: 1, maximum: 16 },
  charWeight: { minimum: 0, maximum: 100 },
} as const;

function invalid(message: string): ModgateError {
  return new ModgateError('MODGATE_CONFIG_INVALID', `hash-embedder: ${message}`);
}

function integerSetting(config: Record<string, unknown>, name: string, min: number, max: number): number {
  const value = config[name] ?? DEFAULT_CONFIG[name as keyof EmbedderConfig];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(`config.${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function parseConfig(config: Record<string, unknown>): EmbedderConfig {
  const dimensions = integerSetting(config, 'dimensions', LIMITS.dimensions.minimum, LIMITS.dimensions.maximum);
  const minN = integerSetting(config, 'minN', LIMITS.n.minimum, LIMITS.n.maximum);
  const maxN = integerSetting(config, 'maxN', LIMITS.n.minimum, LIMITS.n.maximum);
  if (minN > maxN) throw invalid(`config.minN (${minN}) must not be greater than config.maxN (${maxN})`);

  const wordBigrams = config.wordBigrams ?? DEFAULT_CONFIG.wordBigrams;
  if (typeof wordBigrams !== 'boolean') {
    throw invalid(`config.wordBigrams must be true or false, got ${JSON.stringify(wordBigrams)}`);
  }
  const charWeight = config.charWeight ?? DEFAULT_CONFIG.charWeight;
  const { minimum, maximum } = LIMITS.charWeight;
  if (typeof charWeight !== 'number' || !Number.isFinite(charWeight) || charWeight < minimum || charWeight > maximum) {
    throw invalid(`config.charWeight must be a number from ${minimum} to ${maximum}, got ${JSON.stringify(charWeight)}`);
  }
  return { dimensions, minN, maxN, wordBigrams, charWeight };
}
