// Okapi BM25 over the documents of one rerank call (they are the whole collection: N, df and
// the average length come from them). Pure functions; README.md gives the formulas.
import { tokenizeWords } from '../../../sdk/typescript/src/text.js';
import type { RerankHit } from '../../../sdk/typescript/src/index.js';
import { sStem } from './stem.js';

export interface Bm25Options {
  /** Term-frequency saturation: 0 = only presence counts, larger = repeated terms keep adding. */
  k1: number;
  /** Length normalisation: 0 = none, 1 = full. */
  b: number;
  /** Strip English plural endings from query and document words. */
  stem: boolean;
}

export function terms(text: string, stem: boolean): string[] {
  const words = tokenizeWords(text);
  return stem ? words.map(sStem) : words;
}

/** IDF = ln(1 + (N - df + 0.5) / (df + 0.5)); always > 0. */
export function idf(documentCount: number, documentFrequency: number): number {
  return Math.log(1 + (documentCount - documentFrequency + 0.5) / (documentFrequency + 0.5));
}

/** One BM25 score per document, in document order. Each distinct query term counts once. */
export function bm25Scores(query: string, documents: readonly string[], options: Bm25Options): number[] {
  const queryTerms = [...new Set(terms(query, options.stem))];
  const docs = documents.map((doc) => {
    const tf = new Map<string, number>();
    const words = terms(doc, options.stem);
    for (const w of words) tf.set(w, (tf.get(w) ?? 0) + 1);
    return { length: words.length, tf };
  });
  const totalLength = docs.reduce((sum, d) => sum + d.length, 0);
  if (queryTerms.length === 0 || totalLength === 0) return docs.map(() => 0);
  const avgLength = totalLength / docs.length;

  const weights = queryTerms.map((term) => idf(docs.length, docs.filter((d) => d.tf.has(term)).length));
  return docs.map((doc) => {
    const lengthNorm = options.k1 * (1 - options.b + (options.b * doc.length) / avgLength);
    let score = 0;
    queryTerms.forEach((term, q) => {
      const tf = doc.tf.get(term) ?? 0;
      if (tf > 0) score += (weights[q] * (tf * (options.k1 + 1))) / (tf + lengthNorm);
    });
    return score;
  });
}

/** Hits sorted by score descending, ties by lower index, at most topN when given. */
export function rankByScore(scores: readonly number[], topN: number | undefined): RerankHit[] {
  const hits = scores.map((score, index) => ({ index, score }));
  hits.sort((x, y) => y.score - x.score || x.index - y.index);
  return topN === undefined ? hits : hits.slice(0, topN);
}
