// Where the durable store keeps things under the data folder, and the shape of its state file.
//
//   <data>/state.json                        installed plugins, active versions, config (0600)
//   <data>/artifacts/sha256/<hex>            every stored file, by content (read-only)
//   <data>/plugins/<name>/<version>/         a plugin folder the runtimes load, copied from artifacts
//   <data>/tmp/                              uploads being received (emptied at start)
//
// Temporary names start with `.tmp-` (atomic-fs.ts); a start removes every leftover one.
import { join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { PLUGIN_NAME_PATTERN } from './manifest.js';

export const STATE_FILE = 'state.json';
export const STATE_FORMAT = 1;
/** Owner-only: the state file holds config values, secrets included. */
export const STATE_MODE = 0o600;
export const ARTIFACT_MODE = 0o444;
export const DIR_MODE = 0o700;

export class StoreLayout {
  constructor(readonly root: string) {}

  get stateFile(): string {
    return join(this.root, STATE_FILE);
  }

  get artifactsDir(): string {
    return join(this.root, 'artifacts', 'sha256');
  }

  artifact(sha256: string): string {
    return join(this.artifactsDir, sha256);
  }

  get versionsRoot(): string {
    return join(this.root, 'plugins');
  }

  pluginDir(name: string): string {
    return join(this.versionsRoot, name);
  }

  versionDir(name: string, version: string): string {
    return join(this.versionsRoot, name, version);
  }

  get tmpDir(): string {
    return join(this.root, 'tmp');
  }
}

const Sha256 = Type.String({ pattern: '^[0-9a-f]{64}$' });

export const FileRecordSchema = Type.Object(
  {
    path: Type.String({ minLength: 1 }),
    sha256: Sha256,
    size: Type.Integer({ minimum: 0 }),
    executable: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type FileRecord = Static<typeof FileRecordSchema>;

export const VersionRecordSchema = Type.Object(
  {
    version: Type.String({ minLength: 1 }),
    /** sha256 over the sorted file list: equal digests mean byte-identical versions. */
    digest: Sha256,
    type: Type.String(),
    runtime: Type.String(),
    installedAt: Type.String(),
    files: Type.Array(FileRecordSchema),
  },
  { additionalProperties: false },
);
export type VersionRecord = Static<typeof VersionRecordSchema>;

const ConfigValues = Type.Record(Type.String(), Type.Unknown());

export const PluginRecordSchema = Type.Object(
  {
    active: Type.String({ minLength: 1 }),
    /** The version that was active before `active`: the default rollback target. */
    previous: Type.Optional(Type.String({ minLength: 1 })),
    config: ConfigValues,
    versions: Type.Array(VersionRecordSchema, { minItems: 1 }),
  },
  { additionalProperties: false },
);
export type PluginRecord = Static<typeof PluginRecordSchema>;

export const StoreStateSchema = Type.Object(
  {
    format: Type.Literal(STATE_FORMAT),
    plugins: Type.Record(Type.String({ pattern: PLUGIN_NAME_PATTERN }), PluginRecordSchema),
    /** Config set over the API for plugins loaded from the plugins directory. */
    directoryConfig: Type.Record(Type.String({ pattern: PLUGIN_NAME_PATTERN }), ConfigValues),
  },
  { additionalProperties: false },
);
export type StoreState = Static<typeof StoreStateSchema>;

export function emptyState(): StoreState {
  return { format: STATE_FORMAT, plugins: {}, directoryConfig: {} };
}
