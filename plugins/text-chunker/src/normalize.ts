// Text normalisation for ingestion: the same text always normalises to the same string.

/** Number of Unicode code points (what maxChars counts), not UTF-16 code units. */
export function charLength(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff || i === 0 || !isHighSurrogate(text.charCodeAt(i - 1))) n++;
  }
  return n;
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

// Line and page breaks written as other characters: CRLF and CR, NEL, LINE SEPARATOR and
// vertical tab become a newline; PARAGRAPH SEPARATOR and form feed (a page break) a blank line.
const LINE_BREAKS = /\r\n?|[\u0085\u2028\u000b]/g;
const PARAGRAPH_BREAKS = /[\u2029\f]/g;
const CONTROL = /\p{Cc}/gu;
const WHITESPACE_RUN = /\s+/g;

function collapse(run: string): string {
  let newlines = 0;
  for (const c of run) if (c === '\n') newlines++;
  if (newlines >= 2) return '\n\n';
  return newlines === 1 ? '\n' : ' ';
}

/**
 * NFKC; line breaks unified to "\n"; control characters other than "\n" and "\t" removed;
 * each whitespace run collapsed to "\n\n" (it held a blank line: a paragraph break), "\n"
 * (one line break) or " "; trimmed. Lowercasing is separate (see lowercase()).
 */
export function normalizeText(text: string): string {
  return text
    .normalize('NFKC')
    .replace(LINE_BREAKS, '\n')
    .replace(PARAGRAPH_BREAKS, '\n\n')
    .replace(CONTROL, (c) => (c === '\n' || c === '\t' ? c : ''))
    .replace(WHITESPACE_RUN, collapse)
    .trim();
}

/** Locale-independent Unicode lowercasing. */
export function lowercase(text: string): string {
  return text.toLowerCase();
}
