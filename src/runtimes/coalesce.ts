// Dynamic batching for out-of-process and sandboxed vectorizers: single-text calls to one plugin
// reach it as batch calls. A gRPC round trip or a worker-thread wake-up costs far more than
// embedding one short text, so under load this turns N round trips into one (docs/benchmarks.md).
//
// At most `maxInFlight` batch calls run at once (the plugin's cores plus one, so the next batch
// is ready when a core frees up). Calls that arrive meanwhile wait and leave together as the next
// batch when one returns: the busier the plugin, the larger its batches. A lone call on an idle
// plugin waits only for the current turn of the event loop to end.
//
// Each caller keeps its own lease, time cap and statistics (core/invoke.ts runs above this): a
// caller that gives up while waiting is dropped before its batch leaves. A running batch is
// aborted only when every caller in it has gone. If a batch fails for any other reason, each
// text is retried on its own, so one bad input fails its own call only.
import { BatchSizes } from '../core/batch-sizes.js';
import type { CallContext, Vectorizer } from '../core/types.js';

interface Waiting {
  text: string;
  ctx: CallContext;
  resolve: (vector: Float32Array) => void;
  reject: (err: unknown) => void;
}

/** Default gateway-wide cap on a coalesced batch (MODGATE_COALESCE_BATCH). */
export const COALESCE_MAX_BATCH = 64;

export interface Coalescing {
  /** Most texts in one batch call; 1 turns coalescing off. */
  maxBatch: number;
  /** Most batch calls running at once. */
  maxInFlight: number;
  /** Texts per plugin call, for describe() and /metrics. */
  sizes: BatchSizes;
}

/**
 * Coalescing settings for one plugin: batches of the gateway's cap, or of the plugin's
 * maxBatchSize if smaller; one batch in flight per core of resources.cpu, plus one.
 */
export function coalescingFor(maxBatchSize: number | undefined, cpuMillis: number, cap = COALESCE_MAX_BATCH): Coalescing {
  return {
    maxBatch: Math.min(maxBatchSize ?? cap, cap),
    maxInFlight: Math.max(1, Math.floor(cpuMillis / 1000)) + 1,
    sizes: new BatchSizes(),
  };
}

/** The part of Coalescing that describe() reports. */
export function describeCoalescing(c: Coalescing): Record<string, unknown> | undefined {
  if (c.maxBatch <= 1) return undefined;
  return { maxBatch: c.maxBatch, maxInFlight: c.maxInFlight, batchSizes: c.sizes };
}

/** `inner` with coalescing in front, or `inner` itself when maxBatch is 1 (coalescing off). */
export function coalesceVectorize(inner: Vectorizer, { maxBatch, maxInFlight, sizes }: Coalescing): Vectorizer {
  if (maxBatch <= 1) return inner;
  let waiting: Waiting[] = [];
  let inFlight = 0;
  let scheduled = false;

  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(flush);
  };

  const flush = (): void => {
    scheduled = false;
    while (inFlight < maxInFlight && waiting.length > 0) {
      const batch = takeLive(maxBatch);
      if (batch.length === 0) continue;
      inFlight++;
      sizes.record(batch.length);
      void run(batch).then(finished);
    }
  };

  const finished = (): void => {
    inFlight--;
    if (waiting.length > 0) schedule();
  };

  /** Up to `count` waiting calls whose callers are still there; callers that left are rejected. */
  const takeLive = (count: number): Waiting[] => {
    const batch: Waiting[] = [];
    let i = 0;
    for (; i < waiting.length && batch.length < count; i++) {
      const w = waiting[i];
      if (w.ctx.signal.aborted) w.reject(w.ctx.signal.reason);
      else batch.push(w);
    }
    waiting = i === waiting.length ? [] : waiting.slice(i);
    return batch;
  };

  /** One text on its own; settles its caller whatever the plugin does (even a synchronous throw). */
  const single = async (w: Waiting): Promise<void> => {
    try {
      w.resolve(await inner.vectorize(w.text, w.ctx));
    } catch (err) {
      w.reject(err);
    }
  };

  /** Never rejects: every caller in the batch is settled, and `finished` always frees the slot. */
  const run = async (batch: Waiting[]): Promise<void> => {
    if (batch.length === 1) return single(batch[0]);
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
      await Promise.all(batch.map(single));
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
        waiting.push({ text, ctx, resolve, reject });
        if (inFlight < maxInFlight) schedule();
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
