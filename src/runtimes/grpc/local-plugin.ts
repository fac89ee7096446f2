// A plugin process the gateway starts and supervises, the way a process supervisor would:
// start it and wait until it is healthy, watch it (process exit, periodic health checks),
// mark it unavailable the moment it dies (calls in flight fail at once with 503, new calls
// get 503 + Retry-After), restart it with exponential backoff, and give up (failed) after
// too many crashes in a row. Stop: Shutdown, then SIGTERM, then SIGKILL.
import type { LoadRequest, LoadedPlugin, Availability } from '../../core/runtime.js';
import type { HealthStatus, PluginApiByType, PluginType } from '../../core/types.js';
import { ModgateError, messageOf } from '../../errors.js';
import { coalescingFor, describeCoalescing, type Coalescing } from '../coalesce.js';
import { createApi, type ConnectionSource } from './api.js';
import { RestartBackoff, type BackoffOptions } from './backoff.js';
import { PluginChannel } from './channel.js';
import { establish } from './establish.js';
import { describeExit, launch, type ExitInfo, type LaunchedProcess } from './launcher.js';
import type { HealthCheckResponse, PluginInfo } from './messages.js';

export interface SupervisionOptions {
  /** Wait this long for the handshake, and for each call while bringing a process up. */
  startTimeoutMs: number;
  /** Health check period while serving. */
  healthIntervalMs: number;
  /** Failed health checks in a row before the process is killed and restarted. */
  healthFailuresBeforeRestart: number;
  backoff: BackoffOptions;
  /** A process that has served this long resets the crash count. */
  stableAfterMs: number;
  /** Wait this long after Shutdown, then after SIGTERM, before the next step. */
  stopGraceMs: number;
  /** Where PATH and the locale for the child come from. */
  parentEnv?: NodeJS.ProcessEnv;
  /** Gateway-wide cap on coalesced vectorize batches (MODGATE_COALESCE_BATCH; 1 = off). */
  coalesceBatch?: number;
}

export type SupervisorState = 'starting' | 'serving' | 'restarting' | 'failed' | 'stopped';

export interface LocalPluginInit {
  request: LoadRequest;
  binary: string;
  args: string[];
  options: SupervisionOptions;
  /** Called once when the supervisor gives up (the plugin stays down until reloaded). */
  onGaveUp?(reason: string): void;
  /** Called once the plugin has stopped for good, so the runtime can forget it. */
  onStopped?(): void;
}

interface Generation {
  process: LaunchedProcess;
  channel: PluginChannel;
  info: PluginInfo;
}

const HEALTH_CALL_TIMEOUT_MS = 5000;
const SHUTDOWN_CALL_TIMEOUT_MS = 1000;

export class LocalPlugin implements LoadedPlugin, ConnectionSource {
  readonly api: PluginApiByType[PluginType];
  readonly pluginName: string;
  private state: SupervisorState = 'starting';
  private reason: string | undefined;
  private current: Generation | undefined;
  private dims = 0;
  private restarts = 0;
  private restartAt = 0;
  private healthFailures = 0;
  private healthChecking = false;
  /** Why we are about to kill the current process ourselves (health), for the exit message. */
  private killReason: string | undefined;
  private readonly backoff: RestartBackoff;
  private healthTimer: NodeJS.Timeout | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private stableTimer: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;
  /** A restart in progress, and how to cancel it when the plugin is stopped meanwhile. */
  private restarting: Promise<void> | undefined;
  private readonly restartAbort = new AbortController();
  private readonly coalescing: Coalescing;

  private constructor(private readonly init: LocalPluginInit) {
    this.pluginName = init.request.manifest.metadata.name;
    this.backoff = new RestartBackoff(init.options.backoff);
    const { spec } = init.request.manifest;
    this.coalescing = coalescingFor(spec.capabilities?.maxBatchSize, init.request.limits.cpuMillis, init.options.coalesceBatch);
    this.api = createApi(spec.type, this, this.coalescing);
  }

  /** Starts the first process; throws (422) with the reason when it does not come up. */
  static async start(init: LocalPluginInit): Promise<LocalPlugin> {
    const plugin = new LocalPlugin(init);
    const signal = init.request.signal;
    try {
      await plugin.bringUp(signal);
    } catch (err) {
      plugin.state = 'stopped';
      init.onStopped?.();
      throw err;
    }
    // The manager gave up waiting just as we finished: do not leave the process behind.
    if (signal.aborted) {
      await plugin.stop();
      throw signal.reason instanceof Error ? signal.reason : new ModgateError('MODGATE_PLUGIN_LOAD_FAILED', 'load cancelled');
    }
    return plugin;
  }

  get pid(): number | undefined {
    return this.current?.process.pid;
  }

