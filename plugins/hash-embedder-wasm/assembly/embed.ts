// The hash-embedder algorithm, version 1, exactly as plugins/hash-embedder/README.md
// ("Specification") states it, so the vectors are bit-identical to the native plugin's.
// Every f64 operation below is written in the order the specification gives.
import { isTokenByte } from "../../../sdk/assemblyscript/assembly/index";

export class Settings {
  dimensions: i32 = 384;
  minN: i32 = 3;
  maxN: i32 = 5;
  wordBigrams: bool = true;
  charWeight: f64 = 0.5;
}

const FNV_OFFSET_BASIS: u32 = 0x811c9dc5;
const FNV_PRIME: u32 = 0x01000193;
const SEED_WORD: u8 = 0x01;
const SEED_BIGRAM: u8 = 0x02;
const SEED_CHAR: u8 = 0x03;
const SPACE: u8 = 0x20;

const SQRT2: f64 = 1.4142135623730951;
const LN2: f64 = 0.6931471805599453;
const TERMS: i32 = 12;

// @ts-ignore: decorator
@inline
function fnvByte(h: u32, byte: u8): u32 {
  return (h ^ <u32>byte) * FNV_PRIME;
}

/** The hash after feeding bytes[start..end). */
function fnvRange(h: u32, bytes: Uint8Array, start: i32, end: i32): u32 {
  let out = h;
  for (let i = start; i < end; i++) out = fnvByte(out, unchecked(bytes[i]));
  return out;
}

// @ts-ignore: decorator
@inline
function add(acc: Float64Array, hash: u32, weight: f64): void {
  const bucket = <i32>(hash % <u32>acc.length);
  if (hash >> 31 == 1) unchecked((acc[bucket] = acc[bucket] - weight));
  else unchecked((acc[bucket] = acc[bucket] + weight));
}

/** The n-grams of " token " (token = bytes[start..end)), n ascending, then start position ascending. */
function addCharGrams(acc: Float64Array, bytes: Uint8Array, start: i32, end: i32, s: Settings): void {
  // Reads " token " in place, as the TypeScript build does (no padded copy per token).
  const paddedLength = end - start + 2;
  for (let n = s.minN; n <= s.maxN; n++) {
    for (let from = 0; from + n <= paddedLength; from++) {
      let h = fnvByte(FNV_OFFSET_BASIS, SEED_CHAR);
      for (let i = from; i < from + n; i++) h = fnvByte(h, i == 0 || i == paddedLength - 1 ? SPACE : unchecked(bytes[start + i - 1]));
      add(acc, h, s.charWeight);
    }
  }
}

/** log(1 + x) for x > 0 with +, -, *, / only, in the specified order (specification §4). */
export function portableLog1p(x: f64): f64 {
  if (!(x > 0)) return 0;
  let k = 0;
  let f = x;
  const y = 1 + x;
  if (y >= SQRT2) {
    let m = y;
    while (m >= SQRT2) {
      m = m / 2;
      k = k + 1;
    }
    f = m - 1;
  }
  const s = f / (2 + f);
  const z = s * s;
  let p: f64 = 1 / <f64>(2 * (TERMS - 1) + 1);
  for (let j = TERMS - 2; j >= 0; j--) p = 1 / <f64>(2 * j + 1) + z * p;
  return <f64>k * LN2 + 2 * s * p;
}

/**
 * Signed, weighted feature counts per bucket. The tokens are found in one lowercased copy of the
 * text and hashed where they lie (the SDK's tokenize() allocates an array per token), in the
 * specified order: for each token, its word, its bigram with the previous token, its n-grams.
 */
export function featureCounts(text: Uint8Array, s: Settings): Float64Array {
  const acc = new Float64Array(s.dimensions);
  const n = text.length;
  const lower = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const b = unchecked(text[i]);
    unchecked((lower[i] = b >= 0x41 && b <= 0x5a ? b + 0x20 : b));
  }
  let start = -1;
  let previousStart = -1;
  let previousEnd = -1;
  for (let i = 0; i <= n; i++) {
    const inToken = i < n && isTokenByte(unchecked(lower[i]));
    if (inToken && start < 0) start = i;
    else if (!inToken && start >= 0) {
      add(acc, fnvRange(fnvByte(FNV_OFFSET_BASIS, SEED_WORD), lower, start, i), 1);
      if (s.wordBigrams && previousStart >= 0) {
        const h = fnvRange(fnvByte(FNV_OFFSET_BASIS, SEED_BIGRAM), lower, previousStart, previousEnd);
        add(acc, fnvRange(fnvByte(h, SPACE), lower, start, i), 1);
      }
      if (s.charWeight > 0) addCharGrams(acc, lower, start, i, s);
      previousStart = start;
      previousEnd = i;
      start = -1;
    }
  }
  return acc;
}

export function embed(text: Uint8Array, s: Settings): Float32Array {
  // Damped in place: each count is read once, before its bucket is overwritten.
  const damped = featureCounts(text, s);
  const n = damped.length;
  for (let j = 0; j < n; j++) {
    const a = unchecked(damped[j]);
    unchecked((damped[j] = a > 0 ? portableLog1p(a) : a < 0 ? -portableLog1p(-a) : 0));
  }
  let sum: f64 = 0;
  for (let j = 0; j < n; j++) sum = sum + unchecked(damped[j]) * unchecked(damped[j]);
  const out = new Float32Array(n);
  if (sum == 0) return out;
  const norm = Math.sqrt(sum);
  for (let j = 0; j < n; j++) unchecked((out[j] = <f32>(unchecked(damped[j]) / norm)));
  return out;
}
