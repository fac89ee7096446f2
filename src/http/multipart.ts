// Reads a plugin upload (multipart/form-data) into a staging folder:
//   manifest=@plugin.yaml        the manifest (a file part, or a text field)
//   <any>=@file                  every other file part, stored under its own filename
//                                (`-F "file=@dist/index.js;filename=dist/index.js"` keeps a subfolder)
//   bundle=@plugin.tgz           instead of the above: a packed plugin folder
//   sha256=<hex>                 optional: expected digest of the bundle, or of the manifest's binary
//   config=<json object>         optional: config values for the plugin
// Sizes are capped while streaming (MODGATE_MAX_UPLOAD for all files together).
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { MultipartFile } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { archivePathProblem, bundleRoot, extractBundle } from '../core/bundle.js';
import type { Upload } from '../core/install.js';
import { MANIFEST_FILE, MAX_MANIFEST_BYTES } from '../core/manifest.js';
import { ModgateError } from '../errors.js';

export interface UploadLimits {
  /** All file parts together (and a bundle's unpacked size). */
  maxBytes: number;
  maxFiles: number;
}

export const UPLOAD_FIELDS = ['manifest', 'bundle', 'sha256', 'config'] as const;
const HOW = 'send -F manifest=@plugin.yaml -F file=@<artifact> (one -F per file), or -F bundle=@plugin.tgz';

/** @fastify/multipart options for the upload routes (files over the cap end the request with 413). */
export function multipartOptions(limits: UploadLimits) {
  return {
    // Keep `dist/index.js` as sent; uploadName() refuses names that would leave the folder.
    preservePath: true,
    limits: multipartLimits(limits),
  };
}

function multipartLimits(limits: UploadLimits) {
  return {
    fileSize: limits.maxBytes,
    files: limits.maxFiles + 1,
    fields: 8,
    fieldSize: Math.max(MAX_MANIFEST_BYTES, 64 * 1024) + 1,
    parts: limits.maxFiles + 16,
    headerPairs: 100,
  };
}

/** Streams the parts of `request` into `stagingDir` and returns the plugin folder to install. */
export async function readUpload(request: FastifyRequest, stagingDir: string, limits: UploadLimits): Promise<Upload> {
  if (!request.isMultipart()) {
    throw new ModgateError('MODGATE_UNSUPPORTED_MEDIA_TYPE', `a plugin upload is multipart/form-data: ${HOW}`);
  }
  const filesDir = path.join(stagingDir, 'plugin');
  await mkdir(filesDir);
  const bundleFile = path.join(stagingDir, 'bundle.tgz');
  const received = new Set<string>();
  const budget = { remaining: limits.maxBytes };
  let manifest = false;
  let bundleSha256: string | undefined;
  let expectedSha256: string | undefined;
  let config: Record<string, unknown> | undefined;

  for await (const part of request.parts()) {
    if (part.type === 'field') {
      const value = part.value;
      if (part.valueTruncated) throw new ModgateError('MODGATE_PAYLOAD_TOO_LARGE', `the ${part.fieldname} field is too long`);
      switch (part.fieldname) {
        case 'manifest':
          if (manifest) throw duplicate('manifest');
          manifest = true;
          await writeFile(path.join(filesDir, MANIFEST_FILE), typeof value === 'string' ? value : JSON.stringify(value));
          received.add(MANIFEST_FILE);
          break;
        case 'sha256':
          expectedSha256 = parseSha256(value);
          break;
        case 'config':
          config = parseConfig(value);
          break;
        default:
          throw new ModgateError(
            'MODGATE_VALIDATION',
            `unknown form field "${part.fieldname}": the fields are ${UPLOAD_FIELDS.join(', ')}, and files are sent as file parts (${HOW})`,
          );
      }
      continue;
    }
    if (part.fieldname === 'bundle') {
      if (bundleSha256 !== undefined) throw duplicate('bundle');
      bundleSha256 = await saveFile(part, bundleFile, budget, limits);
      continue;
    }
    const name = part.fieldname === 'manifest' ? MANIFEST_FILE : uploadName(part.filename);
    if (name === MANIFEST_FILE) {
      if (manifest) throw duplicate('manifest');
      manifest = true;
    }
    if (received.has(name)) {
      throw new ModgateError('MODGATE_VALIDATION', `the upload has two files named "${name}"`);
    }
    received.add(name);
    const target = path.join(filesDir, ...name.split('/'));
    await mkdir(path.dirname(target), { recursive: true });
    await saveFile(part, target, budget, limits);
  }

  if (bundleSha256 !== undefined) {
    if (received.size > 0) {
      throw new ModgateError('MODGATE_VALIDATION', 'send either a bundle or a manifest with its files, not both');
    }
    await extractBundle(bundleFile, filesDir, { maxEntries: limits.maxFiles * 2 + 16, maxBytes: limits.maxBytes });
    return { dir: await bundleRoot(filesDir), config, expectedSha256, bundleSha256 };
  }
  if (!manifest) throw new ModgateError('MODGATE_VALIDATION', `the upload has no manifest (plugin.yaml): ${HOW}`);
  return { dir: filesDir, config, expectedSha256 };
}

/** Writes one file part, counting it against the upload budget; returns its sha256. */
async function saveFile(part: MultipartFile, target: string, budget: { remaining: number }, limits: UploadLimits): Promise<string> {
  const hash = createHash('sha256');
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      budget.remaining -= chunk.byteLength;
      if (budget.remaining < 0) {
        done(tooLarge(limits));
        return;
      }
      hash.update(chunk);
      done(null, chunk);
    },
  });
  await pipeline(part.file, meter, createWriteStream(target, { flags: 'wx', mode: 0o600 }));
  if (part.file.truncated) throw tooLarge(limits);
  return hash.digest('hex');
}

function tooLarge(limits: UploadLimits): ModgateError {
  return new ModgateError('MODGATE_PAYLOAD_TOO_LARGE', `the upload is larger than ${limits.maxBytes} bytes (MODGATE_MAX_UPLOAD)`);
}

function duplicate(field: string): ModgateError {
  return new ModgateError('MODGATE_VALIDATION', `send one ${field} part, not several`);
}

/** A file part's name as a path inside the plugin folder; anything that could leave it is refused. */
function uploadName(filename: string | undefined): string {
  if (!filename) throw new ModgateError('MODGATE_VALIDATION', `a file part has no filename: ${HOW}`);
  const problem = archivePathProblem(filename);
  const normalized = path.posix.normalize(filename).replace(/^\.\//, '');
  if (problem || normalized === '.' || normalized.endsWith('/') || normalized.startsWith('../')) {
    throw new ModgateError('MODGATE_VALIDATION', `file name "${filename}" ${problem ?? 'is not a file path'}; use a path relative to the plugin folder`);
  }
  return normalized;
}

function parseSha256(value: unknown): string {
  if (typeof value !== 'string' || !/^[0-9a-fA-F]{64}$/.test(value.trim())) {
    throw new ModgateError('MODGATE_VALIDATION', 'the sha256 field must be 64 hexadecimal characters (sha256sum prints it)');
  }
  return value.trim().toLowerCase();
}

function parseConfig(value: unknown): Record<string, unknown> {
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new ModgateError('MODGATE_VALIDATION', 'the config field must be a JSON object, e.g. {"apiKey": "..."}');
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ModgateError('MODGATE_VALIDATION', 'the config field must be a JSON object, e.g. {"apiKey": "..."}');
  }
  return parsed as Record<string, unknown>;
}
