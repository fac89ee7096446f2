// Packing sentences into chunks of at most maxChars code points, with sentence overlap.
import { charLength } from './normalize.js';
import type { Sentence } from './sentences.js';

interface Piece extends Sentence {
  length: number;
}

function piece(text: string, sep: string): Piece {
  return { text, sep, length: charLength(text) };
}

/** A word longer than maxChars, cut every maxChars code points (never inside a surrogate pair). */
function hardSplit(word: string, maxChars: number): string[] {
  const chars = Array.from(word);
  const parts: string[] = [];
  for (let i = 0; i < chars.length; i += maxChars) parts.push(chars.slice(i, i + maxChars).join(''));
  return parts;
}

/** A sentence longer than maxChars, split at whitespace into pieces of at most maxChars. */
export function splitLongSentence(sentence: Sentence, maxChars: number): Piece[] {
  const whole = piece(sentence.text, sentence.sep);
  if (whole.length <= maxChars) return [whole];
  const pieces: Piece[] = [];
  let current: Piece | null = null; // null only before the first word
  for (const [, ws, word] of sentence.text.matchAll(/(\s*)(\S+)/g)) {
    const wordLength = charLength(word);
    const grown: number = current === null ? Infinity : current.length + charLength(ws) + wordLength;
    if (current !== null && grown <= maxChars) {
      current = { text: current.text + ws + word, sep: current.sep, length: grown };
      continue;
    }
    const sep = current === null ? sentence.sep : ws;
    if (current !== null) pieces.push(current);
    const parts = wordLength <= maxChars ? [word] : hardSplit(word, maxChars);
    parts.slice(0, -1).forEach((part, i) => pieces.push(piece(part, i === 0 ? sep : '')));
    current = piece(parts[parts.length - 1], parts.length === 1 ? sep : '');
  }
  if (current !== null) pieces.push(current);
  return pieces;
}

function lengthOf(pieces: readonly Piece[]): number {
  let total = 0;
  pieces.forEach((p, i) => (total += p.length + (i === 0 ? 0 : charLength(p.sep))));
  return total;
}

function render(pieces: readonly Piece[]): string {
  return pieces.map((p, i) => (i === 0 ? '' : p.sep) + p.text).join('');
}

/**
 * Greedy packing: sentences are added to the current chunk while it stays within maxChars;
 * the next chunk starts with the last `overlap` sentences of the previous one (fewer when
 * they would not fit beside the new sentence). Sentences longer than maxChars are split first.
 */
export function packChunks(sentences: readonly Sentence[], maxChars: number, overlap: number): string[] {
  const chunks: string[] = [];
  let current: Piece[] = [];
  let length = 0;
  for (const next of sentences.flatMap((s) => splitLongSentence(s, maxChars))) {
    if (current.length === 0) {
      current = [next];
      length = next.length;
      continue;
    }
    const grown = length + charLength(next.sep) + next.length;
    if (grown <= maxChars) {
      current.push(next);
      length = grown;
      continue;
    }
    chunks.push(render(current));
    const carried = overlap > 0 ? current.slice(-overlap) : [];
    while (carried.length > 0 && lengthOf([...carried, next]) > maxChars) carried.shift();
    current = [...carried, next];
    length = lengthOf(current);
  }
  if (current.length > 0) chunks.push(render(current));
  return chunks;
}
