// Loads, reloads, unloads and discovers plugins, and owns the registry. Reload order is
// load-new-beside-old, health-check, swap, then drain and stop the old one: swapping first
// is what makes a reload lose no call.
import { mkdir, readdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import semver from 'semver';
import { ModgateError, isModgateError, messageOf } from '../errors.js';
import type { CallObserver, Invoker } from './invoke.js';
import { PluginHandle, type HandleInit } from './lifecycle.js';
import { MANIFEST_FILE, readManifest, resolveLimits, type Manifest } from './manifest.js';
import { resolveConfig } from './plugin-config.js';
import { Registry } from './registry.js';
import type { LoadedPlugin, Runtime } from './runtime.js';
import { PluginStats } from './stats.js';
import type { PluginLogger, PluginState, RuntimeKind } from './types.js';

/** The slice of a pino logger the core needs. */
export interface CoreLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): CoreLogger;
}

export interface ManagerEvents {
  onStateChange?(name: string, version: string, state: PluginState): void;
  onReload?(name: string, outcome: 'ok' | 'failed'): void;
}

export interface ManagerOptions {
  runtimes: Runtime[];
  logger: CoreLogger;
  /** Root of per-plugin writable folders (`<dataDir>/plugin-data/<name>`). */
  dataDir: string;
  gatewayVersion: string;
  loadTimeoutMs: number;
  drainTimeoutMs: number;
  observer?: CallObserver & ManagerEvents;
}

/** A plugin folder read and ready to load. */
export interface PendingLoad extends LoadOptions {
  dir: string;
  manifest: Manifest;
}

export interface LoadOptions {
  /** Config values to use instead of none (validated against the manifest). */
  config?: Record<string, unknown>;
  source?: HandleInit['source'];
  /** A manifest already read from `dir` (saves reading it twice). */
  manifest?: Manifest;
}

export class PluginManager implements Invoker {
  readonly registry = new Registry();
  readonly observer?: CallObserver & ManagerEvents;
  private readonly runtimes = new Map<RuntimeKind, Runtime>();
  private readonly stats = new Map<string, PluginStats>();
  /** Serialises reloads/unloads per plugin name so two admins cannot interleave swaps. */
  private readonly locks = new Map<string, Promise<unknown>>();
  private discovered = false;

  constructor(private readonly options: ManagerOptions) {
    for (const runtime of options.runtimes) this.runtimes.set(runtime.kind, runtime);
    this.observer = options.observer;
  }

  get ready(): boolean {
    return this.discovered;
  }

  statsFor(name: string): PluginStats {
    let stats = this.stats.get(name);
    if (!stats) {
      stats = new PluginStats();
      this.stats.set(name, stats);
    }
    return stats;
  }

  /**
   * Loads every plugin folder found in `roots` (each a folder of plugin folders). A folder
   * that fails is recorded as failed and never stops the others; plugins that depend on
   * other plugins are loaded after them.
   */
  async discover(roots: string[]): Promise<void> {
    await this.loadAll(await this.readFolders(roots));
    this.discovered = true;
  }

  /**
   * Reads the manifest of every plugin folder under `roots`. A folder whose manifest is
   * invalid is recorded as broken; `replaced(name)` skips folders whose plugin comes from
   * elsewhere (an installed version of the same name).
   */
  async readFolders(roots: string[], replaced: (name: string) => boolean = () => false): Promise<PendingLoad[]> {
    const pending: PendingLoad[] = [];
    for (const root of roots) {
      for (const dir of await pluginFolders(root, this.options.logger)) {
        let manifest: Manifest;
        try {
          manifest = await readManifest(dir);
        } catch (err) {
          const name = basename(dir);
          if (replaced(name)) continue;
          this.registry.recordBroken({ name, dir, reason: messageOf(err) });
          this.options.logger.error({ plugin: name, dir, err: messageOf(err) }, 'plugin folder is not a valid plugin');
          continue;
        }
        if (replaced(manifest.metadata.name)) {
          this.options.logger.info({ plugin: manifest.metadata.name, dir }, 'plugin folder is replaced by the installed version of the same name');
          continue;
        }
        pending.push({ dir, manifest, source: 'directory' });
      }
    }
    return pending;
  }

  /** Marks discovery as done (for callers that load through loadAll themselves). */
  markDiscovered(): void {
    this.discovered = true;
  }

