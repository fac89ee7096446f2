// The gRPC runtime: out-of-process plugins in any language. `spec.binary` is a program the
// gateway starts and supervises (local-plugin.ts); `spec.endpoint` is a server someone else
// runs (remote-plugin.ts). Protocol and launch contract: docs/grpc.md.
import { assertInsidePluginDir } from '../../core/manifest.js';
import type { LoadRequest, LoadedPlugin, Runtime } from '../../core/runtime.js';
import { ModgateError } from '../../errors.js';
import { DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { killGroup } from './launcher.js';
import { LocalPlugin, type SupervisionOptions } from './local-plugin.js';
import { loadProtocol } from './protocol.js';
import { RemotePlugin } from './remote-plugin.js';

export interface GrpcRuntimeOptions {
  /** Handshake and connect timeout (MODGATE_GRPC_START_TIMEOUT). */
  startTimeoutMs: number;
  /** Health check period (MODGATE_GRPC_HEALTH_INTERVAL). */
  healthIntervalMs?: number;
  /** Restarts in a row before a crashing plugin is given up (MODGATE_GRPC_MAX_RESTARTS). */
  maxRestarts?: number;
  backoff?: Partial<Omit<BackoffOptions, 'maxRestarts'>>;
  healthFailuresBeforeRestart?: number;
  stableAfterMs?: number;
  /** Wait this long after Shutdown, then after SIGTERM, before the next step (MODGATE_GRPC_STOP_GRACE). */
  stopGraceMs?: number;
  /** Where a child's PATH and locale come from (default: the gateway's environment). */
  parentEnv?: NodeJS.ProcessEnv;
  /** Cap on coalesced single-text vectorize batches (MODGATE_COALESCE_BATCH; 1 = off). */
  coalesceBatch?: number;
}

export const GRPC_DEFAULTS = {
  healthIntervalMs: 5000,
  healthFailuresBeforeRestart: 2,
  stableAfterMs: 60_000,
  stopGraceMs: 3000,
} as const;

export class GrpcRuntime implements Runtime {
  readonly kind = 'grpc' as const;
  private readonly supervision: SupervisionOptions;
  private readonly live = new Set<LocalPlugin>();
  private readonly remotes = new Set<RemotePlugin>();
  /** Last resort when the gateway exits without closing: no plugin process outlives it. */
  private readonly killAllOnExit = () => {
    for (const plugin of this.live) if (plugin.pid !== undefined) killGroup(plugin.pid);
  };

  constructor(options: GrpcRuntimeOptions) {
    // Fail at gateway start, not at the first plugin load, when the proto files are missing.
    loadProtocol();
    this.supervision = {
      startTimeoutMs: options.startTimeoutMs,
      healthIntervalMs: options.healthIntervalMs ?? GRPC_DEFAULTS.healthIntervalMs,
      healthFailuresBeforeRestart: options.healthFailuresBeforeRestart ?? GRPC_DEFAULTS.healthFailuresBeforeRestart,
      backoff: { ...DEFAULT_BACKOFF, ...options.backoff, maxRestarts: options.maxRestarts ?? DEFAULT_BACKOFF.maxRestarts },
      stableAfterMs: options.stableAfterMs ?? GRPC_DEFAULTS.stableAfterMs,
      stopGraceMs: options.stopGraceMs ?? GRPC_DEFAULTS.stopGraceMs,
      parentEnv: options.parentEnv,
      coalesceBatch: options.coalesceBatch,
    };
    process.on('exit', this.killAllOnExit);
  }

  async load(request: LoadRequest): Promise<LoadedPlugin> {
    const { spec, metadata } = request.manifest;
    if (spec.endpoint !== undefined) {
      let remote: RemotePlugin | undefined;
      remote = await RemotePlugin.connect(request, {
        connectTimeoutMs: this.supervision.startTimeoutMs,
        healthIntervalMs: this.supervision.healthIntervalMs,
        coalesceBatch: this.supervision.coalesceBatch,
        onStopped: () => {
          if (remote) this.remotes.delete(remote);
        },
      });
      this.remotes.add(remote);
      return remote;
    }
    if (spec.binary === undefined) {
      throw new ModgateError('MODGATE_PLUGIN_LOAD_FAILED', `plugin "${metadata.name}": a grpc plugin needs spec.binary (a program to start) or spec.endpoint (a running server)`);
    }
    const binary = await assertInsidePluginDir(request.dir, spec.binary);
    let plugin: LocalPlugin | undefined;
    plugin = await LocalPlugin.start({
      request,
      binary,
      args: spec.args ?? [],
      options: this.supervision,
      onGaveUp: (reason) => request.reportFailure?.(reason),
      onStopped: () => {
        if (plugin) this.live.delete(plugin);
      },
    });
    this.live.add(plugin);
    return plugin;
  }

  /** Stops every plugin process still running (the manager normally stopped them already). */
  async close(): Promise<void> {
    await Promise.all([...this.live].map((p) => p.stop()));
    await Promise.all([...this.remotes].map((r) => r.stop()));
    this.live.clear();
    this.remotes.clear();
    process.off('exit', this.killAllOnExit);
  }

  /** Pids of the plugin processes running now (for tests and diagnostics). */
  pids(): number[] {
    return [...this.live].map((p) => p.pid).filter((pid): pid is number => pid !== undefined);
  }
}
