// hash-embedder: a deterministic feature-hashing n-gram vectorizer (no model files, no network).
import { definePlugin } from '../../../sdk/typescript/src/index.js';
import type { CallContext } from '../../../sdk/typescript/src/index.js';
import { ModgateError } from '../../../src/errors.js';
import { parseConfig } from './config.js';
import { embed } from './embed.js';

function checkText(text: unknown, where: string): string {
  if (typeof text !== 'string') {
    throw new ModgateError('MODGATE_VALIDATION', `hash-embedder: ${where} must be a string, got ${typeof text}`);
  }
  return text;
}

export default definePlugin({
  type: 'vectorizer',
  create(host) {
    const config = parseConfig(host.config);
    return {
      dimensions: config.dimensions,
      async vectorize(text: string): Promise<Float32Array> {
        return embed(checkText(text, 'text'), config);
      },
      async vectorizeBatch(texts: string[], ctx: CallContext): Promise<Float32Array[]> {
        if (!Array.isArray(texts)) throw new ModgateError('MODGATE_VALIDATION', 'hash-embedder: texts must be an array of strings');
        const vectors: Float32Array[] = [];
        for (let i = 0; i < texts.length; i++) {
          ctx.signal.throwIfAborted();
          vectors.push(embed(checkText(texts[i], `texts[${i}]`), config));
        }
        return vectors;
      },
      health() {
        return { healthy: true, detail: `dimensions=${config.dimensions} n=${config.minN}..${config.maxN}` };
      },
    };
  },
});
