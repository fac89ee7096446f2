// Fixtures for the marketplace tests: a built native plugin folder, bundles of it under any
// name/version, registry folders, listening gateways.
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { packPlugin } from '../../src/cli/bundle-pack.js';
import { generateKeyPair, parsePrivateKey, signBundle, type KeyPairPem } from '../../src/cli/keys.js';
import { addVersion, bundlePathFor, versionEntry, type VersionEntry } from '../../src/cli/registry-index.js';
import { publishBundle, readIndexFile, writeIndexFile } from '../../src/cli/registry-store.js';
import { scaffoldPlugin } from '../../src/cli/scaffold.js';
import { parseManifest } from '../../src/core/manifest.js';
import type { Config } from '../../src/config.js';
import { buildTestApp } from '../helpers/app.js';
import { tempDir } from './helpers.js';

interface Teardown {
  teardown(fn: () => unknown): void;
}

export interface Workbench {
  dir: string;
  /** A scaffolded and built native vectorizer folder. */
  template: string;
  signer: KeyPairPem & { publicFile: string; privateFile: string };
  stranger: KeyPairPem & { publicFile: string; privateFile: string };
}

export async function workbench(t: Teardown): Promise<Workbench> {
  const dir = await tempDir(t, 'modgate-market-');
  const { dir: template } = await scaffoldPlugin({ name: 'base-vec', type: 'vectorizer', runtime: 'native', dir: path.join(dir, 'base-vec'), author: 'tests' });
  const key = async (name: string) => {
    const pair = generateKeyPair();
    const publicFile = path.join(dir, `${name}.pub`);
    const privateFile = path.join(dir, `${name}.key`);
    await writeFile(publicFile, pair.publicKeyPem);
    await writeFile(privateFile, pair.privateKeyPem);
    return { ...pair, publicFile, privateFile };
  };
  return { dir, template, signer: await key('signer'), stranger: await key('stranger') };
}

export interface BundleOptions {
  name: string;
  version: string;
  /** YAML lines appended under spec: (e.g. dependencies). */
  specExtra?: string;
}

/** A copy of the template folder renamed to name@version, packed. */
export async function bundleOf(bench: Workbench, options: BundleOptions): Promise<{ file: string; bytes: Buffer }> {
  const folder = path.join(bench.dir, `${options.name}-${options.version}-src`);
  await cp(bench.template, folder, { recursive: true });
  let manifest = await readFile(path.join(folder, 'plugin.yaml'), 'utf8');
  manifest = manifest.replace(/^  name: .*$/m, `  name: ${options.name}`).replace(/^  version: .*$/m, `  version: ${options.version}`);
  if (options.specExtra) manifest = manifest.replace(/^spec:\n/m, `spec:\n${options.specExtra}`);
  await writeFile(path.join(folder, 'plugin.yaml'), manifest);
  const packed = await packPlugin(folder);
  const file = path.join(bench.dir, packed.fileName);
  await writeFile(file, packed.bytes);
  return { file, bytes: packed.bytes };
}

/** Packs, signs with `key` (unless null) and publishes into `registry`. */
export async function publish(bench: Workbench, registry: string, options: BundleOptions & { key?: KeyPairPem | null }) {
  const bundle = await bundleOf(bench, options);
  const key = options.key === undefined ? bench.signer : options.key;
  if (key) {
    const signature = signBundle(bundle.bytes, parsePrivateKey(key.privateKeyPem, 'key'));
    await writeFile(`${bundle.file}.sig`, JSON.stringify(signature));
  }
  return publishBundle(registry, bundle.file);
}

/** Writes an index entry by hand (what a compromised registry could serve). */
export async function forgeEntry(registry: string, bytes: Buffer, manifestYaml: string, patch: Partial<VersionEntry> = {}) {
  const manifest = parseManifest(manifestYaml);
  const rel = bundlePathFor(manifest.metadata.name, manifest.metadata.version);
  await mkdir(path.dirname(path.join(registry, rel)), { recursive: true });
  await writeFile(path.join(registry, rel), bytes);
  const entry = { ...versionEntry(manifest, rel, bytes), ...patch };
  await writeIndexFile(registry, addVersion(await readIndexFile(registry), manifest, entry, { replace: true }));
  return entry;
}

export async function listeningGateway(t: Teardown, config: Partial<Config> = {}): Promise<{ app: FastifyInstance; url: string }> {
  const { app } = await buildTestApp(t, { drainTimeoutMs: 5000, loadTimeoutMs: 10_000, ...config });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { app, url: `http://127.0.0.1:${address.port}` };
}

export function signWith(key: KeyPairPem, bytes: Buffer) {
  return signBundle(bytes, parsePrivateKey(key.privateKeyPem, 'key'));
}
