// The marketplace's static layout: `index.json` plus `bundles/<name>/<name>-<version>.tgz`
// (and an optional `.sig` beside each bundle). Any web server or object store can host it;
// `modgate registry build` and `modgate plugin publish` maintain it.
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import semver from 'semver';
import { PLUGIN_NAME_PATTERN, type Manifest } from '../core/manifest.js';
import { CliError } from './cli-error.js';
import { SIGNATURE_ALGORITHM, sha256Hex, type BundleSignature } from './keys.js';

export const REGISTRY_API_VERSION = 'modgate.io/registry/v1';
export const INDEX_FILE = 'index.json';
export const BUNDLES_DIR = 'bundles';
export const MAX_INDEX_BYTES = 32 * 1024 * 1024;

/** A relative path of safe segments: no `..`, no leading `/`, no scheme, no backslash. */
const BUNDLE_PATH_PATTERN = '^(?!.*(?:^|/)\\.\\.?(?:/|$))[A-Za-z0-9._+-]+(?:/[A-Za-z0-9._+-]+)*$';

const Dependency = Type.Object({ name: Type.String({ minLength: 1, maxLength: 128 }), version: Type.String({ minLength: 1, maxLength: 256 }) });

export const VersionEntrySchema = Type.Object({
  version: Type.String({ minLength: 1, maxLength: 128 }),
  type: Type.String({ minLength: 1, maxLength: 32 }),
  runtime: Type.String({ minLength: 1, maxLength: 32 }),
  description: Type.Optional(Type.String({ maxLength: 4096 })),
  author: Type.Optional(Type.String({ maxLength: 256 })),
  dependencies: Type.Array(Dependency, { maxItems: 64 }),
  /** Relative to index.json. */
  bundle: Type.String({ pattern: BUNDLE_PATH_PATTERN, maxLength: 1024 }),
  size: Type.Integer({ minimum: 1 }),
  sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  signature: Type.Union([Type.String({ maxLength: 256 }), Type.Null()]),
  keyId: Type.Union([Type.String({ pattern: '^[0-9a-f]{16}$' }), Type.Null()]),
});
export type VersionEntry = Static<typeof VersionEntrySchema>;

export const PluginEntrySchema = Type.Object({
  name: Type.String({ pattern: PLUGIN_NAME_PATTERN }),
  description: Type.Optional(Type.String({ maxLength: 4096 })),
  type: Type.String({ minLength: 1, maxLength: 32 }),
  runtime: Type.String({ minLength: 1, maxLength: 32 }),
  author: Type.Optional(Type.String({ maxLength: 256 })),
  license: Type.Optional(Type.String({ maxLength: 256 })),
  homepage: Type.Optional(Type.String({ maxLength: 2048 })),
  tags: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 64 }),
  latest: Type.String({ minLength: 1 }),
  /** Oldest first. */
  versions: Type.Array(VersionEntrySchema, { minItems: 1 }),
});
export type PluginEntry = Static<typeof PluginEntrySchema>;

export const RegistryIndexSchema = Type.Object({
  apiVersion: Type.Literal(REGISTRY_API_VERSION),
  /** Sorted by name. */
  plugins: Type.Array(PluginEntrySchema),
});
export type RegistryIndex = Static<typeof RegistryIndexSchema>;

export function emptyIndex(): RegistryIndex {
  return { apiVersion: REGISTRY_API_VERSION, plugins: [] };
}

/** Parses and checks index.json text; every problem is named with its JSON path. */
export function parseIndex(text: string, source: string): RegistryIndex {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new CliError('REGISTRY_INVALID', `${source} is not JSON: ${(err as Error).message}`);
  }
  const errors = [...Value.Errors(RegistryIndexSchema, data)].slice(0, 10);
  if (errors.length > 0) {
    const list = errors.map((e) => `${e.path || '/'}: ${e.message}`);
    throw new CliError('REGISTRY_INVALID', `${source} is not a modgate registry index: ${list.join('; ')}`, list);
  }
  const index = data as RegistryIndex;
  for (const plugin of index.plugins) {
    for (const v of plugin.versions) {
      if (!semver.valid(v.version)) throw new CliError('REGISTRY_INVALID', `${source}: ${plugin.name} lists version ${JSON.stringify(v.version)}, which is not semver`);
    }
  }
  return index;
}

export function serializeIndex(index: RegistryIndex): string {
  return `${JSON.stringify(index, null, 2)}\n`;
}

/** Where a version's bundle lives in the registry folder. */
export function bundlePathFor(name: string, version: string): string {
  return `${BUNDLES_DIR}/${name}/${name}-${version}.tgz`;
}

