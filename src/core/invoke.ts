// Runs one plugin operation under a lease with the plugin's time cap, the caller's abort
// signal, error mapping and statistics. Every route (native REST and compat APIs) goes
// through here.
import { ModgateError, asModgateError, isModgateError, messageOf } from '../errors.js';
import type { Lease } from './lifecycle.js';
import type { Registry } from './registry.js';
import type { CallOutcome, PluginStats } from './stats.js';
import type { CallContext, PluginApiByType, PluginType } from './types.js';

export interface CallObserver {
  onCallStart?(plugin: string, operation: string): void;
  onCallEnd?(plugin: string, operation: string, outcome: CallOutcome, seconds: number): void;
}

/** What a call needs to hear that its caller went away; an AbortSignal is one. */
export interface CallerSignal {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

export interface InvokeOptions {
  /** Aborts the call when the client goes away. */
  signal?: CallerSignal;
}

export interface Invoker {
  registry: Registry;
  statsFor(name: string): PluginStats;
  observer?: CallObserver;
}

export type Operation<T extends PluginType, R> = (api: PluginApiByType[T], ctx: CallContext, lease: Lease<T>) => Promise<R>;

export async function invoke<T extends PluginType, R>(
  invoker: Invoker,
  name: string,
  type: T,
  operation: string,
  run: Operation<T, R>,
  options: InvokeOptions = {},
): Promise<R> {
  const lease = invoker.registry.lease(name, type);
  const call = new PluginCall(invoker, lease, operation, options.signal);
  try {
    const result = await call.race(run(lease.api, call.ctx, lease));
    call.finish('ok');
    return result;
  } catch (err) {
    throw call.fail(err);
  }
}

/** Like invoke, for operations that stream: the lease is held until the stream ends. */
export async function* invokeStream<T extends PluginType, C>(
  invoker: Invoker,
  name: string,
  type: T,
  operation: string,
  run: (api: PluginApiByType[T], ctx: CallContext) => AsyncIterable<C>,
  options: InvokeOptions = {},
): AsyncGenerator<C> {
  const lease = invoker.registry.lease(name, type);
  const call = new PluginCall(invoker, lease, operation, options.signal);
  let completed = false;
  let iterator: AsyncIterator<C> | undefined;
  try {
    iterator = run(lease.api, call.ctx)[Symbol.asyncIterator]();
    for (;;) {
      call.restartTimer();
      const step = await call.race(iterator.next());
      if (step.done) break;
      yield step.value;
    }
    completed = true;
  } catch (err) {
    throw call.fail(err);
  } finally {
    // Reached on normal end, on error, and when the consumer stops early (client gone):
    // tell the plugin's generator to stop and account for the call exactly once.
    if (!completed) call.abort('stream closed before the end');
    void iterator?.return?.(undefined)?.catch(() => undefined);
    call.finish(completed ? 'ok' : 'cancelled');
  }
}

class PluginCall<T extends PluginType> {
  readonly ctx: CallContext;
  /**
   * Made only when the plugin reads ctx.signal: an AbortController costs more than the rest of
   * a native call's bookkeeping (bench/, docs/benchmarks.md), and most native plugins never look.
   */
  private controller: AbortController | undefined;
  /** Why the call was aborted (time cap, client gone); undefined while it runs. */
  private abortReason: ModgateError | undefined;
  /** Rejects the promise race() handed out last (one at a time: a stream waits chunk by chunk). */
  private rejectRace: ((reason: ModgateError) => void) | undefined;
  private readonly started = performance.now();
  private timer: NodeJS.Timeout | undefined;
  private settled = false;
  /** Plugin promises handed to race() that have not settled yet. */
  private pending = 0;
  private readonly onClientAbort = () => this.abort('client closed the connection');

  constructor(
    private readonly invoker: Invoker,
    private readonly lease: Lease<T>,
    private readonly operation: string,
    private readonly clientSignal: CallerSignal | undefined,
  ) {
    const call = this;
    this.ctx = {
      get signal() {
        return call.signal();
      },
      timeoutMs: lease.handle.limits.timeoutMs,
    };
    if (clientSignal?.aborted) this.onClientAbort();
    else clientSignal?.addEventListener('abort', this.onClientAbort, { once: true });
    this.restartTimer();
    invoker.observer?.onCallStart?.(lease.handle.name, operation);
  }

  /** (Re)arms the time cap: for a stream it bounds the wait for each chunk. */
  restartTimer(): void {
    clearTimeout(this.timer);
    const { name, limits } = this.lease.handle;
    this.timer = setTimeout(() => {
      this.abortWith(
        new ModgateError('MODGATE_PLUGIN_TIMEOUT', `plugin "${name}" did not answer within ${limits.timeoutMs} ms (its resources.timeout)`),
      );
    }, limits.timeoutMs);
  }

  race<V>(work: Promise<V>): Promise<V> {
    // The lease stays held until the plugin's own promise settles, even when we answer the
    // client early (timeout, disconnect), so a drain never stops a version that is still busy.
    // One promise per race, settled by the work or by abortWith (no Promise.race: it costs an
    // array, a second promise and a standing rejection per call).
    this.pending++;
    return new Promise<V>((resolve, reject) => {
      if (this.abortReason) reject(this.abortReason);
      else this.rejectRace = reject;
      work.then(
        (value) => {
          this.releaseIfDone();
          resolve(value);
        },
        (err: unknown) => {
          this.releaseIfDone();
          reject(err);
        },
      );
    });
  }

  private releaseIfDone(): void {
    this.pending--;
    if (this.pending === 0 && this.settled) this.lease.release();
  }

  abort(reason: string): void {
    this.abortWith(new ModgateError('MODGATE_CLIENT_CLOSED', `call to plugin "${this.lease.handle.name}" cancelled: ${reason}`));
  }

  private signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.abortReason) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  private abortWith(error: ModgateError): void {
    if (this.abortReason) return;
    this.abortReason = error;
    this.controller?.abort(error);
    this.rejectRace?.(error);
  }

  finish(outcome: CallOutcome): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    this.clientSignal?.removeEventListener('abort', this.onClientAbort);
    if (this.pending === 0) this.lease.release();
    const ms = performance.now() - this.started;
    const name = this.lease.handle.name;
    this.invoker.statsFor(name).record(this.operation, outcome, ms);
    this.invoker.observer?.onCallEnd?.(name, this.operation, outcome, ms / 1000);
  }

  fail(err: unknown): ModgateError {
    const error = toCallError(this.lease.handle.name, this.abortReason ?? err, err);
    this.finish(outcomeOf(error));
    return error;
  }
}

function toCallError(plugin: string, reason: unknown, original: unknown): ModgateError {
  if (isModgateError(reason)) return reason;
  const own = asModgateError(original);
  if (own) return own;
  return new ModgateError('MODGATE_PLUGIN_ERROR', `plugin "${plugin}" failed: ${messageOf(original)}`, { cause: original });
}

function outcomeOf(error: ModgateError): CallOutcome {
  switch (error.code) {
    case 'MODGATE_PLUGIN_TIMEOUT':
      return 'timeout';
    case 'MODGATE_CLIENT_CLOSED':
      return 'cancelled';
    case 'MODGATE_PLUGIN_UNAVAILABLE':
    case 'MODGATE_OVERLOADED':
      return 'unavailable';
    default:
      return error.statusCode < 500 ? 'client_error' : 'plugin_error';
  }
}