  get supervisorState(): SupervisorState {
    return this.state;
  }

  // --- ConnectionSource -----------------------------------------------------------------

  channel(): PluginChannel {
    const generation = this.current;
    if (this.state === 'serving' && generation && !generation.channel.closed) return generation.channel;
    const availability = this.availability();
    throw new ModgateError('MODGATE_PLUGIN_UNAVAILABLE', `plugin "${this.pluginName}" is unavailable: ${availability.reason}`, {
      retryAfter: availability.retryAfter,
    });
  }

  dimensions(): number {
    return this.dims;
  }

  suspect(): void {
    void this.checkHealth();
  }

  // --- LoadedPlugin -----------------------------------------------------------------------

  availability(): Availability {
    switch (this.state) {
      case 'serving':
        return { available: true };
      case 'restarting':
        return {
          available: false,
          reason: `restarting (${this.reason ?? 'process ended'})`,
          retryAfter: Math.max(1, Math.ceil((this.restartAt - Date.now()) / 1000) + 1),
        };
      case 'failed':
        return { available: false, reason: `failed: ${this.reason}`, retryAfter: 30 };
      default:
        return { available: false, reason: this.state, retryAfter: 1 };
    }
  }

  async health(): Promise<HealthStatus> {
    const generation = this.current;
    if (this.state !== 'serving' || !generation) return { healthy: false, detail: this.availability().reason };
    try {
      const answer = await generation.channel.unary<HealthCheckResponse>('health', 'Check', { service: '' }, { timeoutMs: HEALTH_CALL_TIMEOUT_MS });
      return { healthy: answer.status === 'SERVING', detail: `process ${generation.process.pid}: ${answer.status}` };
    } catch (err) {
      return { healthy: false, detail: messageOf(err) };
    }
  }

  describe(): Record<string, unknown> {
    const generation = this.current;
    const info: Record<string, unknown> = {
      mode: 'local',
      state: this.state,
      restarts: this.restarts,
      binary: this.init.request.manifest.spec.binary,
    };
    if (this.reason && this.state !== 'serving') info.reason = this.reason;
    if (generation) {
      info.pid = generation.process.pid;
      info.address = `${generation.process.handshake.network}:${generation.process.handshake.address}`;
      info.protocolVersion = generation.process.handshake.protocolVersion;
      if (generation.info.version) info.pluginVersion = generation.info.version;
    }
    if (this.init.request.manifest.spec.resources?.memory !== undefined) info.addressSpaceLimitBytes = this.init.request.limits.memoryBytes;
    if (this.init.request.manifest.spec.type === 'vectorizer') info.coalescing = describeCoalescing(this.coalescing);
    return info;
  }

  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  // --- supervision ------------------------------------------------------------------------

  /** Starts one process and brings it into service. */
  private async bringUp(signal?: AbortSignal): Promise<void> {
    const { request, options } = this.init;
    const process = await launch({
      pluginName: this.pluginName,
      dir: request.dir,
      binary: this.init.binary,
      args: this.init.args,
      memoryBytes: request.manifest.spec.resources?.memory !== undefined ? request.limits.memoryBytes : undefined,
      dataDir: request.dataDir,
      startTimeoutMs: options.startTimeoutMs,
      signal,
      log: request.log,
      parentEnv: options.parentEnv,
    });
    const channel = new PluginChannel({ target: process.handshake.target, pluginName: this.pluginName, type: request.manifest.spec.type });
    let established;
    try {
      established = await establish({
        channel,
        manifest: request.manifest,
        config: request.config,
        dataDir: request.dataDir,
        timeoutMs: options.startTimeoutMs,
        signal,
      });
    } catch (err) {
      channel.close();
      process.kill();
      const exit = await process.exited;
      const died = process.hasExited && exit.code !== null ? ` (the process ${describeExit(exit)})` : '';
      throw err instanceof ModgateError ? new ModgateError(err.code, `${err.message}${died}`, { cause: err }) : err;
    }
    for (const warning of established.warnings) request.log.warn(warning);
    if (this.stopping || this.state === 'stopped') {
      // stop() was called while we were starting: undo.
      channel.close();
      await process.stop(options.stopGraceMs);
      return;
    }
    this.current = { process, channel, info: established.info };
    this.dims = established.dimensions;
    this.state = 'serving';
    this.reason = undefined;
    this.healthFailures = 0;
    void process.exited.then((exit) => this.onExit(process, exit));
    this.healthTimer = setInterval(() => void this.checkHealth(), options.healthIntervalMs);
    this.healthTimer.unref();
    this.stableTimer = setTimeout(() => this.backoff.reset(), options.stableAfterMs);
    this.stableTimer.unref();
    request.log.info(`process ${process.pid} serving on ${process.handshake.network}:${process.handshake.address}`);
  }

