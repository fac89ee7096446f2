// Gateway start: loads every plugin installed in the store at its active version and every
// plugin folder of the plugins directories, before the gateway reports ready. A stored
// plugin wins over a folder of the same name (PUT /plugins/<name> can replace a bundled
// plugin); config set over the API is applied to both. Plugins that depend on other plugins
// load after them, whichever side they come from. One plugin failing never stops the others.
import { readdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { messageOf } from '../errors.js';
import { keepDeclared } from './config-values.js';
import type { HandleInit } from './lifecycle.js';
import type { CoreLogger, PluginManager } from './manager.js';
import { MANIFEST_FILE, readManifest, type Manifest } from './manifest.js';
import type { PluginStore } from './store.js';

interface Pending {
  dir: string;
  manifest: Manifest;
  config: Record<string, unknown>;
  source: HandleInit['source'];
}

export interface RestoreOptions {
  manager: PluginManager;
  store: PluginStore;
  logger: CoreLogger;
  /** Folders of plugin folders (MODGATE_PLUGINS_DIR). */
  roots: string[];
}

export async function restorePlugins({ manager, store, logger, roots }: RestoreOptions): Promise<void> {
  const pending: Pending[] = [];
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
  for (const root of roots) {
    for (const dir of await pluginFolders(root, logger)) {
      let manifest: Manifest;
      try {
        manifest = await readManifest(dir);
      } catch (err) {
        const name = basename(dir);
        if (stored.has(name)) continue;
        manager.registry.recordBroken({ name, dir, reason: messageOf(err) });
        logger.error({ plugin: name, dir, err: messageOf(err) }, 'plugin folder is not a valid plugin');
        continue;
      }
      const name = manifest.metadata.name;
      if (stored.has(name)) {
        logger.info({ plugin: name, dir }, 'plugin folder is replaced by the installed version of the same name');
        continue;
      }
      const config = state.directoryConfig[name] ?? {};
      pending.push({ dir, manifest, config: keepDeclared(manifest, config), source: 'directory' });
    }
  }
  await loadInDependencyOrder(manager, logger, pending);
  manager.markDiscovered();
}

async function loadInDependencyOrder(manager: PluginManager, logger: CoreLogger, pending: Pending[]): Promise<void> {
  let remaining = pending;
  while (remaining.length > 0) {
    const names = new Set(remaining.map((p) => p.manifest.metadata.name));
    const blocked = (m: Manifest) => (m.spec.dependencies ?? []).some((d) => names.has(d.name) && d.name !== m.metadata.name);
    const ready = remaining.filter((p) => !blocked(p.manifest));
    // A dependency cycle: load the rest anyway; their dependency check reports the problem.
    const batch = ready.length > 0 ? ready : remaining;
    await Promise.all(
      batch.map(async (p) => {
        try {
          await manager.load(p.dir, { manifest: p.manifest, config: p.config, source: p.source });
        } catch (err) {
          logger.error({ plugin: p.manifest.metadata.name, err: messageOf(err) }, 'plugin failed to load');
        }
      }),
    );
    remaining = remaining.filter((p) => !batch.includes(p));
  }
}

/** Folders directly under `root` that hold a plugin.yaml (symlinked folders included). */
async function pluginFolders(root: string, logger: CoreLogger): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch (err) {
    logger.warn({ dir: root, err: messageOf(err) }, 'plugin directory cannot be read; skipping it');
    return [];
  }
  const folders: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith('.') || entry.name.startsWith('_')) continue;
    const dir = join(root, entry.name);
    if (await stat(join(dir, MANIFEST_FILE)).then((s) => s.isFile(), () => false)) folders.push(resolve(dir));
  }
  return folders;
}
