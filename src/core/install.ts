// Install, update, roll back, configure and remove plugins: the durable store and the plugin
// manager together. A change is first loaded and swapped in by the manager (which keeps the
// running version serving if the new one fails), then recorded in the store's state file; a
// crash between the two leaves the previous, still loadable state.
import { rm } from 'node:fs/promises';
import { ModgateError, isModgateError, messageOf } from '../errors.js';
import type { PluginHandle } from './lifecycle.js';
import type { CoreLogger, PluginManager } from './manager.js';
import { readManifest, type Manifest } from './manifest.js';
import { keepDeclared, mergeConfig } from './config-values.js';
import { restorePlugins } from './restore.js';
import { PluginStore, normalizeRelative, type Ingested, type StoreOptions, type VersionRecord } from './store.js';

/** Most files one upload may hold. */
export const MAX_UPLOAD_FILES = 256;

export interface InstallerOptions {
  manager: PluginManager;
  logger: CoreLogger;
  store: Omit<StoreOptions, 'logger'>;
  /** Native modules (and grpc programs) run unsandboxed: uploading them must be enabled. */
  allowNativeUploads: boolean;
  /** Largest upload; also caps the files a plugin folder may hold. */
  maxUploadBytes: number;
  maxUploadFiles: number;
}

/** A received upload: a folder holding plugin.yaml and the files it names. */
export interface Upload {
  dir: string;
  /** Config values sent with the upload (checked against the manifest). */
  config?: Record<string, unknown>;
  /** The client's expected sha256 of the bundle (when `bundleSha256` is set) or of the binary. */
  expectedSha256?: string;
  bundleSha256?: string;
}

export type InstallOutcome = 'installed' | 'updated' | 'unchanged' | 'activated';

export interface InstallResult {
  handle: PluginHandle;
  outcome: InstallOutcome;
}

export interface VersionInfo {
  version: string;
  active: boolean;
  digest: string;
  installedAt: string;
  size: number;
  files: number;
}

export interface VersionList {
  name: string;
  source: 'store' | 'directory';
  active: string | null;
  previous: string | null;
  versions: VersionInfo[];
}

