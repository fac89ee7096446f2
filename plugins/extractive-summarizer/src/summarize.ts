// Frequency-based extractive summarisation: deterministic, no model, only the input text.
import { STOP_WORDS } from './stopwords.js';
import { splitSentences, words } from './text.js';

/** Added to the first sentence's score: openings tend to state the topic. */
export const FIRST_SENTENCE_BONUS = 0.1;

export interface ScoredSentence {
  index: number;
  text: string;
  score: number;
}

function contentWords(sentence: string): string[] {
  return words(sentence).filter((w) => !STOP_WORDS.has(w));
}

/**
 * Each sentence's score is the mean of its content words' document frequencies, each divided
 * by the most frequent content word's count (so scores lie in [0, 1] before the bonus). The
 * mean rather than the sum keeps long sentences from winning by length alone.
 */
export function scoreSentences(sentences: string[]): ScoredSentence[] {
  const perSentence = sentences.map(contentWords);
  const frequency = new Map<string, number>();
  for (const list of perSentence) for (const w of list) frequency.set(w, (frequency.get(w) ?? 0) + 1);
  const maxFrequency = Math.max(1, ...frequency.values());

  return sentences.map((text, index) => {
    const list = perSentence[index];
    const total = list.reduce((sum, w) => sum + (frequency.get(w) ?? 0) / maxFrequency, 0);
    const score = (list.length === 0 ? 0 : total / list.length) + (index === 0 ? FIRST_SENTENCE_BONUS : 0);
    return { index, text, score };
  });
}

/** The best maxSentences sentences of text, in their original order (ties go to the earlier one). */
export function summarize(text: string, maxSentences: number): string[] {
  const scored = scoreSentences(splitSentences(text));
  return scored
    .slice()
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .slice(0, maxSentences)
    .sort((a, b) => a.index - b.index)
    .map((s) => s.text);
}
