// The durable store: installed plugins survive restarts and crashes.
//
// Install order, each step crash-safe:
//   1. the upload is received into <data>/tmp (a crash leaves only temp files)
//   2. every file is copied into the content-addressed artifacts (temp name, fsync, rename)
//   3. the version folder the runtime loads is built from artifacts (temp folder, rename)
//   4. the plugin is loaded and swapped in (the caller, install.ts)
//   5. the state file is replaced atomically (temp, fsync, rename, fsync folder)
// Until step 5 the previous state file is the truth; whatever a crash left behind is
// unreferenced and removed at the next open(). Layout: store-layout.ts.
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { ModgateError, messageOf } from '../errors.js';
import { TEMP_PREFIX, fsyncDir, fsyncFile, hashFile, tempName, writeFileAtomic } from './atomic-fs.js';
import { scanPluginFolder, type ScanLimits } from './folder-scan.js';
import type { CoreLogger } from './manager.js';
import type { Manifest } from './manifest.js';
import {
  ARTIFACT_MODE,
  DIR_MODE,
  STATE_MODE,
  StoreLayout,
  StoreStateSchema,
  emptyState,
  type FileRecord,
  type PluginRecord,
  type StoreState,
  type VersionRecord,
} from './store-layout.js';

export type { FileRecord, PluginRecord, StoreState, VersionRecord } from './store-layout.js';

/** Points between durable steps where tests inject a crash. */
export type FaultPoint = 'artifacts-written' | 'version-materialised' | 'state-temp-written' | 'state-renamed';

export interface StoreOptions {
  dataDir: string;
  /** Versions kept per plugin (the active one always is, then the previous one, then the newest). */
  keepVersions: number;
  logger: CoreLogger;
  faults?: (point: FaultPoint) => void | Promise<void>;
}

/** Keeps artifacts and a version folder from being collected until released. */
export interface Pin {
  release(): void;
}

export interface Ingested {
  record: VersionRecord;
  dir: string;
  pin: Pin;
  /** True when the version folder did not exist before (so a failed install removes it). */
  created: boolean;
}

export interface Staging {
  dir: string;
  dispose(): Promise<void>;
}

export class PluginStore {
  readonly layout: StoreLayout;
  private state: StoreState = emptyState();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly pinned = new Map<string, number>();

  private constructor(private readonly options: StoreOptions) {
    this.layout = new StoreLayout(options.dataDir);
  }

  /** Opens (or creates) the store, removes what an interrupted write left, collects garbage. */
  static async open(options: StoreOptions): Promise<PluginStore> {
    const store = new PluginStore(options);
    await store.init();
    return store;
  }

  private async init(): Promise<void> {
    const { layout } = this;
    for (const dir of [layout.root, layout.artifactsDir, layout.versionsRoot, layout.tmpDir]) {
      await mkdir(dir, { recursive: true, mode: DIR_MODE });
    }
    // Native plugins are ES modules (as in the repository); a plugin's own package.json,
    // deeper in its folder, still decides for its files.
    await writeFileAtomic(join(layout.versionsRoot, 'package.json'), '{ "type": "module" }\n', { mode: 0o644 });
    this.state = await this.readState();
    await this.serial(() => this.collect(true));
  }

  private async readState(): Promise<StoreState> {
    const file = this.layout.stateFile;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyState();
      throw err;
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (err) {
      throw new Error(`${file} is not valid JSON (${messageOf(err)}); restore it from a backup or move it away to start with no installed plugins`);
    }
    if (!Value.Check(StoreStateSchema, data)) {
      const first = Value.Errors(StoreStateSchema, data).First();
      throw new Error(
        `${file} does not have the expected shape (${first?.path ?? ''} ${first?.message ?? ''}); restore it from a backup or move it away to start with no installed plugins`,
      );
    }
    // It holds secrets: tighten permissions a copy or an editor may have loosened.
    if (((await stat(file)).mode & 0o077) !== 0) await chmod(file, STATE_MODE);
    return data;
  }

  // ---- reading --------------------------------------------------------------------------

  /** A copy of the whole state (callers may not change the store's own). */
  snapshot(): StoreState {
    return structuredClone(this.state);
  }

  plugin(name: string): PluginRecord | undefined {
    const record = Object.hasOwn(this.state.plugins, name) ? this.state.plugins[name] : undefined;
    return record === undefined ? undefined : structuredClone(record);
  }

  version(name: string, version: string): VersionRecord | undefined {
    return this.plugin(name)?.versions.find((v) => v.version === version);
  }

  directoryConfig(name: string): Record<string, unknown> | undefined {
    const config = Object.hasOwn(this.state.directoryConfig, name) ? this.state.directoryConfig[name] : undefined;
    return config === undefined ? undefined : structuredClone(config);
  }

  // ---- writing files --------------------------------------------------------------------

