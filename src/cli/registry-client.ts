// Reading a marketplace: index.json and bundles, over http(s) or from a local folder
// (a path or file: URL), so installs work offline.
import { readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliError } from './cli-error.js';
import { INDEX_FILE, MAX_INDEX_BYTES, parseIndex, type RegistryIndex, type VersionEntry } from './registry-index.js';

export type ProgressListener = (received: number, total: number) => void;

export interface RegistrySource {
  /** Where index.json is read from, for messages. */
  readonly indexLocation: string;
  readIndex(): Promise<RegistryIndex>;
  /** The bundle's bytes; never more than the size index.json declares. */
  readBundle(entry: VersionEntry, onProgress?: ProgressListener): Promise<Buffer>;
}

export interface RegistryOptions {
  /** Per request; default 60 s. */
  timeoutMs?: number;
}

export function openRegistry(location: string | undefined, options: RegistryOptions = {}): RegistrySource {
  if (location === undefined || location.trim() === '') {
    throw new CliError('USAGE', 'no registry given: pass --registry <url or folder> or set MODGATE_REGISTRY');
  }
  const timeoutMs = options.timeoutMs ?? 60_000;
  if (/^https?:\/\//i.test(location)) return new HttpRegistry(location, timeoutMs);
  if (/^file:/i.test(location)) return new FolderRegistry(fileURLToPath(location));
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) {
    throw new CliError('USAGE', `registry ${location}: only http(s)://, file: URLs and folders are supported`);
  }
  return new FolderRegistry(location);
}

class HttpRegistry implements RegistrySource {
  readonly indexLocation: string;

  constructor(location: string, private readonly timeoutMs: number) {
    const url = new URL(location);
    if (!url.pathname.endsWith('.json')) {
      if (!url.pathname.endsWith('/')) url.pathname += '/';
      url.pathname += INDEX_FILE;
    }
    this.indexLocation = url.href;
  }

  async readIndex(): Promise<RegistryIndex> {
    const response = await this.get(this.indexLocation);
    const bytes = await readCapped(response, MAX_INDEX_BYTES, this.indexLocation, () => {
      throw new CliError('REGISTRY_INVALID', `${this.indexLocation} is larger than ${MAX_INDEX_BYTES} bytes`);
    });
    return parseIndex(bytes.toString('utf8'), this.indexLocation);
  }

  async readBundle(entry: VersionEntry, onProgress?: ProgressListener): Promise<Buffer> {
    // entry.bundle is a checked relative path, so this URL stays under the index's folder.
    const url = new URL(entry.bundle, this.indexLocation).href;
    const response = await this.get(url);
    return readCapped(
      response,
      entry.size,
      url,
      () => {
        throw new CliError('DIGEST_MISMATCH', `${url} is larger than the ${entry.size} bytes index.json declares; refusing it`);
      },
      onProgress,
    );
  }

  private async get(url: string): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs), redirect: 'follow' });
    } catch (err) {
      throw new CliError('REGISTRY_UNREACHABLE', `cannot reach the registry at ${url}: ${networkReason(err)}`);
    }
    if (response.ok) return response;
    await response.body?.cancel().catch(() => undefined);
    if (response.status === 404) throw new CliError('REGISTRY_INVALID', `${url} does not exist on the registry (HTTP 404); check --registry / MODGATE_REGISTRY`);
    throw new CliError('REGISTRY_UNREACHABLE', `the registry answered ${response.status} ${response.statusText} for ${url}`);
  }
}

async function readCapped(response: Response, cap: number, url: string, tooLarge: () => never, onProgress?: ProgressListener): Promise<Buffer> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > cap) {
    await response.body?.cancel().catch(() => undefined);
    tooLarge();
  }
  const total = Number.isFinite(declared) ? declared : cap;
  const chunks: Buffer[] = [];
  let received = 0;
  if (!response.body) return Buffer.alloc(0);
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      received += value.byteLength;
      if (received > cap) {
        await reader.cancel().catch(() => undefined);
        tooLarge();
      }
      chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
      onProgress?.(received, total);
    }
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError('REGISTRY_UNREACHABLE', `download of ${url} broke off: ${networkReason(err)}`);
  }
  return Buffer.concat(chunks);
}

class FolderRegistry implements RegistrySource {
  readonly indexLocation: string;
  private readonly root: string;

  constructor(location: string) {
    const resolved = path.resolve(location);
    this.root = resolved.endsWith('.json') ? path.dirname(resolved) : resolved;
    this.indexLocation = resolved.endsWith('.json') ? resolved : path.join(resolved, INDEX_FILE);
  }

  async readIndex(): Promise<RegistryIndex> {
    let text: Buffer;
    try {
      text = await readFile(this.indexLocation);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new CliError('REGISTRY_INVALID', `${this.indexLocation} does not exist; create the registry with: modgate registry build ${this.root}`);
      throw new CliError('REGISTRY_UNREACHABLE', `cannot read ${this.indexLocation}: ${(err as Error).message}`);
    }
    if (text.length > MAX_INDEX_BYTES) throw new CliError('REGISTRY_INVALID', `${this.indexLocation} is larger than ${MAX_INDEX_BYTES} bytes`);
    return parseIndex(text.toString('utf8'), this.indexLocation);
  }

  async readBundle(entry: VersionEntry, onProgress?: ProgressListener): Promise<Buffer> {
    const file = path.join(this.root, ...entry.bundle.split('/'));
    let real: string;
    let realRoot: string;
    try {
      [real, realRoot] = await Promise.all([realpath(file), realpath(this.root)]);
    } catch (err) {
      throw new CliError('REGISTRY_INVALID', `bundle ${entry.bundle} is missing from ${this.root}: ${(err as Error).message}`);
    }
    const rel = path.relative(realRoot, real);
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) {
      throw new CliError('BUNDLE_UNSAFE', `bundle ${entry.bundle} leads outside the registry folder; refusing it`);
    }
    const bytes = await readFile(real);
    if (bytes.length > entry.size) throw new CliError('DIGEST_MISMATCH', `${file} is larger than the ${entry.size} bytes index.json declares; refusing it`);
    onProgress?.(bytes.length, bytes.length);
    return bytes;
  }
}

/** `connect ECONNREFUSED 127.0.0.1:9` rather than fetch's bare "fetch failed". */
export function networkReason(err: unknown): string {
  if (err instanceof Error && err.name === 'TimeoutError') return 'timed out';
  const cause = (err as { cause?: unknown }).cause;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return code && !cause.message.includes(code) ? `${code} ${cause.message}` : cause.message;
  }
  return err instanceof Error ? err.message : String(err);
}
