// Deterministic benchmark inputs: the same texts on every run and every machine.
const WORDS = (
  'vector database embedding search query document index similarity cosine nearest neighbour ' +
  'gateway plugin module runtime native webassembly grpc process socket latency throughput ' +
  'the a of and to in is for on with as by at from that this be are was it an or which ' +
  'river mountain forest ocean city village bridge harbour library garden market station ' +
  'quick brown fox jumps over lazy dog bright morning evening quiet storm gentle wind ' +
  'model token sentence paragraph chapter language meaning context answer question result'
).split(' ');

/** A small seeded PRNG (mulberry32), so the corpus never changes. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Words joined by spaces, cut to exactly `length` characters, with a full stop at the end. */
export function text(seed: number, length: number): string {
  const next = random(seed);
  let out = '';
  while (out.length < length) {
    if (out.length > 0) out += ' ';
    out += WORDS[Math.floor(next() * WORDS.length)];
  }
  return `${out.slice(0, length - 1).trimEnd()}.`.padEnd(length, '.');
}

/** A short sentence like a search query or a title (about 60 characters). */
export const SHORT_TEXT = text(1, 60);
/** A 1000-character passage. */
export const LONG_TEXT = text(2, 1000);

export function texts(count: number, length: number, seed = 100): string[] {
  return Array.from({ length: count }, (_, i) => text(seed + i, length));
}

export const RERANK_QUERY = 'nearest neighbour search in a vector database';
/** 100 documents of about 300 characters each. */
export const RERANK_DOCUMENTS = texts(100, 300, 5000);
