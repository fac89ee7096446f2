// Turning a GenerateRequest into plain text, and plain text into sentences and words.
import type { GenerateRequest } from '../../../sdk/typescript/src/index.js';

// "Summarize:", "Please summarise the following text:", "TL;DR:" ... at the very start of a
// text, ended by a colon or by the end of its line.
const LEADING_INSTRUCTION = /^\s*(?:please\s+)?(?:summari[sz]e\b|tl;?dr\b)[^:\n]{0,80}(?::|\n)\s*/i;

export function stripInstruction(text: string): string {
  return text.replace(LEADING_INSTRUCTION, '');
}

/** The text to summarise: the prompt when it has any, else the user messages joined as paragraphs. */
export function inputText(request: GenerateRequest): string {
  if (typeof request.prompt === 'string' && request.prompt.trim() !== '') return stripInstruction(request.prompt);
  const messages = Array.isArray(request.messages) ? request.messages : [];
  return messages
    .filter((m) => m.role === 'user' && typeof m.content === 'string')
    .map((m) => stripInstruction(m.content).trim())
    .filter((content) => content !== '')
    .join('\n\n');
}

// Words whose trailing period does not end a sentence ("Dr. Smith", "e.g. this").
const ABBREVIATIONS = new Set(['mr', 'mrs', 'ms', 'dr', 'prof', 'sr', 'jr', 'st', 'vs', 'e.g', 'i.e', 'cf', 'no', 'fig']);

function endsWithAbbreviation(piece: string): boolean {
  const last = /(\S+)\.$/.exec(piece)?.[1]?.toLowerCase();
  if (last === undefined) return false;
  return ABBREVIATIONS.has(last) || /^\p{L}$/u.test(last); // a single letter is an initial: "J. Smith"
}

function splitParagraph(paragraph: string): string[] {
  const sentences: string[] = [];
  for (const piece of paragraph.split(/(?<=[.!?]+["'’”)\]]*)\s+/)) {
    const previous = sentences.length - 1;
    if (previous >= 0 && endsWithAbbreviation(sentences[previous])) sentences[previous] += ` ${piece}`;
    else sentences.push(piece);
  }
  return sentences;
}

/**
 * Sentences in document order, whitespace collapsed. A sentence ends at . ! or ? (plus any
 * closing quotes or brackets) followed by whitespace, unless the period belongs to a common
 * abbreviation or an initial, or at a blank line (headings, list items).
 */
export function splitSentences(text: string): string[] {
  return text
    .split(/\n\s*\n/)
    .flatMap(splitParagraph)
    .map((s) => s.replace(/\s+/g, ' ').trim())
    .filter((s) => /[\p{L}\p{N}]/u.test(s));
}

/** Lowercased words: runs of letters and digits, with inner apostrophes kept (don't, it's). */
export function words(sentence: string): string[] {
  return (sentence.toLowerCase().replace(/’/g, "'").match(/[\p{L}\p{N}]+(?:'[\p{L}\p{N}]+)*/gu) ?? []);
}
