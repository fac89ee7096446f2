// Where the pool's worker script is. From compiled code (dist/) it is worker.js beside this
// file. From TypeScript sources (tests, tsx) worker threads would have to load a TypeScript
// loader at every start (seconds with ts-node), so the worker is bundled once with esbuild
// (a dev dependency, present whenever sources run) into node_modules/.cache, where it still
// resolves piscina from node_modules: it must share piscina's module with piscina's own
// worker code for Piscina.move() to work.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface WorkerEntry {
  filename: string;
  /** Node flags for the worker threads (undefined: inherit the process's). */
  execArgv?: string[];
}

let bundled: Promise<WorkerEntry> | undefined;

export function workerEntry(): Promise<WorkerEntry> {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return Promise.resolve({ filename: join(dirname(here), 'worker.js') });
  bundled ??= bundleWorker(join(dirname(here), 'worker.ts')).catch(() => ({ filename: join(dirname(here), 'worker.ts') }));
  return bundled;
}

async function bundleWorker(source: string): Promise<WorkerEntry> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [source],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['piscina'],
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0].text;
  const cacheDir = join(findNodeModules(dirname(source)), '.cache', 'modgate');
  const filename = join(cacheDir, `wasm-worker-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`);
  if (!existsSync(filename)) {
    await mkdir(cacheDir, { recursive: true });
    const temp = `${filename}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(temp, code);
    await rename(temp, filename);
  }
  return { filename, execArgv: [] };
}

function findNodeModules(from: string): string {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'node_modules', 'piscina'))) return join(dir, 'node_modules');
    if (dirname(dir) === dir) throw new Error('node_modules with piscina not found');
  }
}
