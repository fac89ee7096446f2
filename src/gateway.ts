// The composition root: runtimes, plugin manager and operations for one gateway instance.
// Routes reach all of it through app.gateway.
import { resolve } from 'node:path';
import type { Config } from './config.js';
import { MAX_UPLOAD_FILES, PluginInstaller } from './core/install.js';
import type { CoreLogger } from './core/manager.js';
import { PluginManager } from './core/manager.js';
import { PluginOperations } from './core/operations.js';
import type { Runtime } from './core/runtime.js';
import { GrpcRuntime } from './runtimes/grpc/grpc-runtime.js';
import { NativeRuntime } from './runtimes/native/native-runtime.js';
import { WasmRuntime } from './runtimes/wasm/wasm-runtime.js';
import { GATEWAY_VERSION } from './version.js';

export interface Gateway {
  config: Config;
  version: string;
  manager: PluginManager;
  operations: PluginOperations;
  /** Installs, updates, rolls back and removes plugins through the durable store. */
  installer: PluginInstaller;
  /** Resolves once the plugin folders have been discovered and loaded. */
  started: Promise<void>;
  start(): Promise<void>;
}

export function createRuntimes(config: Config): Runtime[] {
  return [
    new NativeRuntime(),
    new GrpcRuntime({
      startTimeoutMs: config.grpcStartTimeoutMs,
      healthIntervalMs: config.grpcHealthIntervalMs,
      maxRestarts: config.grpcMaxRestarts,
      stopGraceMs: config.grpcStopGraceMs,
      coalesceBatch: config.coalesceBatch,
    }),
    new WasmRuntime({ threads: config.wasmThreads, queue: config.wasmQueue, idleTimeoutMs: config.wasmIdleTimeoutMs, coalesceBatch: config.coalesceBatch }),
  ];
}

export function createGateway(config: Config, logger: CoreLogger, observer?: PluginManager['observer']): Gateway {
  const manager = new PluginManager({
    runtimes: createRuntimes(config),
    logger,
    dataDir: resolve(config.dataDir),
    gatewayVersion: GATEWAY_VERSION,
    loadTimeoutMs: config.loadTimeoutMs,
    drainTimeoutMs: config.drainTimeoutMs,
    observer,
  });
  const operations = new PluginOperations(manager, {
    maxBatchSize: config.maxBatchSize,
    maxInputLength: config.maxInputLength,
  });
  const installer = new PluginInstaller({
    manager,
    logger,
    store: { dataDir: resolve(config.dataDir), keepVersions: config.keepVersions },
    allowNativeUploads: config.allowNativeUploads,
    maxUploadBytes: config.maxUpload,
    maxUploadFiles: MAX_UPLOAD_FILES,
  });
  let started: Promise<void> | undefined;
  const gateway: Gateway = {
    config,
    version: GATEWAY_VERSION,
    manager,
    operations,
    installer,
    get started() {
      return started ?? gateway.start();
    },
    start() {
      // Installed plugins (the store) and the plugin folders, all before the gateway is ready.
      started ??= installer.start(config.pluginsDirs.map((dir) => resolve(dir)));
      return started;
    },
  };
  return gateway;
}