export class PluginInstaller {
  private storePromise: Promise<PluginStore> | undefined;
  private readonly locks = new Map<string, Promise<unknown>>();
  /** Changes wait for the start-up restore, so an early upload cannot race a plugin being restored. */
  private restored: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: InstallerOptions) {}

  private get manager(): PluginManager {
    return this.options.manager;
  }

  /** Opens the store (recovering from an interrupted write) once. */
  store(): Promise<PluginStore> {
    this.storePromise ??= PluginStore.open({ ...this.options.store, logger: this.options.logger });
    return this.storePromise;
  }

  /**
   * Gateway start: every plugin installed in the store at its active version, and every
   * plugin folder under `roots` (a stored plugin of the same name wins), in dependency order.
   */
  async start(roots: string[]): Promise<void> {
    const restoring = this.store().then((store) => restorePlugins({ manager: this.manager, store, logger: this.options.logger, roots }));
    this.restored = restoring.catch(() => undefined);
    await restoring;
  }

  /** POST /plugins: a plugin whose name is not taken. */
  async install(upload: Upload): Promise<InstallResult> {
    const manifest = await this.readUpload(upload);
    const name = manifest.metadata.name;
    return this.withLock(name, async () => {
      const store = await this.store();
      if (this.manager.registry.has(name) || store.plugin(name)) {
        throw new ModgateError(
          'MODGATE_PLUGIN_EXISTS',
          `a plugin named "${name}" is already installed; upload a new version with PUT /plugins/${name}`,
        );
      }
      const config = upload.config ?? {};
      const ingested = await this.ingest(store, manifest, upload);
      let handle: PluginHandle;
      try {
        handle = await this.manager.load(ingested.dir, { manifest, config, source: 'store' });
      } catch (err) {
        this.forgetFailed(name);
        await this.discard(ingested);
        throw isModgateError(err) ? err : new ModgateError('MODGATE_PLUGIN_LOAD_FAILED', messageOf(err), { cause: err });
      }
      try {
        await store.commit((state) => {
          state.plugins[name] = { active: manifest.metadata.version, config, versions: [ingested.record] };
        });
      } catch (err) {
        await this.manager.unload(name).catch(() => undefined);
        throw err;
      } finally {
        ingested.pin.release();
      }
      this.options.logger.info({ plugin: name, version: handle.version, digest: ingested.record.digest }, 'plugin installed');
      return { handle, outcome: 'installed' };
    });
  }

  /**
   * PUT /plugins/:name: a new version, hot-swapped in. The same version with the same bytes
   * is idempotent (made active if it is not); the same version with other bytes is refused.
   */
  async update(name: string, upload: Upload): Promise<InstallResult> {
    const manifest = await this.readUpload(upload);
    if (manifest.metadata.name !== name) {
      throw new ModgateError(
        'MODGATE_VALIDATION',
        `the uploaded manifest names plugin "${manifest.metadata.name}", not "${name}"; PUT it to /plugins/${manifest.metadata.name}`,
      );
    }
    return this.withLock(name, async () => {
      const store = await this.store();
      const record = store.plugin(name);
      const current = this.manager.registry.get(name);
      if (!record && !current && !this.manager.registry.findBroken(name)) {
        throw new ModgateError('MODGATE_PLUGIN_NOT_FOUND', `no plugin named "${name}" is installed; install it with POST /plugins`);
      }
      const version = manifest.metadata.version;
      const ingested = await this.ingest(store, manifest, upload);
      const existing = record?.versions.find((v) => v.version === version);
      if (existing && existing.digest !== ingested.record.digest) {
        ingested.pin.release();
        throw new ModgateError(
          'MODGATE_VERSION_CONFLICT',
          `plugin "${name}" already has a version ${version} with different contents; give the new upload a new version number`,
        );
      }
      if (existing && record!.active === version && current?.version === version && current.state === 'ready' && upload.config === undefined) {
        ingested.pin.release();
        return { handle: current, outcome: 'unchanged' };
      }
      const previousValues = record?.config ?? current?.configValues ?? {};
      const config = mergeConfig(manifest, keepDeclared(manifest, previousValues), upload.config ?? {});
      let handle: PluginHandle;
      try {
        handle = await this.manager.reload(name, ingested.dir, { manifest, config, source: 'store' });
      } catch (err) {
        if (!existing) await this.discard(ingested);
        else ingested.pin.release();
        throw err;
      }
      try {
        await store.commit((state) => {
          const entry = Object.hasOwn(state.plugins, name) ? state.plugins[name] : undefined;
          const versions = (entry?.versions ?? []).filter((v) => v.version !== version);
          versions.push(existing ?? ingested.record);
          const previous = entry !== undefined && entry.active !== version ? entry.active : entry?.previous;
          state.plugins[name] = { active: version, ...(previous !== undefined ? { previous } : {}), config, versions };
          // A plugin from the plugins directory is now shadowed by the stored one, config included.
          delete state.directoryConfig[name];
        });
      } catch (err) {
        await this.restoreAfterFailedCommit(name, err);
        throw err;
      } finally {
        ingested.pin.release();
      }
      this.options.logger.info({ plugin: name, version, digest: ingested.record.digest }, 'plugin updated');
      return { handle, outcome: existing ? 'activated' : 'updated' };
    });
  }

  /** POST /plugins/:name/rollback: makes a kept version (default: the previous one) active. */
  async rollback(name: string, version?: string): Promise<InstallResult> {
    return this.withLock(name, async () => {
      const store = await this.store();
      const record = this.requireRecord(store, name);
      const target = version ?? record.previous;
      if (target === undefined) {
        throw new ModgateError(
          'MODGATE_VERSION_NOT_FOUND',
          `plugin "${name}" has no previous version to roll back to (kept versions: ${record.versions.map((v) => v.version).join(', ')})`,
        );
      }
      const stored = record.versions.find((v) => v.version === target);
      if (!stored) {
        throw new ModgateError(
          'MODGATE_VERSION_NOT_FOUND',
          `plugin "${name}" has no kept version ${target} (kept versions: ${record.versions.map((v) => v.version).join(', ')}; GET /plugins/${name}/versions)`,
        );
      }
      const current = this.manager.registry.get(name);
      if (target === record.active && current?.version === target && current.state === 'ready') {
        return { handle: current, outcome: 'unchanged' };
      }
      const dir = await store.materialise(name, stored);
      const manifest = await readManifest(dir);
      const config = keepDeclared(manifest, record.config);
      const handle = await this.manager.reload(name, dir, { manifest, config, source: 'store' });
      try {
        await store.commit((state) => {
          const entry = state.plugins[name];
          if (entry.active !== target) entry.previous = entry.active;
          entry.active = target;
          entry.config = config;
        });
      } catch (err) {
        await this.restoreAfterFailedCommit(name, err);
        throw err;
      }
      this.options.logger.info({ plugin: name, version: target }, 'plugin rolled back');
      return { handle, outcome: 'activated' };
    });
  }

  /**
   * PATCH /plugins/:name/config: merges `changes` into the plugin's config values (null
   * removes a key; a secret sent back as "***" keeps its value), checks them against the
   * manifest and applies them with a hot reload. Secret values are never logged.
   */
  async configure(name: string, changes: Record<string, unknown>): Promise<PluginHandle> {
    return this.withLock(name, async () => {
      const store = await this.store();
      const current = this.manager.registry.require(name);
      const values = mergeConfig(current.manifest, current.configValues, changes);
      const handle = await this.manager.reload(name, current.dir, { manifest: current.manifest, config: values, source: current.source });
      const fromStore = current.source === 'store' && store.plugin(name) !== undefined;
      try {
        await store.commit((state) => {
          if (fromStore) state.plugins[name].config = values;
          else state.directoryConfig[name] = values;
        });
      } catch (err) {
        await this.manager
          .reload(name, current.dir, { manifest: current.manifest, config: current.configValues, source: current.source })
          .catch(() => undefined);
        throw err;
      }
      this.options.logger.info({ plugin: name, keys: Object.keys(changes) }, 'plugin config changed');
      return handle;
    });
  }

  /** DELETE /plugins/:name: drains and stops the plugin and removes it from the store. */
  async remove(name: string): Promise<void> {
    await this.withLock(name, async () => {
      const store = await this.store();
      const stored = store.plugin(name) !== undefined || store.directoryConfig(name) !== undefined;
      if (this.manager.registry.get(name)) await this.manager.unload(name);
      else if (this.manager.registry.findBroken(name)) this.manager.registry.remove(name);
      else if (!stored) this.manager.registry.require(name); // throws the usual 404
      if (stored) {
        await store.commit((state) => {
          delete state.plugins[name];
          delete state.directoryConfig[name];
        });
      }
      this.options.logger.info({ plugin: name }, 'plugin removed');
    });
  }

  /** GET /plugins/:name/versions. */
  async versions(name: string): Promise<VersionList> {
    const store = await this.store();
    const record = store.plugin(name);
    const current = this.manager.registry.get(name);
    if (!record) {
      const handle = current ?? this.manager.registry.require(name);
      return { name, source: 'directory', active: handle.version, previous: null, versions: [] };
    }
    return {
      name,
      source: 'store',
      active: record.active,
      previous: record.previous ?? null,
      versions: record.versions.map((v) => describeVersion(v, record.active)),
    };
  }

  // ---- helpers --------------------------------------------------------------------------

  private async readUpload(upload: Upload): Promise<Manifest> {
    const manifest = await readManifest(upload.dir);
    const spec = manifest.spec;
    const runsHostCode = spec.runtime === 'native' || (spec.runtime === 'grpc' && spec.binary !== undefined);
    if (runsHostCode && !this.options.allowNativeUploads) {
      const what = spec.runtime === 'native' ? 'native plugins (in-process JavaScript)' : 'grpc plugins with a binary (a program the gateway starts)';
      throw new ModgateError(
        'MODGATE_NATIVE_UPLOAD_DISABLED',
        `installing ${what} over HTTP is disabled: they run unsandboxed on the host. Put the plugin in the plugins directory, or start the gateway with MODGATE_ALLOW_NATIVE_UPLOADS=true`,
      );
    }
    return manifest;
  }

  private async ingest(store: PluginStore, manifest: Manifest, upload: Upload): Promise<Ingested> {
    const ingested = await store.ingest(manifest.metadata.name, manifest, upload.dir, {
      maxBytes: this.options.maxUploadBytes,
      maxFiles: this.options.maxUploadFiles,
    });
    try {
      checkExpectedSha256(manifest, upload, ingested.record);
    } catch (err) {
      await this.discard(ingested);
      throw err;
    }
    return ingested;
  }

  /** Removes what a failed install stored (its version folder and unreferenced artifacts). */
  private async discard(ingested: Ingested): Promise<void> {
    if (ingested.created) await rm(ingested.dir, { recursive: true, force: true }).catch(() => undefined);
    ingested.pin.release();
    const store = await this.store();
    await store.collectGarbage().catch((err: unknown) => {
      this.options.logger.warn({ err: messageOf(err) }, 'store garbage collection failed; it runs again at the next change');
    });
  }

  /** A failed first load leaves a failed handle in the registry; the upload never happened. */
  private forgetFailed(name: string): void {
    const handle = this.manager.registry.get(name);
    if (handle && handle.state === 'failed') this.manager.registry.remove(name);
  }

  /** The state file could not be written: put the recorded version back so memory matches disk. */
  private async restoreAfterFailedCommit(name: string, err: unknown): Promise<void> {
    this.options.logger.error({ plugin: name, err: messageOf(err) }, 'store state could not be written; restoring the recorded version');
    const store = await this.store();
    const record = store.plugin(name);
    const stored = record?.versions.find((v) => v.version === record.active);
    if (!record || !stored) return;
    try {
      const dir = await store.materialise(name, stored);
      await this.manager.reload(name, dir, { config: record.config, source: 'store' });
    } catch (restoreErr) {
      this.options.logger.error({ plugin: name, err: messageOf(restoreErr) }, 'restoring the recorded version failed');
    }
  }

  private requireRecord(store: PluginStore, name: string) {
    const record = store.plugin(name);
    if (record) return record;
    if (this.manager.registry.has(name)) {
      throw new ModgateError(
        'MODGATE_VERSION_NOT_FOUND',
        `plugin "${name}" is loaded from the plugins directory and has no stored versions; upload versions with PUT /plugins/${name}`,
      );
    }
    throw new ModgateError('MODGATE_PLUGIN_NOT_FOUND', `no plugin named "${name}" is installed (GET /plugins lists them)`);
  }

  private async withLock<R>(name: string, work: () => Promise<R>): Promise<R> {
    const previous = this.locks.get(name) ?? this.restored;
    const run = previous.then(work, work);
    const settled = run.catch(() => undefined);
    this.locks.set(name, settled);
    try {
      return await run;
    } finally {
      if (this.locks.get(name) === settled) this.locks.delete(name);
    }
  }
}