  /** A private folder under <data>/tmp for receiving an upload; dispose() removes it. */
  async createStaging(): Promise<Staging> {
    const dir = await mkdtemp(join(this.layout.tmpDir, 'upload-'));
    const pin = this.pin([dir]);
    return {
      dir,
      dispose: async () => {
        await rm(dir, { recursive: true, force: true });
        pin.release();
      },
    };
  }

  /**
   * Stores every file of a staged plugin folder as artifacts and builds the version folder the
   * runtime loads. Nothing is referenced by the state yet: commit() does that.
   */
  async ingest(name: string, manifest: Manifest, stagedDir: string, limits: ScanLimits): Promise<Ingested> {
    const scanned = await scanPluginFolder(stagedDir, limits);
    const version = manifest.metadata.version;
    const files: FileRecord[] = scanned.map((f) => ({
      path: f.path,
      sha256: f.sha256,
      size: f.size,
      // A grpc binary is a program the gateway starts: it must be executable.
      executable: f.executable || (manifest.spec.runtime === 'grpc' && isBinary(manifest, f.path)),
    }));
    const record: VersionRecord = {
      version,
      digest: digestOf(files),
      type: manifest.spec.type,
      runtime: manifest.spec.runtime,
      installedAt: new Date().toISOString(),
      files,
    };
    const dir = this.layout.versionDir(name, version);
    const pin = this.pin([...files.map((f) => this.layout.artifact(f.sha256)), dir]);
    try {
      for (const file of scanned) await this.writeArtifact(file.absolute, file.sha256);
      await fsyncDir(this.layout.artifactsDir);
      await this.options.faults?.('artifacts-written');
      const created = !(await exists(dir));
      await this.materialise(name, record);
      await this.options.faults?.('version-materialised');
      return { record, dir, pin, created };
    } catch (err) {
      pin.release();
      throw err;
    }
  }

  private async writeArtifact(source: string, sha256: string): Promise<void> {
    const target = this.layout.artifact(sha256);
    if (await exists(target)) return;
    const temp = join(this.layout.artifactsDir, tempName(sha256.slice(0, 12)));
    try {
      await copyFile(source, temp, constants.COPYFILE_FICLONE);
      await fsyncFile(temp);
      await chmod(temp, ARTIFACT_MODE);
      await rename(temp, target);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
  }

  /**
   * The folder of a stored version, rebuilt from artifacts when it is missing or a file in it
   * does not match its digest. Fails clearly when an artifact is gone or damaged.
   */
  async materialise(name: string, record: VersionRecord): Promise<string> {
    const dir = this.layout.versionDir(name, record.version);
    if (await matches(dir, record)) return dir;
    const parent = dirname(dir);
    await mkdir(parent, { recursive: true, mode: DIR_MODE });
    const temp = join(parent, tempName(record.version));
    const pin = this.pin([temp, dir, ...record.files.map((f) => this.layout.artifact(f.sha256))]);
    try {
      await mkdir(temp, { mode: 0o755 });
      for (const file of record.files) {
        const target = join(temp, ...file.path.split('/'));
        await mkdir(dirname(target), { recursive: true, mode: 0o755 });
        const artifact = this.layout.artifact(file.sha256);
        try {
          await copyFile(artifact, target, constants.COPYFILE_FICLONE);
        } catch (err) {
          throw new ModgateError(
            'MODGATE_PLUGIN_LOAD_FAILED',
            `plugin "${name}" ${record.version}: stored file ${file.path} (artifact ${file.sha256}) cannot be read: ${messageOf(err)}`,
          );
        }
        await chmod(target, file.executable ? 0o755 : 0o644);
        const copied = await hashFile(target);
        if (copied.sha256 !== file.sha256) {
          throw new ModgateError(
            'MODGATE_PLUGIN_LOAD_FAILED',
            `plugin "${name}" ${record.version}: stored file ${file.path} is damaged (artifact ${file.sha256} has digest ${copied.sha256})`,
          );
        }
      }
      await rm(dir, { recursive: true, force: true });
      await rename(temp, dir);
      await fsyncDir(parent);
      return dir;
    } catch (err) {
      await rm(temp, { recursive: true, force: true });
      throw err;
    } finally {
      pin.release();
    }
  }

  // ---- the state file -------------------------------------------------------------------

  /**
   * Applies `mutate` to a copy of the state, prunes old versions, writes it atomically and
   * only then makes it current; then collects what no version references any more.
   * Commits run one at a time.
   */
  async commit(mutate: (draft: StoreState) => void): Promise<StoreState> {
    return this.serial(async () => {
      const draft = structuredClone(this.state);
      mutate(draft);
      for (const record of Object.values(draft.plugins)) prune(record, this.options.keepVersions);
      if (!Value.Check(StoreStateSchema, draft)) {
        const first = Value.Errors(StoreStateSchema, draft).First();
        throw new Error(`refusing to write an invalid store state: ${first?.path ?? ''} ${first?.message ?? ''}`);
      }
      const faults = this.options.faults;
      await writeFileAtomic(this.layout.stateFile, `${JSON.stringify(draft, null, 2)}\n`, {
        mode: STATE_MODE,
        beforeRename: faults && (() => faults('state-temp-written')),
        afterRename: faults && (() => faults('state-renamed')),
      });
      this.state = draft;
      await this.collect(false).catch((err: unknown) => {
        this.options.logger.warn({ err: messageOf(err) }, 'store garbage collection failed; it runs again at the next change');
      });
      return structuredClone(draft);
    });
  }

  // ---- garbage collection ---------------------------------------------------------------

  /** Removes what no version references (e.g. the files of a failed install) now. */
  async collectGarbage(): Promise<void> {
    await this.serial(() => this.collect(false));
  }

  /**
   * Removes artifacts and version folders no version references, and (at open, when no
   * write can be in progress) every temp file an interrupted write left.
   */
  private async collect(atOpen: boolean): Promise<void> {
    const { layout } = this;
    const liveArtifacts = new Set<string>();
    const liveDirs = new Set<string>();
    for (const [name, record] of Object.entries(this.state.plugins)) {
      for (const version of record.versions) {
        liveDirs.add(layout.versionDir(name, version.version));
        for (const file of version.files) liveArtifacts.add(layout.artifact(file.sha256));
      }
    }
    const removed: string[] = [];
    const remove = async (path: string) => {
      await rm(path, { recursive: true, force: true });
      removed.push(path.slice(layout.root.length + 1));
    };
    const temp = (entry: string) => entry.startsWith(TEMP_PREFIX);

    if (atOpen) {
      // Uploads being received and state temp files belong to writes in progress, which
      // can only be leftovers of a previous process when the store opens.
      for (const entry of await readdir(layout.tmpDir)) await remove(join(layout.tmpDir, entry));
      for (const entry of await readdir(layout.root)) if (temp(entry)) await remove(join(layout.root, entry));
    }
    for (const entry of await readdir(layout.artifactsDir)) {
      const path = join(layout.artifactsDir, entry);
      if (temp(entry) ? atOpen : !liveArtifacts.has(path) && !this.isPinned(path)) await remove(path);
    }
    for (const name of await readdir(layout.versionsRoot)) {
      const pluginDir = join(layout.versionsRoot, name);
      if (!(await stat(pluginDir)).isDirectory()) continue;
      let kept = 0;
      for (const entry of await readdir(pluginDir)) {
        const path = join(pluginDir, entry);
        if (temp(entry) ? atOpen : !liveDirs.has(path) && !this.isPinned(path)) await remove(path);
        else kept++;
      }
      if (kept === 0 && !this.isPinned(pluginDir)) await rm(pluginDir, { recursive: true, force: true });
    }
    if (removed.length > 0) {
      this.options.logger.info({ removed: removed.length, atOpen, sample: removed.slice(0, 10) }, 'store: removed unreferenced files');
    }
  }

  private pin(paths: string[]): Pin {
    for (const path of paths) this.pinned.set(path, (this.pinned.get(path) ?? 0) + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        for (const path of paths) {
          const count = (this.pinned.get(path) ?? 1) - 1;
          if (count <= 0) this.pinned.delete(path);
          else this.pinned.set(path, count);
        }
      },
    };
  }

