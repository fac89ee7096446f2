// Authoring native (in-process) plugins: the plugin module's default export is the value
// returned by definePlugin. The gateway calls create() once per load with the resolved
// config and uses the returned object as the plugin's implementation of its type.
import type { HealthStatus, PluginApiByType, PluginLogger, PluginType } from '../../../src/core/types.js';

export interface NativeHost {
  /** Config values after defaults and validation against the manifest's config schema. */
  config: Record<string, unknown>;
  log: PluginLogger;
  /** A writable folder private to this plugin. */
  dataDir: string;
}

/** Optional hooks a native implementation may add beside its type's operations. */
export interface NativeLifecycle {
  health?(): Promise<HealthStatus> | HealthStatus;
  close?(): Promise<void> | void;
}

export type NativeImplementation<T extends PluginType> = PluginApiByType[T] & NativeLifecycle;

export interface NativePluginDefinition<T extends PluginType = PluginType> {
  type: T;
  create(host: NativeHost): NativeImplementation<T> | Promise<NativeImplementation<T>>;
}

export function definePlugin<T extends PluginType>(definition: NativePluginDefinition<T>): NativePluginDefinition<T> {
  return definition;
}
