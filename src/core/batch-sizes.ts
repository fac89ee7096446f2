// How many texts each plugin call carried when single-text calls were coalesced into batches
// (runtimes/coalesce.ts records, GET /plugins/:name and /metrics read).

/** Upper bounds of the batch-size histogram buckets (texts per plugin call). */
export const BATCH_SIZE_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024] as const;

/** Counts of plugin calls by texts carried; a plain snapshot is what describe() reports. */
export class BatchSizes {
  /** Plugin calls per bucket (not cumulative); calls larger than the last bound are only in `calls`. */
  readonly buckets = new Array<number>(BATCH_SIZE_BUCKETS.length).fill(0);
  calls = 0;
  texts = 0;

  record(size: number): void {
    this.calls++;
    this.texts += size;
    const i = BATCH_SIZE_BUCKETS.findIndex((bound) => size <= bound);
    if (i >= 0) this.buckets[i]++;
  }
}

/** A BatchSizes as describe() reports it, read back from an unknown value (undefined when it is not one). */
export function readBatchSizes(value: unknown): BatchSizes | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Partial<BatchSizes>;
  const ok =
    typeof v.calls === 'number' &&
    typeof v.texts === 'number' &&
    Array.isArray(v.buckets) &&
    v.buckets.length === BATCH_SIZE_BUCKETS.length &&
    v.buckets.every((n) => typeof n === 'number');
  return ok ? (v as BatchSizes) : undefined;
}
