// Streaming a finished summary word by word, the way a token-by-token model would.
import { setTimeout as sleep } from 'node:timers/promises';

export interface StreamOptions {
  signal: AbortSignal;
  /** At most this many words (1 token = 1 word); undefined = all of them. */
  maxTokens?: number;
  /** Pause before each chunk after the first, in milliseconds. */
  chunkDelayMs: number;
}

/**
 * Yields each word followed by a space, except the last word emitted (so the chunks join to
 * the summary, or to its first maxTokens words, with no trailing space). Ends quietly as soon
 * as the signal aborts, including in the middle of a delay.
 */
export async function* streamWords(text: string, options: StreamOptions): AsyncGenerator<string> {
  const all = text.split(/\s+/).filter((w) => w !== '');
  const chosen = options.maxTokens === undefined ? all : all.slice(0, options.maxTokens);
  for (let i = 0; i < chosen.length; i++) {
    if (options.signal.aborted) return;
    if (i > 0 && options.chunkDelayMs > 0) {
      try {
        await sleep(options.chunkDelayMs, undefined, { signal: options.signal });
      } catch {
        return; // aborted during the pause
      }
    }
    if (options.signal.aborted) return;
    yield i < chosen.length - 1 ? `${chosen[i]} ` : chosen[i];
  }
}
