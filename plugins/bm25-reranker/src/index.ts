// bm25-reranker: orders documents by Okapi BM25 relevance to a query (lexical, no model).
import { definePlugin } from '../../../sdk/typescript/src/index.js';
import type { RerankHit } from '../../../sdk/typescript/src/index.js';
import { ModgateError } from '../../../src/errors.js';
import { bm25Scores, rankByScore } from './bm25.js';
import { parseConfig } from './config.js';

function invalid(message: string): ModgateError {
  return new ModgateError('MODGATE_VALIDATION', `bm25-reranker: ${message}`);
}

function checkInput(query: unknown, documents: unknown, topN: unknown): void {
  if (typeof query !== 'string') throw invalid(`query must be a string, got ${typeof query}`);
  if (!Array.isArray(documents)) throw invalid('documents must be an array of strings');
  const bad = documents.findIndex((d) => typeof d !== 'string');
  if (bad >= 0) throw invalid(`documents[${bad}] must be a string, got ${typeof documents[bad]}`);
  if (topN !== undefined && (typeof topN !== 'number' || !Number.isInteger(topN) || topN < 0)) {
    throw invalid(`topN must be an integer >= 0, got ${JSON.stringify(topN)}`);
  }
}

export default definePlugin({
  type: 'reranker',
  create(host) {
    const options = parseConfig(host.config);
    return {
      async rerank(query: string, documents: string[], topN: number | undefined): Promise<RerankHit[]> {
        checkInput(query, documents, topN);
        return rankByScore(bm25Scores(query, documents, options), topN);
      },
      health() {
        return { healthy: true, detail: `k1=${options.k1} b=${options.b} stem=${options.stem}` };
      },
    };
  },
});
