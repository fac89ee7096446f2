// extractive-summarizer: a generator that streams the most representative sentences of its input.
import { definePlugin } from '../../../sdk/typescript/src/index.js';
import type { CallContext, GenerateRequest } from '../../../sdk/typescript/src/index.js';
import { ModgateError } from '../../../src/errors.js';
import { parseConfig } from './config.js';
import { streamWords } from './stream.js';
import { summarize } from './summarize.js';
import { inputText } from './text.js';

function checkMaxTokens(maxTokens: unknown): number | undefined {
  if (maxTokens === undefined || maxTokens === null) return undefined;
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1) {
    throw new ModgateError('MODGATE_VALIDATION', `maxTokens must be an integer >= 1, got ${JSON.stringify(maxTokens)}`);
  }
  return maxTokens;
}

export default definePlugin({
  type: 'generator',
  create(host) {
    const config = parseConfig(host.config);
    return {
      async *generate(request: GenerateRequest, ctx: CallContext): AsyncGenerator<string> {
        const maxTokens = checkMaxTokens(request.maxTokens);
        const summary = summarize(inputText(request), config.maxSentences).join(' ');
        yield* streamWords(summary, { signal: ctx.signal, maxTokens, chunkDelayMs: config.chunkDelayMs });
      },
      health() {
        return { healthy: true, detail: `maxSentences=${config.maxSentences}` };
      },
    };
  },
});
