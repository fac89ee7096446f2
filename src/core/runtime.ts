// The one interface every runtime (native, wasm, grpc) implements. Core drives plugins only
// through it; a runtime knows nothing about HTTP.
import type { Manifest, ResolvedLimits } from './manifest.js';
import type { HealthStatus, PluginApiByType, PluginLogger, PluginType, RuntimeKind } from './types.js';

export interface LoadRequest {
  /** Absolute path of the plugin folder (holds plugin.yaml and the artifact). */
  dir: string;
  manifest: Manifest;
  limits: ResolvedLimits;
  /** Config after defaults and validation (secrets included: the plugin needs them). */
  config: Record<string, unknown>;
  log: PluginLogger;
  /** A writable folder private to this plugin (e.g. for a storage plugin's files). */
  dataDir: string;
  /** Aborted when the load takes longer than the manager's load timeout. */
  signal: AbortSignal;
  /**
   * For a backend that can break for good after loading (a plugin process that keeps
   * crashing): the runtime calls this once and the plugin's handle becomes failed.
   */
  reportFailure?(reason: string): void;
}

export interface Availability {
  available: boolean;
  reason?: string;
  /** Seconds until the runtime expects the plugin back. */
  retryAfter?: number;
}

export interface LoadedPlugin<T extends PluginType = PluginType> {
  readonly api: PluginApiByType[T];
  health(): Promise<HealthStatus>;
  /** Release everything the plugin holds (instances, processes, sockets). Idempotent. */
  stop(): Promise<void>;
  /** For runtimes whose backend can go away while loaded (a crashed process). */
  availability?(): Availability;
  /** Runtime-specific facts for GET /plugins/:name (pid, restarts, pool size, ...). */
  describe?(): Record<string, unknown>;
}

export interface Runtime {
  readonly kind: RuntimeKind;
  load(request: LoadRequest): Promise<LoadedPlugin>;
  /** Called once when the gateway shuts down (worker pools, sockets). */
  close?(): Promise<void>;
}
