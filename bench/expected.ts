// The right answers for the benchmark corpus, computed in this process from the bundled
// plugins' own algorithms (hash-embedder, bm25-reranker): the baseline server answers with
// them, and every runtime's answers are checked against them, value by value.
import { DEFAULT_CONFIG } from '../plugins/hash-embedder/src/config.js';
import { embed } from '../plugins/hash-embedder/src/embed.js';
import { bm25Scores, rankByScore } from '../plugins/bm25-reranker/src/bm25.js';
import { parseConfig as parseBm25Config } from '../plugins/bm25-reranker/src/config.js';
import { LONG_TEXT, RERANK_DOCUMENTS, RERANK_QUERY, SHORT_TEXT, texts } from './corpus.js';

export const DIMENSIONS = DEFAULT_CONFIG.dimensions;
export const BATCH_SHORT = { count: 100, length: 60 };
export const BATCH_LONG = { count: 100, length: 1000 };

/**
 * How far a runtime's vector value may be from the TypeScript one. The ports promise the same
 * float32 vectors; a port whose last float32 bit differs still passes, a wrong algorithm
 * (values off by 1e-2 or more) does not.
 */
export const VECTOR_TOLERANCE = 1e-6;
/** Relative tolerance on rerank scores (a port's log() may differ in the last bits). */
export const SCORE_TOLERANCE = 1e-9;

export interface Hit {
  index: number;
  score: number;
}

let vectors: Map<string, Float32Array> | undefined;

/** The hash-embedder vector of every text in the corpus. */
export function expectedVectors(): Map<string, Float32Array> {
  if (!vectors) {
    vectors = new Map();
    const all = [SHORT_TEXT, LONG_TEXT, ...texts(BATCH_SHORT.count, BATCH_SHORT.length), ...texts(BATCH_LONG.count, BATCH_LONG.length)];
    for (const text of all) vectors.set(text, embed(text, DEFAULT_CONFIG));
  }
  return vectors;
}

export function expectedVector(text: string): Float32Array {
  const found = expectedVectors().get(text);
  if (!found) throw new Error(`"${text.slice(0, 40)}..." is not in the benchmark corpus`);
  return found;
}

let hits: Hit[] | undefined;

/** The bm25-reranker's hits (default settings) for the rerank query over the 100 documents. */
export function expectedHits(): Hit[] {
  hits ??= rankByScore(bm25Scores(RERANK_QUERY, RERANK_DOCUMENTS, parseBm25Config({})), undefined);
  return hits;
}

/** Largest |got[i] - want[i]|; Infinity when the lengths differ or a value is not a number. */
export function maxDifference(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) return Infinity;
  let max = 0;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    if (!(d <= max)) max = Number.isNaN(d) ? Infinity : d;
  }
  return max;
}

/** Why `got` is not the expected list of hits (order, indexes, scores), or undefined when it is. */
export function wrongHits(got: Hit[], want: Hit[]): string | undefined {
  if (got.length !== want.length) return `${got.length} results, expected ${want.length}`;
  for (let i = 0; i < want.length; i++) {
    if (got[i].index !== want[i].index) return `result ${i} is document ${got[i].index}, expected ${want[i].index}`;
    const scale = Math.max(1, Math.abs(want[i].score));
    if (!(Math.abs(got[i].score - want[i].score) <= SCORE_TOLERANCE * scale)) {
      return `result ${i} (document ${want[i].index}) scored ${got[i].score}, expected ${want[i].score}`;
    }
  }
  return undefined;
}
