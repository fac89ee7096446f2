// modgate's byte-level word tokenizer (same definition as sdk/typescript/src/text.ts), so a
// WASM plugin splits text exactly like the native plugins: ASCII A-Z lowercased; a token is
// a maximal run of [0-9A-Za-z] and bytes >= 0x80; every other byte separates tokens.

export function isTokenByte(b: u8): bool {
  return b >= 0x80 || (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
}

/** The tokens of UTF-8 text, lowercased (ASCII only), in order. */
export function tokenize(bytes: Uint8Array): Uint8Array[] {
  const tokens: Uint8Array[] = [];
  let start = -1;
  const n = bytes.length;
  for (let i = 0; i <= n; i++) {
    const inToken = i < n && isTokenByte(unchecked(bytes[i]));
    if (inToken && start < 0) start = i;
    else if (!inToken && start >= 0) {
      const token = new Uint8Array(i - start);
      for (let j = 0; j < token.length; j++) {
        const b = unchecked(bytes[start + j]);
        unchecked((token[j] = b >= 0x41 && b <= 0x5a ? b + 0x20 : b));
      }
      tokens.push(token);
      start = -1;
    }
  }
  return tokens;
}
