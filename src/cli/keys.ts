// Ed25519 signing keys for plugin bundles: generation (PEM files), key ids, signing,
// verification against a set of trusted public keys.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { CliError } from './cli-error.js';

export const SIGNATURE_ALGORITHM = 'ed25519';

export interface KeyPairPem {
  privateKeyPem: string;
  publicKeyPem: string;
  keyId: string;
}

/** A detached signature over the exact bundle bytes. */
export interface BundleSignature {
  algorithm: typeof SIGNATURE_ALGORITHM;
  keyId: string;
  /** base64 */
  signature: string;
  /** hex sha256 of the bundle that was signed (informative; the signature is over the bytes). */
  sha256: string;
}

export function generateKeyPair(): KeyPairPem {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    keyId: keyIdOf(publicKey),
  };
}

/** First 16 hex digits of sha256 over the public key's SPKI DER encoding. */
export function keyIdOf(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex').slice(0, 16);
}

export function parsePrivateKey(pem: string, source: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (err) {
    throw new CliError('KEY_INVALID', `${source} is not a PEM private key: ${(err as Error).message}`);
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new CliError('KEY_INVALID', `${source} is a ${key.asymmetricKeyType ?? 'unknown'} key; modgate signs with ed25519 (create one with: modgate keygen)`);
  }
  return key;
}

export function parsePublicKey(pem: string, source: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (err) {
    throw new CliError('KEY_INVALID', `${source} is not a PEM public key: ${(err as Error).message}`);
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new CliError('KEY_INVALID', `${source} is a ${key.asymmetricKeyType ?? 'unknown'} key; trusted keys must be ed25519`);
  }
  return key;
}

export async function readPrivateKey(file: string): Promise<KeyObject> {
  return parsePrivateKey(await readText(file, 'private key'), file);
}

export function signBundle(bytes: Uint8Array, privateKey: KeyObject): BundleSignature {
  return {
    algorithm: SIGNATURE_ALGORITHM,
    keyId: keyIdOf(privateKey),
    signature: sign(null, bytes, privateKey).toString('base64'),
    sha256: sha256Hex(bytes),
  };
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Trusted public keys by key id. */
export type TrustedKeys = Map<string, { key: KeyObject; source: string }>;

/**
 * Loads the trusted public keys named by `spec`: comma-separated paths, each a PEM file or a
 * folder whose *.pem / *.pub files are all read.
 */
export async function loadTrustedKeys(spec: string | undefined): Promise<TrustedKeys> {
  const keys: TrustedKeys = new Map();
  const entries = (spec ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  for (const entry of entries) {
    let info;
    try {
      info = await stat(entry);
    } catch {
      throw new CliError('KEY_INVALID', `trusted key path ${entry} does not exist (MODGATE_TRUSTED_KEYS / --trusted-keys)`);
    }
    const files = info.isDirectory()
      ? (await readdir(entry)).filter((f) => f.endsWith('.pem') || f.endsWith('.pub')).sort().map((f) => path.join(entry, f))
      : [entry];
    for (const file of files) {
      const key = parsePublicKey(await readText(file, 'public key'), file);
      keys.set(keyIdOf(key), { key, source: file });
    }
  }
  return keys;
}

export type SignatureVerdict =
  | { status: 'valid'; keyId: string; source: string }
  | { status: 'unsigned' }
  | { status: 'untrusted-key'; keyId: string }
  | { status: 'invalid'; keyId: string; reason: string };

/** Checks `signature` (base64) over `bytes` with the trusted key named by `keyId`. */
export function verifyBundleSignature(
  bytes: Uint8Array,
  signature: string | null | undefined,
  keyId: string | null | undefined,
  trusted: TrustedKeys,
): SignatureVerdict {
  if (!signature) return { status: 'unsigned' };
  if (!keyId) return { status: 'invalid', keyId: '', reason: 'the signature names no key id' };
  const entry = trusted.get(keyId);
  if (!entry) return { status: 'untrusted-key', keyId };
  const raw = Buffer.from(signature, 'base64');
  if (raw.length !== 64 || raw.toString('base64') !== signature.replace(/\s+/g, '')) {
    return { status: 'invalid', keyId, reason: 'the signature is not 64 bytes of base64' };
  }
  const ok = verify(null, bytes, entry.key, raw);
  return ok ? { status: 'valid', keyId, source: entry.source } : { status: 'invalid', keyId, reason: 'the signature does not match the bundle' };
}

async function readText(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new CliError('KEY_INVALID', `cannot read ${what} ${file}: ${(err as Error).message}`);
  }
}
