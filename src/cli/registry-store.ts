// Maintains a registry folder on disk: publish a bundle into it, or rebuild index.json from
// the bundles it holds. index.json is replaced atomically (temp file, fsync, rename), so a web
// server never serves half an index.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CliError } from './cli-error.js';
import { readBundle } from './bundle-read.js';
import type { BundleSignature } from './keys.js';
import {
  BUNDLES_DIR,
  INDEX_FILE,
  addVersion,
  bundlePathFor,
  emptyIndex,
  parseIndex,
  serializeIndex,
  versionEntry,
  type RegistryIndex,
  type VersionEntry,
} from './registry-index.js';

export const SIGNATURE_SUFFIX = '.sig';

export async function readIndexFile(dir: string): Promise<RegistryIndex> {
  const file = path.join(dir, INDEX_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyIndex();
    throw new CliError('IO', `cannot read ${file}: ${(err as Error).message}`);
  }
  return parseIndex(text, file);
}

export async function writeIndexFile(dir: string, index: RegistryIndex): Promise<void> {
  const file = path.join(dir, INDEX_FILE);
  const temp = path.join(dir, `.${INDEX_FILE}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'w', 0o644);
  try {
    await handle.writeFile(serializeIndex(index));
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

/** Reads `<bundle>.sig` if it exists. */
export async function readSignatureFile(bundleFile: string): Promise<BundleSignature | undefined> {
  const file = `${bundleFile}${SIGNATURE_SUFFIX}`;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CliError('IO', `cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    const sig = JSON.parse(text) as BundleSignature;
    if (typeof sig.signature !== 'string' || typeof sig.keyId !== 'string' || typeof sig.sha256 !== 'string') throw new Error('fields missing');
    return sig;
  } catch (err) {
    throw new CliError('SIGNATURE_INVALID', `${file} is not a modgate signature file (${(err as Error).message}); sign again with: modgate plugin sign`);
  }
}

export interface PublishResult {
  name: string;
  version: string;
  entry: VersionEntry;
  /** false when the identical bundle was already published (publishing is idempotent). */
  added: boolean;
}

/** Copies a bundle (and its .sig) into the registry folder and records it in index.json. */
export async function publishBundle(registryDir: string, bundleFile: string): Promise<PublishResult> {
  const root = path.resolve(registryDir);
  const bytes = await readBundleFile(bundleFile);
  const { manifest } = await readBundle(bytes);
  const signature = await readSignatureFile(bundleFile);
  const rel = bundlePathFor(manifest.metadata.name, manifest.metadata.version);
  const entry = versionEntry(manifest, rel, bytes, signature);
  await mkdir(root, { recursive: true });
  const index = await readIndexFile(root);
  const previous = index.plugins.find((p) => p.name === manifest.metadata.name)?.versions.find((v) => v.version === entry.version);
  const updated = addVersion(index, manifest, entry); // refuses other bytes for a published version
  if (previous?.signature && !signature) {
    throw new CliError(
      'SIGNATURE_MISSING',
      `${manifest.metadata.name}@${entry.version} is published signed; publishing it again without ${path.basename(bundleFile)}${SIGNATURE_SUFFIX} would drop its signature (put the .sig beside the bundle)`,
    );
  }
  const target = path.join(root, ...rel.split('/'));
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(target, bytes);
  if (signature) await writeFile(`${target}${SIGNATURE_SUFFIX}`, `${JSON.stringify(signature, null, 2)}\n`);
  else await rm(`${target}${SIGNATURE_SUFFIX}`, { force: true });
  await writeIndexFile(root, updated);
  const added = !previous || previous.signature !== entry.signature;
  return { name: manifest.metadata.name, version: entry.version, entry, added };
}

/** Rebuilds index.json from every bundle under `<dir>/bundles`, keeping nothing else. */
export async function buildRegistry(registryDir: string): Promise<RegistryIndex> {
  const root = path.resolve(registryDir);
  let index = emptyIndex();
  const bundles = await findBundles(path.join(root, BUNDLES_DIR));
  for (const file of bundles) {
    const bytes = await readBundleFile(file);
    let manifest;
    try {
      ({ manifest } = await readBundle(bytes));
    } catch (err) {
      if (err instanceof CliError) throw new CliError(err.code, `${file}: ${err.message}`, err.details);
      throw err;
    }
    const rel = path.relative(root, file).split(path.sep).join('/');
    const entry = versionEntry(manifest, rel, bytes, await readSignatureFile(file));
    const dup = index.plugins.find((p) => p.name === manifest.metadata.name)?.versions.find((v) => v.version === entry.version);
    if (dup) {
      throw new CliError('VERSION_EXISTS', `${manifest.metadata.name}@${entry.version} is in both ${dup.bundle} and ${rel}; remove one`);
    }
    index = addVersion(index, manifest, entry);
  }
  await writeIndexFile(root, index);
  return index;
}

async function findBundles(dir: string): Promise<string[]> {
  const out: string[] = [];
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return out;
    throw err;
  }
  for (const name of names.sort()) {
    const file = path.join(dir, name);
    const info = await stat(file);
    if (info.isDirectory()) out.push(...(await findBundles(file)));
    else if (info.isFile() && name.endsWith('.tgz')) out.push(file);
  }
  return out;
}

export async function readBundleFile(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    throw new CliError('IO', `cannot read bundle ${file}: ${(err as Error).message}`);
  }
}

