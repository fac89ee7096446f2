// Okapi BM25 over the documents of one call, the same formulas and summation order as the
// native bm25-reranker (plugins/bm25-reranker/README.md, src/bm25.ts).
import { tokenize } from "../../../sdk/assemblyscript/assembly/index";

export class Options {
  k1: f64 = 1.2;
  b: f64 = 0.75;
  stem: bool = false;
}

/** Harman's S-stemmer: -ies -> -y, -es -> -e, -s -> "" with its exceptions; words of 3 or fewer code units stay. */
export function sStem(word: string): string {
  if (word.length <= 3) return word;
  if (word.endsWith("ies") && !word.endsWith("eies") && !word.endsWith("aies")) return word.slice(0, word.length - 3) + "y";
  if (word.endsWith("es") && !word.endsWith("aes") && !word.endsWith("ees") && !word.endsWith("oes")) return word.slice(0, word.length - 1);
  if (word.endsWith("s") && !word.endsWith("us") && !word.endsWith("ss")) return word.slice(0, word.length - 1);
  return word;
}

/** The words of a text (modgate's shared tokenizer), stemmed when asked. */
export function terms(text: string, stem: bool): string[] {
  const bytes = Uint8Array.wrap(String.UTF8.encode(text, false, String.UTF8.ErrorMode.REPLACE));
  const tokens = tokenize(bytes);
  const out = new Array<string>(tokens.length);
  for (let i = 0; i < tokens.length; i++) {
    const word = String.UTF8.decodeUnsafe(tokens[i].dataStart, <usize>tokens[i].length);
    out[i] = stem ? sStem(word) : word;
  }
  return out;
}

class Doc {
  length: i32 = 0;
  tf: Map<string, i32> = new Map<string, i32>();
}

/** IDF = ln(1 + (N - df + 0.5) / (df + 0.5)) */
function idf(documentCount: i32, documentFrequency: i32): f64 {
  return Math.log(1 + (<f64>documentCount - <f64>documentFrequency + 0.5) / (<f64>documentFrequency + 0.5));
}

export function bm25Scores(query: string, documents: string[], options: Options): f64[] {
  // distinct query terms in order of first appearance
  const all = terms(query, options.stem);
  const seen = new Set<string>();
  const queryTerms: string[] = [];
  for (let i = 0; i < all.length; i++) {
    if (!seen.has(all[i])) {
      seen.add(all[i]);
      queryTerms.push(all[i]);
    }
  }
  const docs = new Array<Doc>(documents.length);
  let totalLength = 0;
  for (let d = 0; d < documents.length; d++) {
    const doc = new Doc();
    const words = terms(documents[d], options.stem);
    for (let i = 0; i < words.length; i++) {
      const w = words[i];
      doc.tf.set(w, doc.tf.has(w) ? doc.tf.get(w) + 1 : 1);
    }
    doc.length = words.length;
    totalLength += words.length;
    docs[d] = doc;
  }
  const scores = new Array<f64>(documents.length);
  for (let d = 0; d < documents.length; d++) scores[d] = 0;
  if (queryTerms.length == 0 || totalLength == 0) return scores;
  const avgLength = <f64>totalLength / <f64>docs.length;

  const weights = new Array<f64>(queryTerms.length);
  for (let q = 0; q < queryTerms.length; q++) {
    let df = 0;
    for (let d = 0; d < docs.length; d++) if (docs[d].tf.has(queryTerms[q])) df++;
    weights[q] = idf(docs.length, df);
  }
  for (let d = 0; d < docs.length; d++) {
    const doc = docs[d];
    const lengthNorm = options.k1 * (1 - options.b + (options.b * <f64>doc.length) / avgLength);
    let score: f64 = 0;
    for (let q = 0; q < queryTerms.length; q++) {
      const term = queryTerms[q];
      const tf: f64 = doc.tf.has(term) ? <f64>doc.tf.get(term) : 0;
      if (tf > 0) score += (weights[q] * (tf * (options.k1 + 1))) / (tf + lengthNorm);
    }
    scores[d] = score;
  }
  return scores;
}

export class Hit {
  constructor(
    public index: i32,
    public score: f64,
  ) {}
}

function byScore(x: Hit, y: Hit): i32 {
  if (x.score > y.score) return -1;
  if (x.score < y.score) return 1;
  return x.index - y.index;
}

/** Hits by score descending, ties by lower index, at most topN (topN < 0: all). */
export function rankByScore(scores: f64[], topN: i32): Hit[] {
  const hits = new Array<Hit>(scores.length);
  for (let i = 0; i < scores.length; i++) hits[i] = new Hit(i, scores[i]);
  hits.sort(byScore);
  return topN < 0 || topN >= hits.length ? hits : hits.slice(0, topN);
}
