// One loaded version of a plugin and its state machine:
//   loading -> ready -> draining -> stopped, and failed (with the reason).
// Every call holds a lease on the handle that was active when it started; draining waits
// for those leases (up to a timeout) before the handle is stopped.
import { ModgateError } from '../errors.js';
import type { Manifest, ResolvedLimits } from './manifest.js';
import type { LoadedPlugin } from './runtime.js';
import type { PluginApiByType, PluginState, PluginType } from './types.js';

export interface HandleInit {
  manifest: Manifest;
  dir: string;
  limits: ResolvedLimits;
  /** Config after defaults and validation: what the plugin receives. */
  config: Record<string, unknown>;
  /** The values the operator set (no defaults): what a reload carries over. */
  configValues: Record<string, unknown>;
  /** Where the version came from: a bundled plugins folder or the durable store. */
  source: 'directory' | 'store';
}

export interface Lease<T extends PluginType = PluginType> {
  readonly handle: PluginHandle;
  readonly api: PluginApiByType[T];
  release(): void;
}

type StateListener = (handle: PluginHandle, state: PluginState) => void;

export class PluginHandle {
  readonly name: string;
  readonly version: string;
  readonly type: PluginType;
  readonly manifest: Manifest;
  readonly dir: string;
  readonly limits: ResolvedLimits;
  readonly config: Record<string, unknown>;
  readonly configValues: Record<string, unknown>;
  readonly source: HandleInit['source'];
  readonly createdAt = new Date();

  private currentState: PluginState = 'loading';
  private failure: string | undefined;
  private plugin: LoadedPlugin | undefined;
  private leases = 0;
  private idleWaiters: Array<() => void> = [];
  private readonly listeners: StateListener[] = [];

  constructor(init: HandleInit) {
    this.manifest = init.manifest;
    this.name = init.manifest.metadata.name;
    this.version = init.manifest.metadata.version;
    this.type = init.manifest.spec.type;
    this.dir = init.dir;
    this.limits = init.limits;
    this.config = init.config;
    this.configValues = init.configValues;
    this.source = init.source;
  }

  get state(): PluginState {
    return this.currentState;
  }

  get failureReason(): string | undefined {
    return this.failure;
  }

  get inFlight(): number {
    return this.leases;
  }

  get loaded(): LoadedPlugin | undefined {
    return this.plugin;
  }

  onStateChange(listener: StateListener): void {
    this.listeners.push(listener);
  }

  markReady(plugin: LoadedPlugin): void {
    this.assertState('markReady', 'loading');
    this.plugin = plugin;
    this.setState('ready');
  }

  markFailed(reason: string): void {
    this.failure = reason;
    this.setState('failed');
  }

  /**
   * Takes a lease synchronously, so a caller that looked the handle up in the registry in the
   * same tick can never see it drained and stopped under it.
   */
  acquire<T extends PluginType>(): Lease<T> {
    const plugin = this.plugin;
    if (this.currentState !== 'ready' || plugin === undefined) {
      const why = this.currentState === 'failed' ? `failed: ${this.failure}` : `is ${this.currentState}`;
      throw new ModgateError('MODGATE_PLUGIN_UNAVAILABLE', `plugin "${this.name}" ${why}`, { retryAfter: 1 });
    }
    const availability = plugin.availability?.();
    if (availability && !availability.available) {
      throw new ModgateError(
        'MODGATE_PLUGIN_UNAVAILABLE',
        `plugin "${this.name}" is unavailable: ${availability.reason ?? 'backend not serving'}`,
        { retryAfter: availability.retryAfter ?? 1 },
      );
    }
    this.leases++;
    let released = false;
    return {
      handle: this,
      api: plugin.api as PluginApiByType[T],
      release: () => {
        if (released) return;
        released = true;
        this.leases--;
        if (this.leases === 0) this.wakeIdleWaiters();
      },
    };
  }

  /**
   * Stops taking new leases and waits for the in-flight ones to end. Resolves true when all
   * ended, false when the timeout passed first.
   */
  async drain(timeoutMs: number): Promise<boolean> {
    if (this.currentState === 'ready' || this.currentState === 'loading') this.setState('draining');
    if (this.leases === 0) return true;
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== onIdle);
        resolve(false);
      }, timeoutMs);
      const onIdle = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.idleWaiters.push(onIdle);
    });
  }

  async stop(): Promise<void> {
    if (this.currentState === 'stopped') return;
    const plugin = this.plugin;
    if (this.currentState !== 'failed') this.setState('stopped');
    if (plugin) await plugin.stop();
  }

  private wakeIdleWaiters(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }

  private assertState(action: string, expected: PluginState): void {
    if (this.currentState !== expected) {
      throw new Error(`cannot ${action} plugin "${this.name}" in state ${this.currentState}`);
    }
  }

  private setState(state: PluginState): void {
    this.currentState = state;
    for (const listener of this.listeners) listener(this, state);
  }
}
