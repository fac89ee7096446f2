// The chunker's settings, checked again here (the gateway validates against plugin.yaml first).
import { ModgateError } from '../../../src/errors.js';

export const MODES = ['normalize', 'chunk'] as const;
export type Mode = (typeof MODES)[number];

export interface ChunkerConfig {
  mode: Mode;
  maxChars: number;
  overlap: number;
  lowercase: boolean;
}

export const DEFAULT_CONFIG: ChunkerConfig = { mode: 'chunk', maxChars: 1000, overlap: 1, lowercase: false };
export const LIMITS = { maxChars: { minimum: 1, maximum: 1_000_000 }, overlap: { minimum: 0, maximum: 100 } } as const;

function invalid(message: string): ModgateError {
  return new ModgateError('MODGATE_CONFIG_INVALID', `text-chunker: ${message}`);
}

function integerSetting(config: Record<string, unknown>, name: 'maxChars' | 'overlap'): number {
  const value = config[name] ?? DEFAULT_CONFIG[name];
  const { minimum, maximum } = LIMITS[name];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < minimum || value > maximum) {
    throw invalid(`config.${name} must be an integer from ${minimum} to ${maximum}, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function parseConfig(config: Record<string, unknown>): ChunkerConfig {
  const mode = config.mode ?? DEFAULT_CONFIG.mode;
  if (!MODES.includes(mode as Mode)) {
    throw invalid(`config.mode must be one of ${MODES.join(', ')}, got ${JSON.stringify(mode)}`);
  }
  const lowercase = config.lowercase ?? DEFAULT_CONFIG.lowercase;
  if (typeof lowercase !== 'boolean') throw invalid(`config.lowercase must be true or false, got ${JSON.stringify(lowercase)}`);
  return { mode: mode as Mode, maxChars: integerSetting(config, 'maxChars'), overlap: integerSetting(config, 'overlap'), lowercase };
}