function checkExpectedSha256(manifest: Manifest, upload: Upload, record: VersionRecord): void {
  if (upload.expectedSha256 === undefined) return;
  const expected = upload.expectedSha256.toLowerCase();
  if (upload.bundleSha256 !== undefined) {
    if (upload.bundleSha256 !== expected) {
      throw new ModgateError('MODGATE_VALIDATION', `the bundle's sha256 is ${upload.bundleSha256}, not the expected ${expected}; the upload was damaged or is not the file you meant`);
    }
    return;
  }
  const binary = manifest.spec.binary === undefined ? undefined : normalizeRelative(manifest.spec.binary);
  const file = binary === undefined ? undefined : record.files.find((f) => f.path === binary);
  if (!file) {
    throw new ModgateError('MODGATE_VALIDATION', 'a sha256 field checks the bundle or the manifest\'s binary, and this upload has neither');
  }
  if (file.sha256 !== expected) {
    throw new ModgateError('MODGATE_VALIDATION', `${binary} has sha256 ${file.sha256}, not the expected ${expected}; the upload was damaged or is not the file you meant`);
  }
}

function describeVersion(record: VersionRecord, active: string): VersionInfo {
  return {
    version: record.version,
    active: record.version === active,
    digest: record.digest,
    installedAt: record.installedAt,
    size: record.files.reduce((sum, f) => sum + f.size, 0),
    files: record.files.length,
  };
}
