// Recent call statistics per plugin (kept across reloads): counts by outcome and latency
// percentiles over a bounded window of the most recent calls.
export type CallOutcome = 'ok' | 'client_error' | 'plugin_error' | 'timeout' | 'unavailable' | 'cancelled';

const WINDOW = 1024;

export interface StatsSnapshot {
  calls: number;
  errors: number;
  byOutcome: Partial<Record<CallOutcome, number>>;
  byOperation: Record<string, number>;
  latencyMs: { p50: number | null; p99: number | null; window: number };
}

export class PluginStats {
  private calls = 0;
  private errors = 0;
  private readonly byOutcome: Partial<Record<CallOutcome, number>> = {};
  private readonly byOperation = new Map<string, number>();
  private readonly latencies = new Float64Array(WINDOW);
  private filled = 0;
  private next = 0;

  record(operation: string, outcome: CallOutcome, ms: number): void {
    this.calls++;
    if (outcome !== 'ok') this.errors++;
    this.byOutcome[outcome] = (this.byOutcome[outcome] ?? 0) + 1;
    this.byOperation.set(operation, (this.byOperation.get(operation) ?? 0) + 1);
    this.latencies[this.next] = ms;
    this.next = (this.next + 1) % WINDOW;
    if (this.filled < WINDOW) this.filled++;
  }

  snapshot(): StatsSnapshot {
    const sorted = Array.from(this.latencies.subarray(0, this.filled)).sort((a, b) => a - b);
    return {
      calls: this.calls,
      errors: this.errors,
      byOutcome: { ...this.byOutcome },
      byOperation: Object.fromEntries(this.byOperation),
      latencyMs: { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), window: this.filled },
    };
  }
}

function percentile(sorted: number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const index = Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
  return Math.round(sorted[Math.max(0, index)] * 1000) / 1000;
}
