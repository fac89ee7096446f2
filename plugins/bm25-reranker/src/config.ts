// The reranker's settings, checked again here (the gateway validates against plugin.yaml first).
import { ModgateError } from '../../../src/errors.js';
import type { Bm25Options } from './bm25.js';

export const DEFAULT_OPTIONS: Bm25Options = { k1: 1.2, b: 0.75, stem: false };
const K1_MAX = 100;

function invalid(message: string): ModgateError {
  return new ModgateError('MODGATE_CONFIG_INVALID', `bm25-reranker: ${message}`);
}

function numberSetting(config: Record<string, unknown>, name: 'k1' | 'b', min: number, max: number): number {
  const value = config[name] ?? DEFAULT_OPTIONS[name];
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw invalid(`config.${name} must be a number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function parseConfig(config: Record<string, unknown>): Bm25Options {
  const k1 = numberSetting(config, 'k1', 0, K1_MAX);
  const b = numberSetting(config, 'b', 0, 1);
  const stem = config.stem ?? DEFAULT_OPTIONS.stem;
  if (typeof stem !== 'boolean') throw invalid(`config.stem must be true or false, got ${JSON.stringify(stem)}`);
  return { k1, b, stem };
}
