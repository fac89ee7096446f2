// The hash-embedder algorithm (README.md, "Specification", is the normative text that the
// WebAssembly port follows; keep the two in step). Pure: no I/O, no globals mutated.
import { tokenizeUtf8 } from '../../../sdk/typescript/src/text.js';
import type { EmbedderConfig } from './config.js';
import { FNV_OFFSET_BASIS, fnvByte, fnvBytes } from './fnv.js';
import { portableLog1p } from './log1p.js';

/** First byte fed to the hash of each kind of feature, so "abc" the word and "abc" the n-gram differ. */
export const SEED_WORD = 0x01;
export const SEED_BIGRAM = 0x02;
export const SEED_CHAR = 0x03;

const SPACE = 0x20;

function add(acc: Float64Array, hash: number, weight: number): void {
  const bucket = hash % acc.length;
  if (hash >>> 31 === 1) acc[bucket] = acc[bucket] - weight;
  else acc[bucket] = acc[bucket] + weight;
}

function wordHash(token: Uint8Array): number {
  return fnvBytes(fnvByte(FNV_OFFSET_BASIS, SEED_WORD), token);
}

function bigramHash(previous: Uint8Array, token: Uint8Array): number {
  const h = fnvBytes(fnvByte(FNV_OFFSET_BASIS, SEED_BIGRAM), previous);
  return fnvBytes(fnvByte(h, SPACE), token);
}

/** The n-grams of " token " (one space each side), n ascending, then start position ascending. */
function addCharGrams(acc: Float64Array, token: Uint8Array, config: EmbedderConfig): void {
  // Reads " token " in place (no padded copy: an allocation per token cost more than the hashing).
  const paddedLength = token.length + 2;
  for (let n = config.minN; n <= config.maxN; n++) {
    for (let start = 0; start + n <= paddedLength; start++) {
      let h = fnvByte(FNV_OFFSET_BASIS, SEED_CHAR);
      for (let i = start; i < start + n; i++) h = fnvByte(h, i === 0 || i === paddedLength - 1 ? SPACE : token[i - 1]);
      add(acc, h, config.charWeight);
    }
  }
}

/** Signed, weighted feature counts per bucket (float64), in the specified feature order. */
export function featureCounts(text: string, config: EmbedderConfig): Float64Array {
  const acc = new Float64Array(config.dimensions);
  const tokens = tokenizeUtf8(text);
  for (let t = 0; t < tokens.length; t++) {
    add(acc, wordHash(tokens[t]), 1);
    if (config.wordBigrams && t > 0) add(acc, bigramHash(tokens[t - 1], tokens[t]), 1);
    if (config.charWeight > 0) addCharGrams(acc, tokens[t], config);
  }
  return acc;
}

/** The embedding of text: damped, L2-normalised feature counts as float32 (all zeros when text has no tokens). */
export function embed(text: string, config: EmbedderConfig): Float32Array {
  // Damped in place: each count is read once, before its bucket is overwritten.
  const damped = featureCounts(text, config);
  for (let j = 0; j < damped.length; j++) {
    const a = damped[j];
    damped[j] = a > 0 ? portableLog1p(a) : a < 0 ? -portableLog1p(-a) : 0;
  }
  let sumOfSquares = 0;
  for (let j = 0; j < damped.length; j++) sumOfSquares = sumOfSquares + damped[j] * damped[j];
  const out = new Float32Array(damped.length);
  if (sumOfSquares === 0) return out;
  const norm = Math.sqrt(sumOfSquares);
  for (let j = 0; j < damped.length; j++) out[j] = damped[j] / norm; // the one float64 -> float32 rounding
  return out;
}
