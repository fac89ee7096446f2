// Trusted in-process plugins: an ES module whose default export is a definePlugin(...)
// definition. Each load imports the file under a fresh URL so a reload runs the new code
// (Node cannot unload ES modules: every reload keeps the old module's code in memory,
// which is fine for a trusted, rarely reloaded plugin and documented as such).
import { stat } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { assertImplements } from '../../core/contract.js';
import { assertInsidePluginDir } from '../../core/manifest.js';
import type { LoadRequest, LoadedPlugin, Runtime } from '../../core/runtime.js';
import type { HealthStatus, PluginType } from '../../core/types.js';
import { ModgateError, messageOf } from '../../errors.js';

interface NativeDefinitionShape {
  type: PluginType;
  create(host: { config: Record<string, unknown>; log: LoadRequest['log']; dataDir: string }): unknown;
}

interface NativeLifecycleShape {
  health?(): Promise<HealthStatus> | HealthStatus;
  close?(): Promise<void> | void;
}

export class NativeRuntime implements Runtime {
  readonly kind = 'native' as const;
  private generation = 0;

  async load(request: LoadRequest): Promise<LoadedPlugin> {
    const { manifest } = request;
    const name = manifest.metadata.name;
    const file = await assertInsidePluginDir(request.dir, manifest.spec.binary ?? '');
    const url = pathToFileURL(file);
    url.searchParams.set('modgate-load', `${++this.generation}-${(await stat(file)).mtimeMs}`);
    let module: { default?: unknown };
    try {
      module = (await import(url.href)) as { default?: unknown };
    } catch (err) {
      throw new ModgateError('MODGATE_PLUGIN_LOAD_FAILED', `plugin "${name}": cannot import ${manifest.spec.binary}: ${messageOf(err)}`);
    }
    const definition = asDefinition(module.default, name, manifest.spec.binary ?? '');
    if (definition.type !== manifest.spec.type) {
      throw new ModgateError(
        'MODGATE_PLUGIN_LOAD_FAILED',
        `plugin "${name}": the manifest says ${manifest.spec.type} but the module defines a ${definition.type}`,
      );
    }
    let instance: unknown;
    try {
      instance = await definition.create({ config: request.config, log: request.log, dataDir: request.dataDir });
    } catch (err) {
      throw new ModgateError('MODGATE_PLUGIN_LOAD_FAILED', `plugin "${name}": create() failed: ${messageOf(err)}`);
    }
    const api = assertImplements(manifest.spec.type, instance, name);
    const lifecycle = instance as NativeLifecycleShape;
    const declared = manifest.spec.capabilities?.dimensions;
    if (manifest.spec.type === 'vectorizer' && declared !== undefined) {
      const actual = (api as { dimensions: number }).dimensions;
      // The manifest's number is the default; a config that changes the size wins, but say so.
      if (actual !== declared) request.log.info(`dimensions ${actual} (config) instead of the manifest's ${declared}`);
    }
    let stopped = false;
    return {
      api,
      health: async () => (lifecycle.health ? await lifecycle.health() : { healthy: true }),
      stop: async () => {
        if (stopped) return;
        stopped = true;
        await lifecycle.close?.();
      },
      describe: () => ({ module: manifest.spec.binary }),
    };
  }
}

function asDefinition(value: unknown, name: string, binary: string): NativeDefinitionShape {
  const candidate = value as Partial<NativeDefinitionShape> | undefined;
  if (!candidate || typeof candidate.create !== 'function' || typeof candidate.type !== 'string') {
    throw new ModgateError(
      'MODGATE_PLUGIN_LOAD_FAILED',
      `plugin "${name}": ${binary} must default-export definePlugin({ type, create }) from the modgate SDK`,
    );
  }
  return candidate as NativeDefinitionShape;
}
