// A key/value object store on the local file system. Layout under root:
//   objects/<2 hex>/<sha256(key) hex>   one file per object (see format.ts)
//   tmp/                                 writes in progress; renamed into objects/ when complete
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { ObjectInfo, StoredObject } from '../../../sdk/typescript/src/index.js';
import { ModgateError } from '../../../src/errors.js';
import { decodeObject, encodeHeader, headerLength, parseHeader, PREAMBLE_BYTES } from './format.js';
import { compareKeys, fileNameFor, shardFor, validateContentType, validateKey, validatePrefix } from './keys.js';

export interface FsStoreOptions {
  /** Absolute folder holding the store (created when missing). */
  root: string;
  maxObjectBytes: number;
}

function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException)?.code === 'ENOENT';
}

export class FsStore {
  readonly root: string;
  readonly maxObjectBytes: number;
  private readonly objectsDir: string;
  private readonly tmpDir: string;

  constructor(options: FsStoreOptions) {
    this.root = options.root;
    this.maxObjectBytes = options.maxObjectBytes;
    this.objectsDir = join(options.root, 'objects');
    this.tmpDir = join(options.root, 'tmp');
  }

  /** Creates the folders and removes temp files a crash mid-write left behind. */
  async open(): Promise<void> {
    await rm(this.tmpDir, { recursive: true, force: true });
    await mkdir(this.tmpDir, { recursive: true });
    await mkdir(this.objectsDir, { recursive: true });
  }

  private pathFor(key: string): string {
    const name = fileNameFor(key);
    return join(this.objectsDir, shardFor(name), name);
  }

  async put(key: string, object: StoredObject, signal?: AbortSignal): Promise<void> {
    validateKey(key);
    const contentType = validateContentType(object?.contentType);
    const value = object?.value;
    if (!(value instanceof Uint8Array)) throw new ModgateError('MODGATE_VALIDATION', 'object value must be bytes (a Uint8Array)');
    if (value.byteLength > this.maxObjectBytes) {
      throw new ModgateError(
        'MODGATE_PAYLOAD_TOO_LARGE',
        `object is ${value.byteLength} bytes; this store accepts at most ${this.maxObjectBytes} (config maxObjectBytes)`,
      );
    }
    signal?.throwIfAborted();

    const target = this.pathFor(key);
    const temp = join(this.tmpDir, `${randomBytes(12).toString('hex')}.tmp`);
    try {
      const handle = await open(temp, 'wx', 0o600);
      try {
        await handle.writeFile(encodeHeader({ key, contentType }));
        await handle.writeFile(value, { signal });
        await handle.datasync(); // the bytes are on disk before the rename makes them visible
      } finally {
        await handle.close();
      }
      signal?.throwIfAborted(); // last moment to give up: after the rename the write is done
      await mkdir(join(target, '..'), { recursive: true });
      await rename(temp, target);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
  }

  async get(key: string): Promise<StoredObject | null> {
    validateKey(key);
    const file = this.pathFor(key);
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
    const { header, value } = decodeObject(bytes, file);
    if (header.key !== key) return null; // a SHA-256 collision: practically impossible, never wrong
    return { value, contentType: header.contentType };
  }

  async delete(key: string): Promise<boolean> {
    validateKey(key);
    try {
      await unlink(this.pathFor(key));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  /**
   * Objects whose key starts with prefix, sorted by key (UTF-16 code unit order), at most
   * limit of them. Reads every object's header: cost grows with the number of objects.
   */
  async list(prefix: string, limit: number, signal?: AbortSignal): Promise<ObjectInfo[]> {
    validatePrefix(prefix);
    if (!Number.isInteger(limit) || limit < 0) {
      throw new ModgateError('MODGATE_VALIDATION', `list limit must be a non-negative integer, got ${JSON.stringify(limit)}`);
    }
    if (limit === 0) return [];
    const found: ObjectInfo[] = [];
    for (const shard of await this.readDir(this.objectsDir)) {
      for (const name of await this.readDir(join(this.objectsDir, shard))) {
        signal?.throwIfAborted();
        const info = await this.describe(join(this.objectsDir, shard, name));
        if (info !== null && info.key.startsWith(prefix)) found.push(info);
      }
    }
    return found.sort((a, b) => compareKeys(a.key, b.key)).slice(0, limit);
  }

  private async readDir(dir: string): Promise<string[]> {
    try {
      return await readdir(dir);
    } catch (err) {
      if (isNotFound(err)) return [];
      throw err;
    }
  }

  /** Key, size and content type of one object file, reading only its header; null if it vanished. */
  private async describe(file: string): Promise<ObjectInfo | null> {
    let handle;
    try {
      handle = await open(file, 'r');
    } catch (err) {
      if (isNotFound(err)) return null; // deleted while we were listing
      throw err;
    }
    try {
      const { size } = await handle.stat();
      const preamble = Buffer.alloc(PREAMBLE_BYTES);
      await handle.read(preamble, 0, PREAMBLE_BYTES, 0);
      const length = headerLength(preamble, file);
      const headerBytes = Buffer.alloc(length);
      await handle.read(headerBytes, 0, length, PREAMBLE_BYTES);
      const header = parseHeader(headerBytes, file);
      return { key: header.key, size: size - PREAMBLE_BYTES - length, contentType: header.contentType };
    } finally {
      await handle.close();
    }
  }

  /** Healthy when the root folder exists and is a directory. */
  async check(): Promise<{ healthy: boolean; detail: string }> {
    try {
      const info = await stat(this.objectsDir);
      return info.isDirectory()
        ? { healthy: true, detail: `storing under ${this.root}` }
        : { healthy: false, detail: `${this.objectsDir} is not a directory` };
    } catch (err) {
      return { healthy: false, detail: `cannot read ${this.objectsDir}: ${(err as Error).message}` };
    }
  }
}
