// Prometheus metrics for one gateway instance. GatewayMetrics is the manager's observer (it
// counts calls, latencies, in-flight calls, reloads and state changes as they happen) and,
// at scrape time, reads plugin states and runtime facts (WASM queue depth, worker and process
// restarts) from the registry and LoadedPlugin.describe(), so it needs no runtime internals.
//
// Each app gets its own prom-client Registry (tests build many apps in one process). Process
// metrics (CPU, RSS, heap, event loop lag, GC) describe the process, not an app, so they live
// in one lazily created registry shared by every app: collecting them per app would add an
// event-loop monitor and GC observer for every app ever built.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { BATCH_SIZE_BUCKETS, readBatchSizes, type BatchSizes } from '../core/batch-sizes.js';
import type { CallObserver } from '../core/invoke.js';
import type { PluginHandle } from '../core/lifecycle.js';
import type { ManagerEvents, PluginManager } from '../core/manager.js';
import type { CallOutcome } from '../core/stats.js';
import { PLUGIN_STATES, type PluginState } from '../core/types.js';

/** Latency buckets in seconds: sub-millisecond native calls up to the longest sensible timeout. */
export const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * Runtime facts read from LoadedPlugin.describe(), by the field names the runtimes report.
 * The first name present wins; a runtime that reports none of them simply has no series.
 */
const RUNTIME_FACTS = [
  {
    runtime: 'wasm',
    fields: ['queueDepth', 'queued', 'queueSize'],
    metric: 'modgate_wasm_queue_depth',
    help: 'WASM calls waiting for a pool worker',
    kind: 'gauge',
  },
  {
    runtime: 'wasm',
    fields: ['workerRestarts', 'restarts'],
    metric: 'modgate_wasm_worker_restarts_total',
    help: 'WASM pool workers replaced after a trap, a timeout or a crash (since the version was loaded)',
    kind: 'counter',
  },
  {
    runtime: 'grpc',
    fields: ['restarts', 'processRestarts'],
    metric: 'modgate_grpc_plugin_restarts_total',
    help: 'gRPC plugin processes restarted by the supervisor (since the version was loaded)',
    kind: 'counter',
  },
] as const;

let processRegistry: Registry | undefined;

/** The shared registry of default process metrics, created on first use. */
export function processMetricsRegistry(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** Counters of one plugin operation, plain numbers: the call path only adds to them. */
class CallSeries {
  inFlight = 0;
  readonly outcomes: Partial<Record<CallOutcome, number>> = {};
  /** Calls per latency bucket (not cumulative); calls slower than the last bound are only in count. */
  readonly buckets = new Float64Array(LATENCY_BUCKETS.length);
  sum = 0;
  count = 0;

  constructor(
    readonly plugin: string,
    readonly operation: string,
  ) {}

  ended(outcome: CallOutcome, seconds: number): void {
    this.inFlight--;
    this.outcomes[outcome] = (this.outcomes[outcome] ?? 0) + 1;
    this.sum += seconds;
    this.count++;
    for (let i = 0; i < LATENCY_BUCKETS.length; i++) {
      if (seconds <= LATENCY_BUCKETS[i]) {
        this.buckets[i]++;
        break;
      }
    }
  }
}

const BATCH_SIZE = 'modgate_coalesced_batch_size';
const BATCH_SIZE_HELP =
  'Texts per vectorize call to a WASM or gRPC plugin when single-text requests are coalesced into batches (since the version was loaded)';

const DURATION = 'modgate_plugin_call_duration_seconds';
const DURATION_HELP = 'Time from taking the lease to the answer (or the error), by plugin and operation';

/** One labelled histogram's counts: per bucket (not cumulative), then all observations. */
interface HistogramCounts {
  labels: Record<string, string>;
  buckets: ArrayLike<number>;
  count: number;
  sum: number;
}

/** A prom-client metric that reads histogram counts kept elsewhere at scrape time. */
function histogramCollector(name: string, help: string, bounds: readonly number[], read: () => HistogramCounts[]) {
  const values = () => {
    const out: Array<{ metricName: string; labels: Record<string, string | number>; value: number }> = [];
    for (const { labels, buckets, count, sum } of read()) {
      let cumulative = 0;
      for (let i = 0; i < bounds.length; i++) {
        cumulative += buckets[i];
        out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: bounds[i] }, value: cumulative });
      }
      out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: count });
      out.push({ metricName: `${name}_sum`, labels, value: sum });
      out.push({ metricName: `${name}_count`, labels, value: count });
    }
    return out;
  };
  return {
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    get: async () => ({ name, help, type: 'histogram', aggregator: 'sum', values: values() }),
    reset: () => undefined,
  };
}

