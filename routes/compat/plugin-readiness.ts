// Whether one plugin can take calls now, for readiness probes that poll a single plugin
// (Weaviate's /.well-known/ready). Undefined = ready; otherwise the error to answer with.
import type { PluginManager } from '../../src/core/manager.js';
import { notFound } from '../../src/core/registry.js';
import type { HealthStatus } from '../../src/core/types.js';
import { ModgateError, messageOf } from '../../src/errors.js';

export async function notReadyReason(manager: PluginManager, name: string): Promise<ModgateError | undefined> {
  const handle = manager.registry.get(name);
  if (!handle) {
    const broken = manager.registry.findBroken(name);
    if (broken) return new ModgateError('MODGATE_PLUGIN_UNAVAILABLE', `plugin "${name}" failed to load: ${broken.reason}`);
    if (!manager.ready) return new ModgateError('MODGATE_NOT_READY', 'the gateway is still loading its plugins');
    return notFound(name);
  }
  const loaded = handle.loaded;
  if (handle.state !== 'ready' || !loaded) {
    return new ModgateError('MODGATE_PLUGIN_UNAVAILABLE', `plugin "${name}" is ${handle.state}${handle.failureReason ? `: ${handle.failureReason}` : ''}`);
  }
  const availability = loaded.availability?.();
  if (availability && !availability.available) {
    return new ModgateError('MODGATE_PLUGIN_UNAVAILABLE', `plugin "${name}" is unavailable: ${availability.reason}`);
  }
  const health = await boundedHealth(() => loaded.health(), handle.limits.timeoutMs);
  if (!health.healthy) return new ModgateError('MODGATE_PLUGIN_UNAVAILABLE', `plugin "${name}" reports unhealthy${health.detail ? `: ${health.detail}` : ''}`);
  return undefined;
}

/** A health check that throws or outlives the plugin's time cap counts as unhealthy. */
async function boundedHealth(check: () => Promise<HealthStatus>, timeoutMs: number): Promise<HealthStatus> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<HealthStatus>((resolve) => {
    timer = setTimeout(() => resolve({ healthy: false, detail: `health check took longer than ${timeoutMs} ms` }), timeoutMs);
  });
  try {
    return await Promise.race([Promise.resolve().then(check).catch((err: unknown) => ({ healthy: false, detail: messageOf(err) })), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
