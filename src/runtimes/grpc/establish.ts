// Bringing a fresh connection into service: ask who the plugin is (before sending it any
// config, which may hold secrets), configure it, check what it reports against the
// manifest, and require a SERVING health answer. Used at load, after every restart of a
// local process and on every reconnect to a remote one.
import { expectedDimensions } from '../../core/dimensions.js';
import type { Manifest } from '../../core/manifest.js';
import { ModgateError, messageOf } from '../../errors.js';
import type { PluginChannel } from './channel.js';
import type { HealthCheckResponse, PluginInfo } from './messages.js';
import { PLUGIN_PROTOCOL_VERSION } from './protocol.js';

export interface EstablishRequest {
  channel: PluginChannel;
  manifest: Manifest;
  config: Record<string, unknown>;
  /** "" for remote plugins. */
  dataDir: string;
  /** Deadline of each call. */
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface Established {
  info: PluginInfo;
  /** Vectorizers: the vector length the plugin reported; 0 for other types. */
  dimensions: number;
  /** Notes worth a log line (e.g. a batch limit the manifest does not declare). */
  warnings: string[];
}

export async function establish(request: EstablishRequest): Promise<Established> {
  const { channel, manifest } = request;
  const name = manifest.metadata.name;
  const call = async <R>(kind: 'plugin' | 'health', method: string, body: object): Promise<R> => {
    try {
      return await channel.unary<R>(kind, method, body, { timeoutMs: request.timeoutMs, signal: request.signal });
    } catch (err) {
      const why = messageOf(err).replace(`plugin "${name}": `, '');
      throw new ModgateError('MODGATE_PLUGIN_LOAD_FAILED', `plugin "${name}": ${method} failed: ${why}`, { cause: err });
    }
  };

  checkIdentity(name, manifest, await call<PluginInfo>('plugin', 'GetInfo', {}));
  await call('plugin', 'Configure', { configJson: JSON.stringify(request.config), dataDir: request.dataDir, pluginName: name });
  const info = await call<PluginInfo>('plugin', 'GetInfo', {});
  checkIdentity(name, manifest, info);
  const { dimensions, warnings } = checkCapabilities(name, manifest, request.config, info);
  const health = await call<HealthCheckResponse>('health', 'Check', { service: '' });
  if (health.status !== 'SERVING') {
    throw new ModgateError('MODGATE_PLUGIN_LOAD_FAILED', `plugin "${name}" answers the health check with ${health.status} after Configure`);
  }
  return { info, dimensions, warnings };
}

function refuse(name: string, message: string): ModgateError {
  return new ModgateError('MODGATE_PLUGIN_LOAD_FAILED', `plugin "${name}" refused: ${message}`);
}

export function checkIdentity(name: string, manifest: Manifest, info: PluginInfo): void {
  if (!info.protocolVersions.includes(PLUGIN_PROTOCOL_VERSION)) {
    throw refuse(name, `GetInfo lists plugin protocol versions [${info.protocolVersions.join(', ')}]; this gateway needs ${PLUGIN_PROTOCOL_VERSION}`);
  }
  if (info.type !== manifest.spec.type) {
    throw refuse(name, `GetInfo says it is a ${JSON.stringify(info.type)} but plugin.yaml says spec.type: ${manifest.spec.type}`);
  }
}

export function checkCapabilities(
  name: string,
  manifest: Manifest,
  config: Record<string, unknown>,
  info: PluginInfo,
): { dimensions: number; warnings: string[] } {
  const caps = info.capabilities ?? { dimensions: 0, maxBatchSize: 0, maxInputLength: 0, model: '' };
  const warnings: string[] = [];
  let dimensions = 0;
  if (manifest.spec.type === 'vectorizer') {
    dimensions = caps.dimensions;
    if (!(dimensions > 0)) throw refuse(name, 'GetInfo reports no dimensions (capabilities.dimensions must be set after Configure)');
    const expected = expectedDimensions(manifest, config);
    if (expected && expected.value !== dimensions) {
      throw refuse(name, `GetInfo reports ${dimensions} dimensions but the manifest expects ${expected.value} (${expected.from})`);
    }
  }
  const declaredBatch = manifest.spec.capabilities?.maxBatchSize;
  if (caps.maxBatchSize > 0) {
    if (declaredBatch !== undefined && declaredBatch > caps.maxBatchSize) {
      throw refuse(
        name,
        `plugin.yaml allows batches of ${declaredBatch} (spec.capabilities.maxBatchSize) but GetInfo says the plugin accepts at most ${caps.maxBatchSize}`,
      );
    }
    if (declaredBatch === undefined) {
      warnings.push(`the plugin accepts at most ${caps.maxBatchSize} inputs per call; declare spec.capabilities.maxBatchSize so the gateway enforces it`);
    }
  }
  return { dimensions, warnings };
}