  /** Loads plugins in dependency order; one failing never stops the others. */
  async loadAll(pending: PendingLoad[]): Promise<void> {
    let remaining = pending;
    while (remaining.length > 0) {
      const names = new Set(remaining.map((p) => p.manifest.metadata.name));
      const blocked = (m: Manifest) => (m.spec.dependencies ?? []).some((d) => names.has(d.name) && d.name !== m.metadata.name);
      const now = remaining.filter((p) => !blocked(p.manifest));
      // A dependency cycle: load the rest anyway; their dependency check reports the problem.
      const batch = now.length > 0 ? now : remaining;
      await Promise.all(batch.map((p) => this.loadFailSoft(p)));
      remaining = remaining.filter((p) => !batch.includes(p));
    }
  }

  private async loadFailSoft({ dir, ...options }: PendingLoad): Promise<void> {
    try {
      await this.load(dir, options);
    } catch (err) {
      this.options.logger.error({ plugin: options.manifest.metadata.name, err: messageOf(err) }, 'plugin failed to load');
    }
  }

  /** Loads a new plugin (its name must not be active yet) and makes it active. */
  async load(dir: string, options: LoadOptions = {}): Promise<PluginHandle> {
    const manifest = options.manifest ?? (await readManifest(dir));
    const name = manifest.metadata.name;
    if (this.registry.get(name)) {
      throw new ModgateError('MODGATE_PLUGIN_EXISTS', `a plugin named "${name}" is already loaded; reload or update it instead`);
    }
    return this.withLock(name, async () => {
      const handle = this.createHandle(dir, manifest, options);
      try {
        await this.start(handle);
      } catch (err) {
        handle.markFailed(messageOf(err));
        // Keep the failed version visible (GET /plugins/:name says why) unless one is active.
        if (!this.registry.get(name)) this.registry.swap(handle);
        throw err;
      }
      this.registry.swap(handle);
      return handle;
    });
  }

  /**
   * Loads a new version beside the active one, checks its health, swaps it in, then drains
   * and stops the old one. If anything before the swap fails, the old version keeps serving
   * and the error says why.
   */
  async reload(name: string, dir?: string, options: LoadOptions = {}): Promise<PluginHandle> {
    return this.withLock(name, async () => {
      const current = this.registry.get(name);
      if (!current && dir === undefined) this.registry.require(name);
      const targetDir = dir ?? current!.dir;
      const manifest = options.manifest ?? (await readManifest(targetDir));
      if (manifest.metadata.name !== name) {
        throw new ModgateError(
          'MODGATE_VALIDATION',
          `the manifest names plugin "${manifest.metadata.name}", not "${name}"`,
        );
      }
      const config = options.config ?? current?.configValues;
      const handle = this.createHandle(targetDir, manifest, { ...options, config, source: options.source ?? current?.source });
      try {
        await this.start(handle);
      } catch (err) {
        handle.markFailed(messageOf(err));
        this.options.observer?.onReload?.(name, 'failed');
        throw asLoadFailure(name, err);
      }
      const previous = this.registry.swap(handle);
      this.options.observer?.onReload?.(name, 'ok');
      if (previous && previous !== handle) await this.retire(previous);
      return handle;
    });
  }

  /** Drains and stops the active version and forgets the plugin. */
  async unload(name: string): Promise<void> {
    await this.withLock(name, async () => {
      const handle = this.registry.require(name);
      this.registry.remove(name);
      await this.retire(handle);
      this.stats.delete(name);
    });
  }

  /** Drains and stops every plugin, then closes the runtimes. */
  async close(): Promise<void> {
    const handles = this.registry.list();
    for (const handle of handles) this.registry.remove(handle.name);
    await Promise.all(handles.map((h) => this.retire(h)));
    await Promise.all([...this.runtimes.values()].map((r) => r.close?.()));
  }

  runtimeKinds(): RuntimeKind[] {
    return [...this.runtimes.keys()];
  }

  private createHandle(dir: string, manifest: Manifest, options: LoadOptions): PluginHandle {
    const configValues = options.config ?? {};
    const handle = new PluginHandle({
      manifest,
      dir: resolve(dir),
      limits: resolveLimits(manifest),
      config: resolveConfig(manifest, configValues),
      configValues,
      source: options.source ?? 'directory',
    });
    const events = this.options.observer;
    if (events?.onStateChange) handle.onStateChange((h, state) => events.onStateChange!(h.name, h.version, state));
    return handle;
  }

