// text-chunker: normalises text and splits it into sentence-aligned chunks for RAG ingestion.
import { definePlugin } from '../../../sdk/typescript/src/index.js';
import type { CallContext } from '../../../sdk/typescript/src/index.js';
import { ModgateError } from '../../../src/errors.js';
import { parseConfig } from './config.js';
import { transformText } from './transform.js';

function checkText(text: unknown, where: string): string {
  if (typeof text !== 'string') {
    throw new ModgateError('MODGATE_VALIDATION', `text-chunker: ${where} must be a string, got ${typeof text}`);
  }
  return text;
}

export default definePlugin({
  type: 'transformer',
  create(host) {
    const config = parseConfig(host.config);
    return {
      async transform(text: string): Promise<string[]> {
        return transformText(checkText(text, 'text'), config);
      },
      async transformBatch(texts: string[], ctx: CallContext): Promise<string[][]> {
        if (!Array.isArray(texts)) throw new ModgateError('MODGATE_VALIDATION', 'text-chunker: texts must be an array of strings');
        const outputs: string[][] = [];
        for (let i = 0; i < texts.length; i++) {
          ctx.signal.throwIfAborted();
          outputs.push(transformText(checkText(texts[i], `texts[${i}]`), config));
        }
        return outputs;
      },
      health() {
        return { healthy: true, detail: `mode=${config.mode} maxChars=${config.maxChars} overlap=${config.overlap}` };
      },
    };
  },
});
