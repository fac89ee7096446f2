// The one piscina pool every WASM plugin shares, behind the Scheduler (per-plugin
// concurrency, bounded queue). A call runs with the core's AbortSignal: when it fires
// (time cap, client gone) piscina terminates the worker running the task and starts a new
// one, so an infinite loop costs one worker, never the event loop.
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { PluginLogger } from '../../core/types.js';
import { ModgateError, isModgateError, messageOf } from '../../errors.js';
import type { ModuleRef } from './instance.js';
import { Scheduler } from './scheduler.js';
import type { WasmReply, WasmRequest, WasmTask } from './tasks.js';
import { workerEntry } from './worker-entry.js';
import { isWorkerLogMessage } from './worker-messages.js';

export interface PoolOptions {
  /** Worker threads; 0 = one per CPU. */
  threads: number;
  /** Calls that may wait for a worker before new ones get 503. */
  queue: number;
  /** An idle worker above the first stops after this long. */
  idleTimeoutMs: number;
}

/** Unloaded module ids sent along with tasks so workers drop their instances. */
const RETIRED_KEPT = 256;

export interface CallCounters {
  /** Calls aborted while their task was on a worker: each cost (and replaced) one worker. */
  workerRestarts: number;
}

export interface RunOptions {
  /** Concurrency group (the plugin version) and its limit. */
  key: string;
  limit: number;
  signal: AbortSignal;
  counters?: CallCounters;
}

export class WasmPool {
  readonly threads: number;
  private readonly scheduler: Scheduler;
  private piscina: Piscina | undefined;
  private starting: Promise<Piscina> | undefined;
  private readonly loggers = new Map<string, PluginLogger>();
  private retired: string[] = [];
  private closed = false;
  private workersStarted = 0;
  private workersStopped = 0;

  constructor(private readonly options: PoolOptions) {
    this.threads = options.threads > 0 ? options.threads : Math.max(1, availableParallelism());
    this.scheduler = new Scheduler(this.threads, options.queue);
  }

  /** Routes the log lines of a module's instances to its plugin's logger. */
  register(moduleId: string, log: PluginLogger): void {
    this.loggers.set(moduleId, log);
  }

  /** The module was unloaded: workers drop its instances on their next task. */
  retire(moduleId: string): void {
    this.loggers.delete(moduleId);
    this.retired = [...this.retired.filter((id) => id !== moduleId), moduleId].slice(-RETIRED_KEPT);
  }

  /** Runs one request in a worker; resolves with the reply's value or throws a ModgateError. */
  async run(ref: ModuleRef, request: WasmRequest, options: RunOptions): Promise<{ value: unknown; vectors?: ArrayBuffer }> {
    if (this.closed) throw closedError();
    const release = await this.scheduler.acquire(options.key, options.limit, options.signal);
    try {
      const pool = await this.pool();
      if (options.signal.aborted) throw abortError(ref.plugin, options.signal);
      const task: WasmTask = { ref, request, retired: this.retired };
      let reply: WasmReply;
      try {
        reply = (await pool.run(task, { signal: options.signal })) as WasmReply;
      } catch (err) {
        throw this.poolFailure(ref.plugin, err, options);
      }
      if (!reply.ok) throw new ModgateError(reply.code, reply.message);
      return reply;
    } finally {
      release();
    }
  }

  /** Pool-wide facts and this key's queue, for describe() and /metrics. */
  describe(key: string): Record<string, unknown> {
    const mine = this.scheduler.stats(key);
    return {
      running: mine.running,
      queueDepth: mine.waiting,
      pool: {
        threads: this.threads,
        liveWorkers: this.piscina?.threads.length ?? 0,
        running: this.scheduler.totalRunning,
        waiting: this.scheduler.totalWaiting,
        queueLimit: this.options.queue,
        workersStarted: this.workersStarted,
        workersStopped: this.workersStopped,
      },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.scheduler.rejectAll(closedError());
    const pool = this.piscina ?? (await this.starting?.catch(() => undefined));
    this.piscina = undefined;
    await pool?.destroy();
  }

  private pool(): Promise<Piscina> {
    if (this.piscina) return Promise.resolve(this.piscina);
    this.starting ??= this.createPool();
    return this.starting;
  }

  private async createPool(): Promise<Piscina> {
    const entry = await workerEntry();
    const pool = new Piscina({
      filename: entry.filename,
      ...(entry.execArgv ? { execArgv: entry.execArgv } : {}),
      minThreads: 1,
      maxThreads: this.threads,
      idleTimeout: this.options.idleTimeoutMs,
      // The scheduler keeps piscina's own queue short; this is only a backstop.
      maxQueue: this.threads + this.options.queue,
      concurrentTasksPerWorker: 1,
    });
    pool.on('workerCreate', () => this.workersStarted++);
    pool.on('workerDestroy', () => this.workersStopped++);
    pool.on('message', (message: unknown) => {
      if (!isWorkerLogMessage(message)) return;
      const log = this.loggers.get(message.moduleId);
      log?.[message.level](message.message);
    });
    // A worker that dies without a task (rare) must not take the process down.
    pool.on('error', () => undefined);
    if (this.closed) {
      await pool.destroy();
      throw closedError();
    }
    this.piscina = pool;
    return pool;
  }

  private poolFailure(plugin: string, err: unknown, options: RunOptions): ModgateError {
    if (isModgateError(err)) return err;
    if ((err as Error)?.name === 'AbortError') {
      // The task was on a worker (the scheduler only submits what can run): piscina terminated it.
      if (options.counters) options.counters.workerRestarts++;
      return abortError(plugin, options.signal);
    }
    const message = messageOf(err);
    if (/queue is at limit/i.test(message)) {
      return new ModgateError('MODGATE_OVERLOADED', 'the WASM runtime is overloaded; retry shortly', { retryAfter: 1 });
    }
    if (this.closed || /terminating worker thread/i.test(message)) return closedError();
    return new ModgateError('MODGATE_PLUGIN_CRASHED', `plugin "${plugin}" crashed its worker: ${message}`);
  }
}

/** What an aborted call fails with: the reason the core gave (time cap, client gone). */
function abortError(plugin: string, signal: AbortSignal): ModgateError {
  const reason: unknown = signal.reason;
  if (isModgateError(reason)) return reason;
  return new ModgateError('MODGATE_CLIENT_CLOSED', `call to plugin "${plugin}" was cancelled`);
}

function closedError(): ModgateError {
  return new ModgateError('MODGATE_PLUGIN_UNAVAILABLE', 'the WASM runtime is shutting down', { retryAfter: 1 });
}