  private async start(handle: PluginHandle): Promise<void> {
    this.checkDependencies(handle.manifest);
    const runtime = this.runtimes.get(handle.manifest.spec.runtime);
    if (!runtime) {
      throw new ModgateError(
        'MODGATE_PLUGIN_LOAD_FAILED',
        `plugin "${handle.name}" needs the ${handle.manifest.spec.runtime} runtime, which this gateway does not have (available: ${this.runtimeKinds().join(', ')})`,
      );
    }
    const dataDir = join(this.options.dataDir, 'plugin-data', handle.name);
    await mkdir(dataDir, { recursive: true });
    const controller = new AbortController();
    const timeoutMs = this.options.loadTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const loading = runtime.load({
      dir: handle.dir,
      manifest: handle.manifest,
      limits: handle.limits,
      config: handle.config,
      log: pluginLogger(this.options.logger, handle.name),
      dataDir,
      signal: controller.signal,
      reportFailure: (reason) => {
        if (handle.state !== 'ready') return;
        handle.markFailed(reason);
        this.options.logger.error({ plugin: handle.name, version: handle.version, reason }, 'plugin failed');
      },
    });
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new ModgateError('MODGATE_PLUGIN_LOAD_FAILED', `plugin "${handle.name}" did not finish loading within ${timeoutMs} ms`);
        controller.abort(error);
        reject(error);
      }, timeoutMs);
    });
    let loaded: LoadedPlugin;
    try {
      loaded = await Promise.race([loading, timeout]);
    } finally {
      clearTimeout(timer);
    }
    // A load that finishes after we gave up must not leak its resources.
    loading.catch(() => undefined);
    const health = await loaded.health().catch((err: unknown) => ({ healthy: false, detail: messageOf(err) }));
    if (!health.healthy) {
      await loaded.stop().catch(() => undefined);
      throw new ModgateError('MODGATE_PLUGIN_LOAD_FAILED', `plugin "${handle.name}" loaded but is not healthy: ${health.detail ?? 'no detail'}`);
    }
    handle.markReady(loaded);
    this.options.logger.info(
      { plugin: handle.name, version: handle.version, runtime: handle.manifest.spec.runtime },
      'plugin ready',
    );
  }

  private checkDependencies(manifest: Manifest): void {
    const problems: string[] = [];
    for (const dep of manifest.spec.dependencies ?? []) {
      const version = dep.name === 'modgate' ? this.options.gatewayVersion : this.registry.get(dep.name)?.version;
      if (version === undefined) problems.push(`${dep.name} ${dep.version} is not installed`);
      else if (!semver.satisfies(version, dep.version, { includePrerelease: true })) {
        problems.push(`${dep.name} ${dep.version} is required but ${version} is installed`);
      }
    }
    if (problems.length > 0) {
      throw new ModgateError(
        'MODGATE_DEPENDENCY_UNSATISFIED',
        `plugin "${manifest.metadata.name}" has unsatisfied dependencies: ${problems.join('; ')}`,
      );
    }
  }

  private async retire(handle: PluginHandle): Promise<void> {
    const drained = await handle.drain(this.options.drainTimeoutMs);
    if (!drained) {
      this.options.logger.warn(
        { plugin: handle.name, version: handle.version, inFlight: handle.inFlight },
        'drain timed out; stopping with calls still in flight',
      );
    }
    await handle.stop().catch((err: unknown) => {
      this.options.logger.error({ plugin: handle.name, err: messageOf(err) }, 'plugin stop failed');
    });
  }

  private async withLock<R>(name: string, work: () => Promise<R>): Promise<R> {
    const previous = this.locks.get(name) ?? Promise.resolve();
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

function asLoadFailure(name: string, err: unknown): ModgateError {
  if (isModgateError(err) && err.statusCode === 422) return err;
  return new ModgateError('MODGATE_PLUGIN_LOAD_FAILED', `new version of plugin "${name}" was not activated: ${messageOf(err)}`, {
    cause: err,
    details: isModgateError(err) ? err.details : undefined,
  });
}

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
    // stat follows symlinks, so a plugins folder may link to plugin folders kept elsewhere.
    if (await stat(join(dir, MANIFEST_FILE)).then((s) => s.isFile(), () => false)) folders.push(resolve(dir));
  }
  return folders;
}

function pluginLogger(logger: CoreLogger, plugin: string): PluginLogger {
  const child = logger.child({ plugin });
  return {
    debug: (msg) => child.debug({}, msg),
    info: (msg) => child.info({}, msg),
    warn: (msg) => child.warn({}, msg),
    error: (msg) => child.error({}, msg),
  };
}
