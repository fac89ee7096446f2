// Token counts for the `usage` fields of the compatibility APIs. Plugins expose no tokenizer,
// so a token is a whitespace-separated word: honest, cheap, and the same for every plugin.
export function countTokens(text: string): number {
  let count = 0;
  for (const word of text.split(/\s+/)) if (word !== '') count++;
  return count;
}

export function countAllTokens(texts: readonly string[]): number {
  return texts.reduce((sum, text) => sum + countTokens(text), 0);
}