export class GatewayMetrics implements CallObserver, ManagerEvents {
  readonly registry = new Registry();
  private manager: PluginManager | undefined;
  /** plugin -> operation -> counters. Calls update plain numbers; prom-client reads them at scrape time. */
  private readonly series = new Map<string, Map<string, CallSeries>>();

  private readonly reloads = new Counter({
    name: 'modgate_plugin_reloads_total',
    help: 'Hot reloads by plugin and outcome (failed = the new version was refused and the old one kept serving)',
    labelNames: ['plugin', 'outcome'] as const,
    registers: [this.registry],
  });

  private readonly transitions = new Counter({
    name: 'modgate_plugin_state_transitions_total',
    help: 'Times a version of a plugin entered a state',
    labelNames: ['plugin', 'state'] as const,
    registers: [this.registry],
  });

  constructor() {
    const metrics = this;
    new Counter({
      name: 'modgate_plugin_calls_total',
      help: 'Plugin calls that ended, by plugin, operation and outcome (ok, client_error, plugin_error, timeout, unavailable, cancelled)',
      labelNames: ['plugin', 'operation', 'outcome'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const s of metrics.allSeries()) {
          for (const [outcome, count] of Object.entries(s.outcomes)) this.inc({ plugin: s.plugin, operation: s.operation, outcome }, count);
        }
      },
    });
    this.registry.registerMetric(this.durationHistogram() as never);
    this.registry.registerMetric(this.batchSizeHistogram() as never);
    new Gauge({
      name: 'modgate_plugin_calls_in_flight',
      help: 'Plugin calls running now, by plugin and operation',
      labelNames: ['plugin', 'operation'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const s of metrics.allSeries()) this.set({ plugin: s.plugin, operation: s.operation }, s.inFlight);
      },
    });
    new Gauge({
      name: 'modgate_plugin_state',
      help: 'State of the active version of each plugin: 1 for its current state, 0 for the others',
      labelNames: ['plugin', 'state'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [plugin, current] of metrics.states()) {
          for (const state of PLUGIN_STATES) this.set({ plugin, state }, state === current ? 1 : 0);
        }
      },
    });
    new Gauge({
      name: 'modgate_plugin_info',
      help: 'Always 1: the active version, type and runtime of each loaded plugin',
      labelNames: ['plugin', 'version', 'type', 'runtime'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const handle of metrics.manager?.registry.list() ?? []) {
          this.set({ plugin: handle.name, version: handle.version, type: handle.type, runtime: handle.manifest.spec.runtime }, 1);
        }
      },
    });
    for (const fact of RUNTIME_FACTS) {
      const read = () => metrics.runtimeFacts(fact.runtime, fact.fields);
      const options = { name: fact.metric, help: fact.help, labelNames: ['plugin'] as const, registers: [this.registry] };
      if (fact.kind === 'gauge') {
        new Gauge({
          ...options,
          collect() {
            this.reset();
            for (const [plugin, value] of read()) this.set({ plugin }, value);
          },
        });
      } else {
        new Counter({
          ...options,
          collect() {
            this.reset();
            for (const [plugin, value] of read()) this.inc({ plugin }, value);
          },
        });
      }
    }
  }

  /** Scrape-time metrics read the plugins of this manager. */
  attach(manager: PluginManager): void {
    this.manager = manager;
  }

  onCallStart(plugin: string, operation: string): void {
    this.seriesFor(plugin, operation).inFlight++;
  }

  onCallEnd(plugin: string, operation: string, outcome: CallOutcome, seconds: number): void {
    this.seriesFor(plugin, operation).ended(outcome, seconds);
  }

  onReload(name: string, outcome: 'ok' | 'failed'): void {
    this.reloads.inc({ plugin: name, outcome });
  }

  onStateChange(name: string, _version: string, state: PluginState): void {
    this.transitions.inc({ plugin: name, state });
  }

  contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text exposition: this gateway's metrics, then the process metrics. */
  async render(): Promise<string> {
    const [own, process] = await Promise.all([this.registry.metrics(), processMetricsRegistry().metrics()]);
    return `${own}\n${process}`;
  }

  private seriesFor(plugin: string, operation: string): CallSeries {
    let byOperation = this.series.get(plugin);
    if (!byOperation) {
      byOperation = new Map();
      this.series.set(plugin, byOperation);
    }
    let series = byOperation.get(operation);
    if (!series) {
      series = new CallSeries(plugin, operation);
      byOperation.set(operation, series);
    }
    return series;
  }

  private *allSeries(): Iterable<CallSeries> {
    for (const byOperation of this.series.values()) yield* byOperation.values();
  }

  /**
   * The latency histogram as a prom-client collector: prom-client's Histogram hashes its labels
   * on every observe(), which cost more than the rest of a native call's bookkeeping.
   */
  private durationHistogram() {
    return histogramCollector(DURATION, DURATION_HELP, LATENCY_BUCKETS, () =>
      [...this.allSeries()].map((s) => ({ labels: { plugin: s.plugin, operation: s.operation }, buckets: s.buckets, count: s.count, sum: s.sum })),
    );
  }

  /** Coalesced batch sizes, read from each vectorizer's describe().coalescing at scrape time. */
  private batchSizeHistogram() {
    return histogramCollector(BATCH_SIZE, BATCH_SIZE_HELP, BATCH_SIZE_BUCKETS, () =>
      this.coalescedBatchSizes().map(([plugin, sizes]) => ({ labels: { plugin }, buckets: sizes.buckets, count: sizes.calls, sum: sizes.texts })),
    );
  }

  private coalescedBatchSizes(): Array<[string, BatchSizes]> {
    const found: Array<[string, BatchSizes]> = [];
    for (const handle of this.manager?.registry.list() ?? []) {
      const sizes = readBatchSizes((this.describe(handle)?.coalescing as { batchSizes?: unknown } | undefined)?.batchSizes);
      if (sizes) found.push([handle.name, sizes]);
    }
    return found;
  }

  private states(): Array<[string, PluginState]> {
    const registry = this.manager?.registry;
    if (!registry) return [];
    return [
      ...registry.list().map((h): [string, PluginState] => [h.name, h.state]),
      ...registry.listBroken().map((b): [string, PluginState] => [b.name, 'failed']),
    ];
  }

  private runtimeFacts(runtime: string, fields: readonly string[]): Array<[string, number]> {
    const facts: Array<[string, number]> = [];
    for (const handle of this.manager?.registry.list() ?? []) {
      if (handle.manifest.spec.runtime !== runtime) continue;
      const described = this.describe(handle);
      const field = fields.find((f) => typeof described?.[f] === 'number' && Number.isFinite(described[f]));
      if (field) facts.push([handle.name, described![field] as number]);
    }
    return facts;
  }

  /** What a plugin's runtime says about it; undefined when it cannot describe itself right now (no sample this scrape). */
  private describe(handle: PluginHandle): Record<string, unknown> | undefined {
    try {
      return handle.loaded?.describe?.();
    } catch {
      return undefined;
    }
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: GatewayMetrics;
  }
}
