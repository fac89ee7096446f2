// Drives one server with autocannon at a fixed concurrency for a fixed time, in slices: the
// benchmark alternates short slices of each runtime and the baseline so that background load
// on the machine hits them alike. Latency percentiles are computed here from every response's
// own time (autocannon's histogram keeps whole milliseconds, too coarse for fast answers), and
// the server's CPU time per request is read from /proc around each slice.
import autocannon from 'autocannon';
import { cpuSecondsOf } from './processes.js';

export interface Request {
  url: string;
  path: string;
  body: string;
  headers: Record<string, string>;
}

export interface Slice {
  requests: number;
  seconds: number;
  /** Non-2xx answers plus connection errors and timeouts. */
  errors: number;
  bytes: number;
  latenciesMs: number[];
  /** CPU seconds the server (and the processes it started) used during the slice. */
  cpuSeconds?: number;
}

export interface LoadResult {
  requests: number;
  /** Requests answered per second over the measured time. */
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Must be 0. */
  errors: number;
  mbPerSecond: number;
  /** Server CPU time per request, microseconds (undefined where /proc is missing). */
  cpuUsPerRequest?: number;
}

export interface SliceOptions {
  connections: number;
  /** Run for this long... */
  seconds: number;
  /**
   * ...or, when set, send exactly this many requests and wait for every answer (for runtimes so
   * slow that a timed slice would end with most of its requests still in flight, uncounted).
   */
  amount?: number;
  /** The server process whose CPU time (with its children's) to account. */
  pid?: number;
}

/** One slice of load. */
export async function slice(request: Request, options: SliceOptions): Promise<Slice> {
  const latenciesMs: number[] = [];
  const cpuBefore = options.pid === undefined ? undefined : cpuSecondsOf(options.pid);
  const started = performance.now();
  let lastAnswer = started;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${request.url}${request.path}`,
        method: 'POST',
        headers: request.headers,
        body: request.body,
        connections: options.amount === undefined ? options.connections : Math.min(options.connections, options.amount),
        ...(options.amount === undefined ? { duration: options.seconds } : { amount: options.amount }),
        timeout: 30,
      },
      (err, out) => (err ? reject(err) : resolve(out)),
    );
    instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => {
      latenciesMs.push(ms);
      lastAnswer = performance.now();
    });
  });
  const cpuAfter = options.pid === undefined ? undefined : cpuSecondsOf(options.pid);
  return {
    requests: result.requests.total,
    // autocannon reports the end at its next 1 s sampling tick; a counted slice ends at its last answer.
    seconds: options.amount === undefined ? result.duration : (lastAnswer - started) / 1000,
    errors: result.non2xx + result.errors,
    bytes: result.throughput.total,
    latenciesMs,
    cpuSeconds: cpuBefore !== undefined && cpuAfter !== undefined ? cpuAfter - cpuBefore : undefined,
  };
}

export function summarize(slices: Slice[]): LoadResult {
  const sum = (f: (s: Slice) => number) => slices.reduce((n, s) => n + f(s), 0);
  const requests = sum((s) => s.requests);
  const seconds = sum((s) => s.seconds);
  const latencies = slices.flatMap((s) => s.latenciesMs).sort((a, b) => a - b);
  const cpuKnown = slices.every((s) => s.cpuSeconds !== undefined);
  return {
    requests,
    rps: requests / seconds,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    errors: sum((s) => s.errors),
    mbPerSecond: sum((s) => s.bytes) / seconds / 1e6,
    cpuUsPerRequest: cpuKnown && requests > 0 ? (sum((s) => s.cpuSeconds!) / requests) * 1e6 : undefined,
  };
}

export function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}
