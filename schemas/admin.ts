// Admin API: plugin versions, rollback and config changes. Uploads (POST /plugins,
// PUT /plugins/:name) are multipart forms, described in the routes and docs/admin.md.
import { Type, type Static } from '@sinclair/typebox';
import { CONFIG_KEY_PATTERN } from '../src/core/manifest.js';
import { ref } from './common.js';

export const PluginVersion = Type.Object(
  {
    version: Type.String({ examples: ['1.2.0'] }),
    active: Type.Boolean(),
    digest: Type.String({ description: 'sha256 over the version’s files: equal digests mean identical versions' }),
    installedAt: Type.String({ format: 'date-time' }),
    size: Type.Integer({ description: 'bytes of all files' }),
    files: Type.Integer({ description: 'number of files' }),
  },
  { $id: 'PluginVersion' },
);

export const PluginVersions = Type.Object(
  {
    name: Type.String(),
    source: Type.Union([Type.Literal('store'), Type.Literal('directory')], {
      description: 'store: installed over the API (versions kept); directory: loaded from the plugins folder (no stored versions)',
    }),
    active: Type.Union([Type.String(), Type.Null()]),
    previous: Type.Union([Type.String(), Type.Null()], { description: 'what POST /rollback without a version goes back to' }),
    versions: Type.Array(ref(PluginVersion)),
  },
  { $id: 'PluginVersions' },
);
export type PluginVersions = Static<typeof PluginVersions>;

export const RollbackRequest = Type.Object(
  { version: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'a kept version; default: the previous one' })) },
  { $id: 'RollbackRequest', additionalProperties: false },
);

export const ConfigPatch = Type.Record(Type.String({ pattern: CONFIG_KEY_PATTERN }), Type.Unknown(), {
  $id: 'ConfigPatch',
  additionalProperties: false,
  description: 'Config keys to change; null resets a key to its default; a secret sent as "***" keeps its value',
  examples: [{ marker: 2, apiKey: 'sk-...' }],
});
export type ConfigPatch = Static<typeof ConfigPatch>;
