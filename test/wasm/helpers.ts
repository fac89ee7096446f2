// Test helpers for the WASM runtime: WAT fixtures compiled with wabt, plugin folders made
// from them in temp dirs, and the module refs the worker-side code takes.
import { mkdtemp, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import wabtInit from 'wabt';
import { buildPlugin } from '../../sdk/assemblyscript/build.mjs';
import { FIXTURES, REPO_ROOT, type Teardown } from '../helpers/app.js';
import type { ModuleRef } from '../../src/runtimes/wasm/instance.js';
import { prepareModule } from '../../src/runtimes/wasm/prepare.js';
import type { PluginType } from '../../src/core/types.js';

export const WASM_FIXTURES = join(FIXTURES, 'wasm');

let wabt: ReturnType<typeof wabtInit> | undefined;

/** Compiles WebAssembly text to a binary. */
export async function compileWat(source: string, filename = 'fixture.wat', features: Record<string, boolean> = {}): Promise<Uint8Array> {
  wabt ??= wabtInit();
  const module = (await wabt).parseWat(filename, source, { bulk_memory: true, mutable_globals: true, sign_extension: true, ...features });
  try {
    return module.toBinary({}).buffer;
  } finally {
    module.destroy();
  }
}

/** A fixture's text with the shared ABI prelude spliced in at ";; @abi". */
export async function fixtureWat(name: string): Promise<string> {
  return withAbiPrelude(await readFile(join(WASM_FIXTURES, `${name}.wat`), 'utf8'));
}

/** WAT text (a fixture's or a test's own) with the shared ABI prelude spliced in at ";; @abi". */
export async function withAbiPrelude(source: string): Promise<string> {
  if (!source.includes(';; @abi')) return source;
  const prelude = await readFile(join(WASM_FIXTURES, 'abi-prelude.wat'), 'utf8');
  return source.replace(';; @abi', prelude);
}

export async function fixtureWasm(name: string): Promise<Uint8Array> {
  return compileWat(await fixtureWat(name), `${name}.wat`);
}

export interface PluginSpec {
  name: string;
  type?: PluginType;
  /** A fixture name, WAT text, or raw bytes. */
  fixture?: string;
  wat?: string;
  bytes?: Uint8Array;
  version?: string;
  resources?: { memory?: string; cpu?: string; timeout?: string };
  capabilities?: Record<string, unknown>;
  /** plugin.yaml `config:` entries, as YAML lines under it. */
  configYaml?: string;
}

/** Writes a plugin folder (plugin.yaml + module.wasm) under root. */
export async function writePlugin(root: string, spec: PluginSpec): Promise<string> {
  const dir = join(root, spec.name);
  await mkdir(dir, { recursive: true });
  const bytes = spec.bytes ?? (spec.wat !== undefined ? await compileWat(spec.wat) : await fixtureWasm(spec.fixture ?? spec.name));
  await writeFile(join(dir, 'module.wasm'), bytes);
  const resources = spec.resources ?? {};
  const lines = [
    'apiVersion: modgate.io/v1',
    'kind: Plugin',
    `metadata: { name: ${spec.name}, version: ${spec.version ?? '1.0.0'} }`,
    'spec:',
    `  type: ${spec.type ?? 'vectorizer'}`,
    '  runtime: wasm',
    '  binary: ./module.wasm',
  ];
  const resourceEntries = Object.entries(resources).map(([k, v]) => `${k}: ${v}`);
  if (resourceEntries.length > 0) lines.push(`  resources: { ${resourceEntries.join(', ')} }`);
  const capabilities = spec.capabilities ?? ((spec.type ?? 'vectorizer') === 'vectorizer' ? { dimensions: 4 } : undefined);
  if (capabilities) lines.push(`  capabilities: ${JSON.stringify(capabilities)}`);
  if (spec.configYaml) lines.push('  config:', ...spec.configYaml.split('\n').map((l) => `    ${l}`));
  await writeFile(join(dir, 'plugin.yaml'), `${lines.join('\n')}\n`);
  return dir;
}

/** A temp folder of plugin folders, removed after the test. */
export async function pluginsRoot(t: Teardown, specs: PluginSpec[]): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'modgate-wasm-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  for (const spec of specs) await writePlugin(root, spec);
  return root;
}

let refs = 0;

/** What a worker receives for a module: prepared (capped, compiled, checked) like the runtime does. */
export async function moduleRef(bytes: Uint8Array, options: { type?: PluginType; memoryBytes?: number; config?: Record<string, unknown>; plugin?: string } = {}): Promise<ModuleRef> {
  const prepared = await prepareModule(bytes, options.type ?? 'vectorizer', options.memoryBytes ?? 64 * 1024 * 1024);
  return {
    id: `test-${++refs}`,
    plugin: options.plugin ?? 'fixture',
    module: prepared.module,
    memory: {
      imported: prepared.memory.imported,
      ...(prepared.memory.module !== undefined ? { module: prepared.memory.module, name: prepared.memory.name } : {}),
      initialPages: prepared.memory.initialPages,
      maximumPages: prepared.memory.maximumPages,
    },
    config: options.config ?? {},
  };
}

/** Decodes a JSON error body. */
export function errorOf(response: { json(): unknown }): { statusCode: number; code: string; message: string } {
  return response.json() as { statusCode: number; code: string; message: string };
}

/** Newest modification time of the files under dir (recursively). */
async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, (await stat(join(entry.parentPath, entry.name))).mtimeMs);
  }
  return newest;
}

/**
 * The AssemblyScript module of a folder (relative to the repo), built with the SDK unless its
 * output is newer than both the folder's assembly/ sources and the SDK's.
 */
export async function buildWasm(folder: string, entry: string, outFile: string): Promise<string> {
  const dir = join(REPO_ROOT, folder);
  const output = join(dir, outFile);
  const built = await stat(output).then((s) => s.mtimeMs, () => 0);
  const sources = Math.max(await newestMtime(join(dir, 'assembly')), await newestMtime(join(REPO_ROOT, 'sdk', 'assemblyscript', 'assembly')));
  if (built > sources) return output;
  return buildPlugin({ cwd: dir, entry, outFile });
}