export function versionEntry(manifest: Manifest, bundle: string, bytes: Uint8Array, signature?: BundleSignature): VersionEntry {
  const sha256 = sha256Hex(bytes);
  if (signature) {
    if (signature.algorithm !== SIGNATURE_ALGORITHM) {
      throw new CliError('SIGNATURE_INVALID', `the signature of ${bundle} uses ${String(signature.algorithm)}; modgate accepts ${SIGNATURE_ALGORITHM}`);
    }
    if (signature.sha256 !== sha256) {
      throw new CliError('SIGNATURE_INVALID', `the signature of ${bundle} was made for different bytes (sha256 ${signature.sha256}, bundle ${sha256}); sign the bundle again`);
    }
  }
  const { metadata, spec } = manifest;
  return {
    version: metadata.version,
    type: spec.type,
    runtime: spec.runtime,
    ...(metadata.description !== undefined ? { description: metadata.description } : {}),
    ...(metadata.author !== undefined ? { author: metadata.author } : {}),
    dependencies: (spec.dependencies ?? []).map((d) => ({ name: d.name, version: d.version })),
    bundle,
    size: bytes.byteLength,
    sha256,
    signature: signature?.signature ?? null,
    keyId: signature?.keyId ?? null,
  };
}

/**
 * Adds (or replaces, when `replace`) one version. A version is immutable: the same version
 * with other bytes is refused unless `replace`.
 */
export function addVersion(index: RegistryIndex, manifest: Manifest, entry: VersionEntry, options: { replace?: boolean } = {}): RegistryIndex {
  const name = manifest.metadata.name;
  const existing = index.plugins.find((p) => p.name === name);
  const others = existing?.versions.filter((v) => v.version !== entry.version) ?? [];
  const same = existing?.versions.find((v) => v.version === entry.version);
  if (same && same.sha256 !== entry.sha256 && !options.replace) {
    throw new CliError(
      'VERSION_EXISTS',
      `${name}@${entry.version} is already published with other bytes (sha256 ${same.sha256}); versions are immutable, so raise metadata.version`,
    );
  }
  const versions = [...others, entry].sort((a, b) => semver.compare(a.version, b.version));
  const latest = versions[versions.length - 1];
  // Plugin-level fields describe the newest version.
  const newestManifest = latest === entry ? manifest : undefined;
  const plugin: PluginEntry = {
    name,
    ...pluginFields(existing, newestManifest, latest),
    latest: latest.version,
    versions,
  };
  const plugins = index.plugins.filter((p) => p.name !== name).concat(plugin);
  plugins.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { apiVersion: REGISTRY_API_VERSION, plugins };
}

function pluginFields(existing: PluginEntry | undefined, manifest: Manifest | undefined, latest: VersionEntry) {
  if (manifest) {
    const m = manifest.metadata;
    return {
      ...(m.description !== undefined ? { description: m.description } : {}),
      type: manifest.spec.type,
      runtime: manifest.spec.runtime,
      ...(m.author !== undefined ? { author: m.author } : {}),
      ...(m.license !== undefined ? { license: m.license } : {}),
      ...(m.homepage !== undefined ? { homepage: m.homepage } : {}),
      tags: [...(m.tags ?? [])],
    };
  }
  // An older version was added: keep what the newest one said.
  return {
    ...(existing?.description !== undefined ? { description: existing.description } : {}),
    type: existing?.type ?? latest.type,
    runtime: existing?.runtime ?? latest.runtime,
    ...(existing?.author !== undefined ? { author: existing.author } : {}),
    ...(existing?.license !== undefined ? { license: existing.license } : {}),
    ...(existing?.homepage !== undefined ? { homepage: existing.homepage } : {}),
    tags: [...(existing?.tags ?? [])],
  };
}

/** Case-insensitive search: every word of `query` must appear in name, description, tags, type, runtime or author. */
export function searchIndex(index: RegistryIndex, query: string, filters: { type?: string; runtime?: string } = {}): PluginEntry[] {
  const words = query.toLowerCase().split(/\s+/).filter((w) => w.length > 0);
  return index.plugins.filter((p) => {
    if (filters.type && p.type !== filters.type) return false;
    if (filters.runtime && p.runtime !== filters.runtime) return false;
    const haystack = [p.name, p.description ?? '', p.type, p.runtime, p.author ?? '', ...p.tags].join('\n').toLowerCase();
    return words.every((w) => haystack.includes(w));
  });
}

export function findPlugin(index: RegistryIndex, name: string): PluginEntry {
  const plugin = index.plugins.find((p) => p.name === name);
  if (!plugin) throw new CliError('NOT_FOUND', `the registry has no plugin named "${name}" (try: modgate plugin search ${name})`);
  return plugin;
}
