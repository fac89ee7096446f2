// Dynamic batching for out-of-process and sandboxed vectorizers: single-text calls that arrive
// in the same turn of the event loop reach the plugin as one batch call. A gRPC round trip or a
// worker-thread wake-up costs far more than embedding one short text, so under load this turns
// N round trips into one (docs/benchmarks.md). A lone call waits only for the current turn to end.
//
// Each caller keeps its own lease, time cap and statistics (core/invoke.ts runs above this).
// The batch is aborted only when every caller in it has gone. If the batch call fails for any
// other reason, each text is retried on its own, so one bad input fails its own call only.
import type { CallContext, Vectorizer } from '../core/types.js';

interface Waiting {
  text: string;
  ctx: CallContext;
  resolve: (vector: Float32Array) => void;
  reject: (err: unknown) => void;
}

/** Default gateway-wide cap on a coalesced batch (MODGATE_COALESCE_BATCH). */
export const COALESCE_MAX_BATCH = 64;

/** The batch cap for one plugin: the gateway's cap, or the plugin's maxBatchSize if smaller. */
export function coalesceLimit(maxBatchSize: number | undefined, cap = COALESCE_MAX_BATCH): number {
  return Math.min(maxBatchSize ?? cap, cap);
}

/** `inner` with coalescing in front, or `inner` itself when maxBatch is 1 (coalescing off). */
export function coalesceVectorize(inner: Vectorizer, maxBatch: number): Vectorizer {
  if (maxBatch <= 1) return inner;
  let waiting: Waiting[] = [];

  const flush = (): void => {
    const all = waiting;
    waiting = [];
    for (let i = 0; i < all.length; i += maxBatch) void run(all.slice(i, i + maxBatch));
  };

  const run = async (batch: Waiting[]): Promise<void> => {
    if (batch.length === 1) {
      const [only] = batch;
      return inner.vectorize(only.text, only.ctx).then(only.resolve, only.reject);
    }
    const { signal, release } = untilAllGone(batch.map((w) => w.ctx.signal));
    try {
      if (signal.aborted) throw signal.reason;
      const timeoutMs = Math.max(...batch.map((w) => w.ctx.timeoutMs));
      const vectors = await inner.vectorizeBatch(
        batch.map((w) => w.text),
        { signal, timeoutMs },
      );
      if (!Array.isArray(vectors) || vectors.length !== batch.length) throw new Error('batch answer of the wrong length');
      batch.forEach((w, i) => w.resolve(vectors[i]));
    } catch (err) {
      if (signal.aborted) {
        for (const w of batch) w.reject(err);
        return;
      }
      for (const w of batch) inner.vectorize(w.text, w.ctx).then(w.resolve, w.reject);
    } finally {
      release();
    }
  };

  return {
    get dimensions() {
      return inner.dimensions;
    },
    vectorize(text, ctx) {
      return new Promise<Float32Array>((resolve, reject) => {
        if (waiting.length === 0) setImmediate(flush);
        waiting.push({ text, ctx, resolve, reject });
      });
    },
    vectorizeBatch: (texts, ctx) => inner.vectorizeBatch(texts, ctx),
  };
}

/** A signal that aborts once every one of `signals` has aborted. */
function untilAllGone(signals: AbortSignal[]): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  let live = signals.length;
  const onAbort = (): void => {
    live--;
    if (live === 0) controller.abort(signals[signals.length - 1].reason);
  };
  for (const signal of signals) {
    if (signal.aborted) live--;
    else signal.addEventListener('abort', onAbort, { once: true });
  }
  if (live === 0) controller.abort(signals[0].reason);
  return {
    signal: controller.signal,
    release: () => {
      for (const signal of signals) signal.removeEventListener('abort', onAbort);
    },
  };
}
