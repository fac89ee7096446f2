// Sentence splitting of normalised text (paragraphs separated by "\n\n").

export interface Sentence {
  text: string;
  /** Whitespace that separated it from the sentence before: "\n\n", "\n", " " or "" (inside a word). */
  sep: string;
}

// Words whose trailing period rarely ends a sentence: titles before a name and other
// abbreviations, always; numbering words ("Fig. 3", "No. 5", "Jan. 12") only before a digit.
// Dotted forms (e.g, i.e, U.S, a.m) are recognised by shape, a single letter is an initial
// ("J. Smith"). "etc." is not listed: before a capital it usually does end a sentence.
const ABBREVIATIONS = new Set([
  'mr', 'mrs', 'ms', 'dr', 'prof', 'sr', 'jr', 'st', 'mt', 'gen', 'gov', 'sen', 'rep', 'rev',
  'col', 'lt', 'sgt', 'capt', 'hon', 'vs', 'cf', 'al', 'approx', 'inc', 'ltd', 'co', 'corp', 'dept',
]);
const NUMBERING = new Set([
  'no', 'nos', 'fig', 'figs', 'vol', 'vols', 'ch', 'sec', 'pp', 'art', 'eq', 'jan', 'feb', 'mar',
  'apr', 'jun', 'jul', 'aug', 'sep', 'sept', 'oct', 'nov', 'dec',
]);
const DOTTED = /^(?:\p{L}\.)+\p{L}$/u;
const INITIAL = /^\p{L}$/u;
// End punctuation, then any closing quotes or brackets, then whitespace or the end.
const TERMINATOR = /[.!?]+["'”’)\]]*(?=\s|$)/g;
const LEADING_OPENERS = /^["'“‘(\[]+/;
// Sticky: tested at a given position.
const NEXT_IS_DIGIT = /\s?\d/y;
const NEXT_IS_LOWERCASE = /\s*\p{Ll}/uy;
const WHITESPACE_HERE = /\s*/y;

function matchesAt(pattern: RegExp, text: string, index: number): boolean {
  pattern.lastIndex = index;
  return pattern.test(text);
}

/** Is the word that ends at periodIndex (excluded) an abbreviation, given what follows at nextIndex? */
function isAbbreviation(paragraph: string, periodIndex: number, nextIndex: number): boolean {
  let wordStart = periodIndex;
  while (wordStart > 0 && !/\s/.test(paragraph[wordStart - 1])) wordStart--;
  const word = paragraph.slice(wordStart, periodIndex).replace(LEADING_OPENERS, '').toLowerCase();
  if (ABBREVIATIONS.has(word) || DOTTED.test(word) || INITIAL.test(word)) return true;
  return NUMBERING.has(word) && matchesAt(NEXT_IS_DIGIT, paragraph, nextIndex);
}

function isBoundary(paragraph: string, match: RegExpExecArray): boolean {
  const end = match.index + match[0].length;
  if (end === paragraph.length) return true;
  if (matchesAt(NEXT_IS_LOWERCASE, paragraph, end)) return false; // "approx. five", "Wait... what"
  const punctuation = match[0].replace(/["'”’)\]]+$/, '');
  return !(punctuation === '.' && isAbbreviation(paragraph, match.index, end));
}

function splitParagraph(paragraph: string, firstSep: string): Sentence[] {
  const sentences: Sentence[] = [];
  let start = 0;
  let sep = firstSep;
  for (const match of paragraph.matchAll(TERMINATOR)) {
    if (!isBoundary(paragraph, match)) continue;
    const end = match.index + match[0].length;
    sentences.push({ text: paragraph.slice(start, end), sep });
    WHITESPACE_HERE.lastIndex = end;
    WHITESPACE_HERE.test(paragraph);
    sep = paragraph.slice(end, WHITESPACE_HERE.lastIndex);
    start = WHITESPACE_HERE.lastIndex;
  }
  if (start < paragraph.length) sentences.push({ text: paragraph.slice(start), sep });
  return sentences;
}

/**
 * Sentences of normalised text, in order. A sentence ends at ".", "!" or "?" (a run of them,
 * plus closing quotes or brackets) followed by whitespace, except before a lowercase letter and
 * except a single "." after an abbreviation, a dotted form (e.g., U.S.) or an initial; a "."
 * inside a token (3.14, example.com) never ends one. A paragraph break always does.
 */
export function splitSentences(normalized: string): Sentence[] {
  if (normalized === '') return [];
  return normalized.split('\n\n').flatMap((paragraph, i) => splitParagraph(paragraph, i === 0 ? '' : '\n\n'));
}
