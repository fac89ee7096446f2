// One input text -> its output texts, per the configured mode.
import { packChunks } from './chunk.js';
import type { ChunkerConfig } from './config.js';
import { lowercase, normalizeText } from './normalize.js';
import { splitSentences } from './sentences.js';

/**
 * mode "normalize": [the normalised text]; mode "chunk": the chunks of the normalised text.
 * Text that normalises to "" (empty, only whitespace or control characters) gives [].
 * Sentences are found before lowercasing (capitals help tell abbreviations from sentence ends).
 */
export function transformText(text: string, config: ChunkerConfig): string[] {
  const normalized = normalizeText(text);
  if (normalized === '') return [];
  if (config.mode === 'normalize') return [config.lowercase ? lowercase(normalized) : normalized];
  const sentences = splitSentences(normalized).map((s) => (config.lowercase ? { ...s, text: lowercase(s.text) } : s));
  return packChunks(sentences, config.maxChars, config.overlap);
}