  private isPinned(path: string): boolean {
    return this.pinned.has(path);
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/** Keeps the active version, then the previous one, then the newest, up to `keep` in all. */
export function prune(record: PluginRecord, keep: number): void {
  const byVersion = new Map(record.versions.map((v) => [v.version, v]));
  const kept = new Set<string>([record.active]);
  if (record.previous !== undefined && byVersion.has(record.previous) && kept.size < keep) kept.add(record.previous);
  for (const version of [...record.versions].reverse()) {
    if (kept.size >= keep) break;
    kept.add(version.version);
  }
  record.versions = record.versions.filter((v) => kept.has(v.version));
  if (record.previous !== undefined && !kept.has(record.previous)) delete record.previous;
}

/** sha256 over the sorted (path, digest, mode) list: equal digests mean identical versions. */
export function digestOf(files: FileRecord[]): string {
  const hash = createHash('sha256');
  for (const file of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    hash.update(`${file.path}\0${file.sha256}\0${file.executable ? 'x' : '-'}\n`);
  }
  return hash.digest('hex');
}

/** `./dist/index.js` -> `dist/index.js`: how a manifest path appears in a version's file list. */
export function normalizeRelative(relative: string): string {
  return posix.normalize(relative).replace(/^\.\//, '');
}

function isBinary(manifest: Manifest, path: string): boolean {
  return manifest.spec.binary !== undefined && path === normalizeRelative(manifest.spec.binary);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** True when every file of the version is in `dir` with its recorded digest. */
async function matches(dir: string, record: VersionRecord): Promise<boolean> {
  for (const file of record.files) {
    const path = join(dir, ...file.path.split('/'));
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile() || info.size !== file.size) return false;
    if ((await hashFile(path)).sha256 !== file.sha256) return false;
  }
  return true;
}