  private onExit(process: LaunchedProcess, exit: ExitInfo): void {
    if (this.current?.process !== process || this.state === 'stopped' || this.stopping) return;
    const why = `process ${process.pid} ${this.killReason ?? describeExit(exit)}`;
    this.killReason = undefined;
    const error = new ModgateError('MODGATE_PLUGIN_UNAVAILABLE', `plugin "${this.pluginName}" is unavailable: its ${why}`, { retryAfter: 1 });
    this.current.channel.close(error);
    this.current = undefined;
    this.init.request.log.warn(`${why}`);
    this.crashed(why);
  }

  private crashed(why: string): void {
    clearInterval(this.healthTimer);
    clearTimeout(this.stableTimer);
    const delay = this.backoff.next();
    if (delay === undefined) {
      this.state = 'failed';
      this.reason = `gave up after ${this.backoff.count} crashes in a row; last: ${why}`;
      this.init.request.log.error(`${this.reason}; reload the plugin to try again`);
      this.init.onGaveUp?.(this.reason);
      return;
    }
    this.state = 'restarting';
    this.reason = why;
    this.restartAt = Date.now() + delay;
    this.init.request.log.info(`restarting in ${delay} ms (crash ${this.backoff.count} in a row)`);
    this.restartTimer = setTimeout(() => void this.restart(), delay);
  }

  private async restart(): Promise<void> {
    if (this.state !== 'restarting' || this.stopping) return;
    this.restarts++;
    this.restarting = this.bringUp(this.restartAbort.signal);
    try {
      await this.restarting;
    } catch (err) {
      if (this.stopping) return;
      this.crashed(`restart failed: ${messageOf(err)}`);
    } finally {
      this.restarting = undefined;
    }
  }

  private async checkHealth(): Promise<void> {
    const generation = this.current;
    if (this.state !== 'serving' || !generation || this.healthChecking) return;
    this.healthChecking = true;
    let problem: string | undefined;
    try {
      const timeoutMs = Math.min(HEALTH_CALL_TIMEOUT_MS, Math.max(this.init.options.healthIntervalMs, 100));
      const answer = await generation.channel.unary<HealthCheckResponse>('health', 'Check', { service: '' }, { timeoutMs });
      if (answer.status !== 'SERVING') problem = `health check answered ${answer.status}`;
    } catch (err) {
      problem = `health check failed: ${messageOf(err)}`;
    } finally {
      this.healthChecking = false;
    }
    if (this.current !== generation || this.state !== 'serving') return;
    if (!problem) {
      this.healthFailures = 0;
      return;
    }
    this.healthFailures++;
    this.init.request.log.warn(`process ${generation.process.pid}: ${problem} (${this.healthFailures} in a row)`);
    if (this.healthFailures >= this.init.options.healthFailuresBeforeRestart) {
      this.killReason = `was killed after ${this.healthFailures} failed health checks in a row (${problem})`;
      generation.process.kill();
    }
  }

  private async shutdown(): Promise<void> {
    const previous = this.state;
    this.state = 'stopped';
    clearInterval(this.healthTimer);
    clearTimeout(this.restartTimer);
    clearTimeout(this.stableTimer);
    this.restartAbort.abort(new ModgateError('MODGATE_PLUGIN_UNAVAILABLE', `plugin "${this.pluginName}" is stopping`));
    await this.restarting?.catch(() => undefined);
    const generation = this.current;
    try {
      if (!generation) return;
      const { process, channel } = generation;
      const { log } = this.init.request;
      const grace = this.init.options.stopGraceMs;
      const wasRunning = !process.hasExited;
      if (previous === 'serving' && wasRunning) {
        // Polite first: the SDKs answer Shutdown by reporting NOT_SERVING, finishing in-flight calls and exiting.
        await channel.unary('plugin', 'Shutdown', {}, { timeoutMs: SHUTDOWN_CALL_TIMEOUT_MS }).catch(() => undefined);
        await Promise.race([process.exited, new Promise((resolve) => setTimeout(resolve, grace).unref())]);
        if (!process.hasExited) log.warn(`process ${process.pid} did not exit within ${grace} ms of Shutdown; sending SIGTERM`);
      }
      // SIGTERM, then SIGKILL after the grace (launcher.ts); at once when it has exited already.
      const exit = await process.stop(grace);
      if (wasRunning) log.info(`process ${process.pid} stopped (it ${describeExit(exit)})`);
      channel.close(new ModgateError('MODGATE_PLUGIN_UNAVAILABLE', `plugin "${this.pluginName}" stopped`, { retryAfter: 1 }));
    } finally {
      this.init.onStopped?.();
    }
  }
}
