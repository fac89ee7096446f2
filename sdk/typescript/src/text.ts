// Text utilities for plugin authors: one byte-level word tokenizer shared by the bundled
// hash-embedder and bm25-reranker, defined so that a WebAssembly port can reproduce it exactly.
//
// Definition (over the UTF-8 bytes of the text):
// - ASCII letters A-Z are lowercased (a-z); no other byte is changed.
// - A token byte is an ASCII letter or digit [0-9A-Za-z], or any byte >= 0x80 (all of
//   non-ASCII text). Every other ASCII byte (whitespace, punctuation, control characters)
//   separates tokens.
// - A token is a maximal run of token bytes.
// Because UTF-8 encodes every non-ASCII code point with bytes >= 0x80 only, tokens always
// hold whole code points, and the string and byte forms below split the same text identically.

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** True for bytes that belong to tokens: [0-9A-Za-z] and every byte >= 0x80. */
export function isTokenByte(byte: number): boolean {
  return (
    byte >= 0x80 ||
    (byte >= 0x30 && byte <= 0x39) || // 0-9
    (byte >= 0x41 && byte <= 0x5a) || // A-Z
    (byte >= 0x61 && byte <= 0x7a) // a-z
  );
}

/** A copy of the bytes with ASCII A-Z lowercased; every other byte is kept as it is. */
export function asciiLowercaseBytes(bytes: Uint8Array): Uint8Array {
  return lowercaseInPlace(Uint8Array.from(bytes));
}

/** Lowercases ASCII A-Z in `bytes` itself and returns it. */
function lowercaseInPlace(bytes: Uint8Array): Uint8Array {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b >= 0x41 && b <= 0x5a) bytes[i] = b + 0x20;
  }
  return bytes;
}

/**
 * The tokens of a text as lowercased UTF-8 byte arrays, in text order. The text is encoded
 * with TextEncoder (a lone surrogate becomes U+FFFD, bytes EF BF BD).
 */
export function tokenizeUtf8(text: string): Uint8Array[] {
  const bytes = lowercaseInPlace(encoder.encode(text)); // encode() returns a fresh array: no copy needed
  const tokens: Uint8Array[] = [];
  let start = -1;
  for (let i = 0; i <= bytes.length; i++) {
    const inToken = i < bytes.length && isTokenByte(bytes[i]);
    if (inToken && start < 0) start = i;
    else if (!inToken && start >= 0) {
      tokens.push(bytes.subarray(start, i));
      start = -1;
    }
  }
  return tokens;
}

/** The same tokens as tokenizeUtf8, as strings ("Hello, WORLD!" -> ["hello", "world"]). */
export function tokenizeWords(text: string): string[] {
  return tokenizeUtf8(text).map((token) => decoder.decode(token));
}
