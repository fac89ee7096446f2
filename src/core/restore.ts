// Gateway start: loads every plugin installed in the store at its active version and every
// plugin folder of the plugins directories, before the gateway reports ready. A stored
// plugin wins over a folder of the same name (PUT /plugins/<name> can replace a bundled
// plugin); config set over the API is applied to both. Plugins that depend on other plugins
// load after them, whichever side they come from. One plugin failing never stops the others.
import { messageOf } from '../errors.js';
import { keepDeclared } from './config-values.js';
import type { CoreLogger, PendingLoad, PluginManager } from './manager.js';
import { readManifest } from './manifest.js';
import type { PluginStore } from './store.js';


export interface RestoreOptions {
  manager: PluginManager;
  store: PluginStore;
  logger: CoreLogger;
  /** Folders of plugin folders (MODGATE_PLUGINS_DIR). */
  roots: string[];
}

export async function restorePlugins({ manager, store, logger, roots }: RestoreOptions): Promise<void> {
  const pending: PendingLoad[] = [];
  const state = store.snapshot();
  for (const [name, record] of Object.entries(state.plugins)) {
    const active = record.versions.find((v) => v.version === record.active);
    try {
      if (!active) throw new Error(`the state names active version ${record.active}, which is not among the kept versions`);
      const dir = await store.materialise(name, active);
      const manifest = await readManifest(dir);
      pending.push({ dir, manifest, config: keepDeclared(manifest, record.config), source: 'store' });
    } catch (err) {
      const reason = `stored version ${record.active} cannot be restored: ${messageOf(err)}`;
      manager.registry.recordBroken({ name, dir: store.layout.versionDir(name, record.active), reason });
      logger.error({ plugin: name, err: messageOf(err) }, 'installed plugin cannot be restored');
    }
  }
  const stored = new Set(Object.keys(state.plugins));
  for (const folder of await manager.readFolders(roots, (name) => stored.has(name))) {
    const config = state.directoryConfig[folder.manifest.metadata.name] ?? {};
    pending.push({ ...folder, config: keepDeclared(folder.manifest, config) });
  }
  await manager.loadAll(pending);
  manager.markDiscovered();
}
