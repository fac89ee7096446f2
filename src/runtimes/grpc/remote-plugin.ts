// A plugin server someone else runs (spec.endpoint). The gateway connects, checks GetInfo
// against the manifest, configures it and health-checks it; it never starts or stops it.
// When the server stops answering, the plugin is unavailable (503) and the gateway keeps
// trying to reconnect (configuring it again: a restarted server has lost its config).
import { readFile } from 'node:fs/promises';
import * as grpc from '@grpc/grpc-js';
import { assertInsidePluginDir } from '../../core/manifest.js';
import type { Availability, LoadRequest, LoadedPlugin } from '../../core/runtime.js';
import type { HealthStatus, PluginApiByType, PluginType } from '../../core/types.js';
import { ModgateError, messageOf } from '../../errors.js';
import { coalescingFor, describeCoalescing, type Coalescing } from '../coalesce.js';
import { createApi, type ConnectionSource } from './api.js';
import { PluginChannel } from './channel.js';
import { establish } from './establish.js';
import type { HealthCheckResponse, PluginInfo } from './messages.js';

export interface RemoteOptions {
  /** Deadline of each call while connecting. */
  connectTimeoutMs: number;
  /** Health check (or reconnect attempt) period. */
  healthIntervalMs: number;
  /** Gateway-wide cap on coalesced vectorize batches (1 = off). */
  coalesceBatch?: number;
  /** Called once the plugin is stopped, so the runtime can forget it. */
  onStopped?(): void;
}

interface Tls {
  credentials: grpc.ChannelCredentials;
  serverName?: string;
}

const HEALTH_CALL_TIMEOUT_MS = 5000;

export class RemotePlugin implements LoadedPlugin, ConnectionSource {
  readonly api: PluginApiByType[PluginType];
  readonly pluginName: string;
  private connection: PluginChannel | undefined;
  private info: PluginInfo | undefined;
  private dims = 0;
  private reason: string | undefined;
  private reconnects = 0;
  private stopped = false;
  private checking = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly coalescing: Coalescing;

  private constructor(
    private readonly request: LoadRequest,
    private readonly endpoint: string,
    private readonly tls: Tls | undefined,
    private readonly options: RemoteOptions,
  ) {
    this.pluginName = request.manifest.metadata.name;
    const { spec } = request.manifest;
    this.coalescing = coalescingFor(spec.capabilities?.maxBatchSize, request.limits.cpuMillis, options.coalesceBatch);
    this.api = createApi(spec.type, this, this.coalescing);
  }

  static async connect(request: LoadRequest, options: RemoteOptions): Promise<RemotePlugin> {
    const endpoint = request.manifest.spec.endpoint!;
    const plugin = new RemotePlugin(request, endpoint, await tlsFor(request), options);
    try {
      await plugin.establish(request.signal);
    } catch (err) {
      const name = plugin.pluginName;
      const message = messageOf(err).replace(`plugin "${name}": `, '');
      throw new ModgateError('MODGATE_PLUGIN_LOAD_FAILED', `plugin "${name}": remote server ${endpoint}: ${message}`, { cause: err });
    }
    plugin.timer = setInterval(() => void plugin.tick(), options.healthIntervalMs);
    plugin.timer.unref();
    return plugin;
  }

  // --- ConnectionSource -----------------------------------------------------------------

  channel(): PluginChannel {
    if (this.connection && !this.connection.closed) return this.connection;
    throw new ModgateError('MODGATE_PLUGIN_UNAVAILABLE', `plugin "${this.pluginName}" is unavailable: ${this.availability().reason}`, {
      retryAfter: this.retryAfter(),
    });
  }

  dimensions(): number {
    return this.dims;
  }

  suspect(): void {
    void this.tick();
  }

  // --- LoadedPlugin -----------------------------------------------------------------------

  availability(): Availability {
    if (this.stopped) return { available: false, reason: 'stopped', retryAfter: 1 };
    if (this.connection) return { available: true };
    return { available: false, reason: `remote server ${this.endpoint} is not reachable (${this.reason ?? 'disconnected'}); reconnecting`, retryAfter: this.retryAfter() };
  }

  async health(): Promise<HealthStatus> {
    const connection = this.connection;
    if (!connection) return { healthy: false, detail: this.availability().reason };
    try {
      const answer = await connection.unary<HealthCheckResponse>('health', 'Check', { service: '' }, { timeoutMs: HEALTH_CALL_TIMEOUT_MS });
      return { healthy: answer.status === 'SERVING', detail: `${this.endpoint}: ${answer.status}` };
    } catch (err) {
      return { healthy: false, detail: messageOf(err) };
    }
  }

