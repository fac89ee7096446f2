// Harman's "S" stemmer (Harman, 1991): strips English plural endings only, so it rarely
// merges unrelated words. Applied to lowercased tokens.
//   -ies -> -y    unless -eies or -aies
//   -es  -> -e    unless -aes, -ees or -oes
//   -s   -> (gone) unless -us or -ss
// Words of three letters or fewer are left alone ("is", "gas", "bus").

export function sStem(word: string): string {
  if (word.length <= 3) return word;
  if (word.endsWith('ies') && !word.endsWith('eies') && !word.endsWith('aies')) return `${word.slice(0, -3)}y`;
  if (word.endsWith('es') && !word.endsWith('aes') && !word.endsWith('ees') && !word.endsWith('oes')) {
    return word.slice(0, -1);
  }
  if (word.endsWith('s') && !word.endsWith('us') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}
