// Helpers for admin API tests: plugin folders written from the upload fixtures (each version
// with its own marker, so its bytes and its answers differ), multipart bodies and bundles.
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FastifyInstance } from 'fastify';
import * as tar from 'tar';
import wabtInit from 'wabt';
import { FIXTURES, REPO_ROOT, adminHeaders, type Teardown } from '../helpers/app.js';

export const UPLOAD_FIXTURES = join(FIXTURES, 'upload');

export async function tempDir(t: Teardown, prefix = 'modgate-admin-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export interface NativeSpec {
  name?: string;
  version: string;
  marker: number;
  healthy?: boolean;
}

/** A native plugin folder (plugin.yaml + index.js) from test/fixtures/upload/versioned-native. */
export async function writeNativePlugin(root: string, spec: NativeSpec): Promise<string> {
  const name = spec.name ?? 'versioned';
  const dir = join(root, `${name}-${spec.version}`);
  await mkdir(dir, { recursive: true });
  const source = join(UPLOAD_FIXTURES, 'versioned-native');
  const manifest = (await readFile(join(source, 'plugin.yaml'), 'utf8')).replace('__NAME__', name).replace('__VERSION__', spec.version);
  const code = (await readFile(join(source, 'index.js'), 'utf8'))
    .replace('= __MARKER__;', `= ${spec.marker};`)
    .replace('= __HEALTHY__;', `= ${spec.healthy ?? true};`);
  await writeFile(join(dir, 'plugin.yaml'), manifest);
  await writeFile(join(dir, 'index.js'), code);
  return dir;
}

let wabt: ReturnType<typeof wabtInit> | undefined;

/** A WASM plugin folder (plugin.yaml + vectorizer.wasm) from versioned-vectorizer.wat. */
export async function writeWasmPlugin(root: string, spec: NativeSpec): Promise<string> {
  const name = spec.name ?? 'versioned';
  const dir = join(root, `${name}-${spec.version}`);
  await mkdir(dir, { recursive: true });
  const wat = (await readFile(join(UPLOAD_FIXTURES, 'versioned-vectorizer.wat'), 'utf8')).replaceAll('__MARKER__', String(spec.marker));
  wabt ??= wabtInit();
  const module = (await wabt).parseWat('versioned-vectorizer.wat', wat, { mutable_globals: true });
  try {
    await writeFile(join(dir, 'vectorizer.wasm'), module.toBinary({}).buffer);
  } finally {
    module.destroy();
  }
  await writeFile(join(dir, 'plugin.yaml'), vectorizerManifest(name, spec.version, 'wasm', './vectorizer.wasm'));
  return dir;
}

/**
 * A gRPC plugin folder (plugin.yaml + run) whose process serves the TypeScript SDK's fixture
 * vectorizer; the version's marker is its config default. The run script names the fixture
 * server and tsx by absolute path because the store runs it from its own version folder.
 */
export async function writeGrpcPlugin(root: string, spec: NativeSpec): Promise<string> {
  const name = spec.name ?? 'versioned';
  const dir = join(root, `${name}-${spec.version}`);
  await mkdir(dir, { recursive: true });
  const tsx = pathToFileURL(join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'esm', 'index.mjs')).href;
  const server = join(FIXTURES, 'grpc', 'shared', 'serve-fixture.ts');
  await writeFile(join(dir, 'run'), `#!/bin/sh\nexec '${process.execPath}' --import '${tsx}' '${server}' vectorizer\n`, { mode: 0o755 });
  const config = ['  config:', `    marker: { type: number, default: ${spec.marker} }`, '    delayMs: { type: integer, default: 0 }'];
  await writeFile(join(dir, 'plugin.yaml'), vectorizerManifest(name, spec.version, 'grpc', './run', config));
  return dir;
}

/** plugin.yaml of a 4-dimension vectorizer test plugin. */
function vectorizerManifest(name: string, version: string, runtime: string, binary: string, extra: string[] = []): string {
  return [
    'apiVersion: modgate.io/v1',
    'kind: Plugin',
    `metadata: { name: ${name}, version: ${version} }`,
    'spec:',
    '  type: vectorizer',
    `  runtime: ${runtime}`,
    `  binary: ${binary}`,
    '  capabilities: { dimensions: 4, maxBatchSize: 16 }',
    ...extra,
    '',
  ].join('\n');
}

export interface Part {
  name: string;
  value: string | Uint8Array;
  /** Makes the part a file part. */
  filename?: string;
}

/** A multipart/form-data body, encoded by the platform's FormData. */
export async function multipart(parts: Part[]): Promise<{ payload: Buffer; headers: Record<string, string> }> {
  const form = new FormData();
  for (const part of parts) {
    if (part.filename === undefined) form.append(part.name, typeof part.value === 'string' ? part.value : Buffer.from(part.value).toString());
    else form.append(part.name, new Blob([part.value]), part.filename);
  }
  const response = new Response(form);
  return { payload: Buffer.from(await response.arrayBuffer()), headers: { 'content-type': response.headers.get('content-type')! } };
}

/** The parts of a plugin folder: manifest + every other file under its own name. */
export async function folderParts(dir: string): Promise<Part[]> {
  const parts: Part[] = [{ name: 'manifest', value: await readFile(join(dir, 'plugin.yaml')), filename: 'plugin.yaml' }];
  for (const entry of await readdir(dir)) {
    if (entry !== 'plugin.yaml') parts.push({ name: 'file', value: await readFile(join(dir, entry)), filename: entry });
  }
  return parts;
}

/** A .tgz of a plugin folder's contents (plugin.yaml at the archive root). */
export async function packBundle(dir: string, file: string): Promise<Buffer> {
  await tar.c({ gzip: true, cwd: dir, file, portable: true }, await readdir(dir));
  return readFile(file);
}

export async function send(
  app: FastifyInstance,
  method: 'POST' | 'PUT',
  url: string,
  parts: Part[],
  headers: Record<string, string> = adminHeaders,
) {
  const body = await multipart(parts);
  return app.inject({ method, url, payload: body.payload, headers: { ...headers, ...body.headers } });
}

/** Uploads a plugin folder (POST /plugins, or PUT /plugins/:name when `name` is given). */
export async function uploadFolder(app: FastifyInstance, dir: string, name?: string, extra: Part[] = []) {
  const parts = [...(await folderParts(dir)), ...extra];
  return name === undefined ? send(app, 'POST', '/plugins', parts) : send(app, 'PUT', `/plugins/${name}`, parts);
}
