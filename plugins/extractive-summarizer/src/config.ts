// The plugin's config, checked again here so create() fails clearly however it is called.
import { ModgateError } from '../../../src/errors.js';

export interface SummarizerConfig {
  maxSentences: number;
  chunkDelayMs: number;
}

function integerSetting(config: Record<string, unknown>, name: string, fallback: number, minimum: number): number {
  const value = config[name] ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < minimum) {
    throw new ModgateError(
      'MODGATE_CONFIG_INVALID',
      `extractive-summarizer: config.${name} must be an integer >= ${minimum}, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

export function parseConfig(config: Record<string, unknown>): SummarizerConfig {
  return {
    maxSentences: integerSetting(config, 'maxSentences', 3, 1),
    chunkDelayMs: integerSetting(config, 'chunkDelayMs', 0, 0),
  };
}