  describe(): Record<string, unknown> {
    const info: Record<string, unknown> = {
      mode: 'remote',
      endpoint: this.endpoint,
      tls: this.tls !== undefined,
      state: this.stopped ? 'stopped' : this.connection ? 'connected' : 'disconnected',
      reconnects: this.reconnects,
    };
    if (!this.connection && this.reason) info.reason = this.reason;
    if (this.info?.version) info.pluginVersion = this.info.version;
    if (this.request.manifest.spec.type === 'vectorizer') info.coalescing = describeCoalescing(this.coalescing);
    return info;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    this.connection?.close(new ModgateError('MODGATE_PLUGIN_UNAVAILABLE', `plugin "${this.pluginName}" stopped`, { retryAfter: 1 }));
    this.connection = undefined;
    this.options.onStopped?.();
  }

  // --- supervision ------------------------------------------------------------------------

  private retryAfter(): number {
    return Math.max(1, Math.ceil(this.options.healthIntervalMs / 1000));
  }

  private async establish(signal?: AbortSignal): Promise<void> {
    const channel = new PluginChannel({
      target: this.endpoint,
      pluginName: this.pluginName,
      type: this.request.manifest.spec.type,
      credentials: this.tls?.credentials,
      serverName: this.tls?.serverName,
    });
    try {
      const established = await establish({
        channel,
        manifest: this.request.manifest,
        config: this.request.config,
        dataDir: '',
        timeoutMs: this.options.connectTimeoutMs,
        signal,
      });
      if (this.dims !== 0 && established.dimensions !== this.dims) {
        throw new ModgateError('MODGATE_PLUGIN_LOAD_FAILED', `plugin "${this.pluginName}" now reports ${established.dimensions} dimensions instead of ${this.dims}`);
      }
      for (const warning of established.warnings) this.request.log.warn(warning);
      if (this.stopped) {
        channel.close();
        return;
      }
      this.connection = channel;
      this.info = established.info;
      this.dims = established.dimensions;
      this.reason = undefined;
    } catch (err) {
      channel.close();
      throw err;
    }
  }

  /** One health check while connected, or one reconnect attempt while not. */
  private async tick(): Promise<void> {
    if (this.stopped || this.checking) return;
    this.checking = true;
    try {
      if (this.connection) await this.check(this.connection);
      else await this.reconnect();
    } finally {
      this.checking = false;
    }
  }

  private async check(connection: PluginChannel): Promise<void> {
    let problem: string | undefined;
    try {
      const timeoutMs = Math.min(HEALTH_CALL_TIMEOUT_MS, Math.max(this.options.healthIntervalMs, 100));
      const answer = await connection.unary<HealthCheckResponse>('health', 'Check', { service: '' }, { timeoutMs });
      if (answer.status !== 'SERVING') problem = `health check answered ${answer.status}`;
    } catch (err) {
      problem = `health check failed: ${messageOf(err)}`;
    }
    if (!problem || this.connection !== connection || this.stopped) return;
    this.reason = problem;
    this.connection = undefined;
    connection.close(new ModgateError('MODGATE_PLUGIN_UNAVAILABLE', `plugin "${this.pluginName}" is unavailable: ${problem}`, { retryAfter: this.retryAfter() }));
    this.request.log.warn(`remote server ${this.endpoint}: ${problem}; marked unavailable, reconnecting`);
  }

  private async reconnect(): Promise<void> {
    try {
      await this.establish();
      this.reconnects++;
      this.request.log.info(`remote server ${this.endpoint} is back`);
    } catch (err) {
      this.reason = messageOf(err);
    }
  }
}

async function tlsFor(request: LoadRequest): Promise<Tls | undefined> {
  const tls = request.manifest.spec.tls;
  if (!tls || tls.enabled === false) return undefined;
  let ca: Buffer | null = null;
  if (tls.ca) {
    const file = await assertInsidePluginDir(request.dir, tls.ca);
    try {
      ca = await readFile(file);
    } catch (err) {
      throw new ModgateError('MODGATE_PLUGIN_LOAD_FAILED', `plugin "${request.manifest.metadata.name}": cannot read spec.tls.ca ${tls.ca}: ${messageOf(err)}`);
    }
  }
  return { credentials: grpc.credentials.createSsl(ca), serverName: tls.serverName };
}
