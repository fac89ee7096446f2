// Sandboxed WebAssembly plugins (ABI v1, sdk/ABI.md). Loading caps the module's memory,
// compiles it once here and checks its imports and exports; calls then run in the shared
// worker pool, never on the event loop, each plugin limited to its resources.cpu worth of
// concurrent calls. docs/wasm.md describes the runtime for operators.
import { readFile } from 'node:fs/promises';
import { expectedDimensions } from '../../core/dimensions.js';
import { assertInsidePluginDir } from '../../core/manifest.js';
import type { LoadRequest, LoadedPlugin, Runtime } from '../../core/runtime.js';
import type { PluginType } from '../../core/types.js';
import { ModgateError, messageOf } from '../../errors.js';
import { coalescingFor, describeCoalescing } from '../coalesce.js';
import { createApi, type PoolCall } from './api.js';
import { WASM_PAGE_BYTES, formatBytes } from './binary.js';
import type { ModuleRef } from './instance.js';
import { WasmPool, type CallCounters, type PoolOptions } from './pool.js';
import { ModuleRefused, prepareModule } from './prepare.js';
import type { ProbeResult } from './tasks.js';

/** Largest .wasm file accepted. */
export const MAX_MODULE_BYTES = 256 * 1024 * 1024;

/** resources.cpu -> concurrent calls: one per whole core, at least one (500m and 1000m = 1, 2 = 2). */
export function concurrencyFor(cpuMillis: number): number {
  return Math.max(1, Math.floor(cpuMillis / 1000));
}

export class WasmRuntime implements Runtime {
  readonly kind = 'wasm' as const;
  private pool: WasmPool | undefined;
  private generation = 0;

  constructor(private readonly options: PoolOptions & { coalesceBatch?: number }) {}

  async load(request: LoadRequest): Promise<LoadedPlugin> {
    const { manifest, limits } = request;
    const name = manifest.metadata.name;
    const type: PluginType = manifest.spec.type;
    const refuse = (why: string) => new ModgateError('MODGATE_PLUGIN_LOAD_FAILED', `plugin "${name}": ${why}`);
    if (!manifest.spec.binary) throw refuse('spec.binary must name the .wasm module');
    const file = await assertInsidePluginDir(request.dir, manifest.spec.binary);
    const bytes = await readFile(file);
    if (bytes.length > MAX_MODULE_BYTES) throw refuse(`${manifest.spec.binary} is ${bytes.length} bytes; the limit is ${MAX_MODULE_BYTES}`);
    let prepared;
    try {
      prepared = await prepareModule(bytes, type, limits.memoryBytes);
    } catch (err) {
      if (err instanceof ModuleRefused) throw refuse(`${manifest.spec.binary} refused: ${err.message}`);
      throw err;
    }

    const pool = (this.pool ??= new WasmPool(this.options));
    const ref: ModuleRef = {
      id: `${name}@${manifest.metadata.version}#${++this.generation}`,
      plugin: name,
      module: prepared.module,
      memory: {
        imported: prepared.memory.imported,
        ...(prepared.memory.module !== undefined ? { module: prepared.memory.module, name: prepared.memory.name } : {}),
        initialPages: prepared.memory.initialPages,
        maximumPages: prepared.memory.maximumPages,
      },
      config: request.config,
    };
    const concurrency = concurrencyFor(limits.cpuMillis);
    const counters: CallCounters = { workerRestarts: 0 };
    const call: PoolCall = (req, signal) => pool.run(ref, req, { key: ref.id, limit: concurrency, signal, counters });
    pool.register(ref.id, request.log);

    let probe: ProbeResult;
    try {
      probe = (await call({ op: 'probe' }, request.signal)).value as ProbeResult;
    } catch (err) {
      pool.retire(ref.id);
      throw refuse(`cannot start: ${messageOf(err)}`);
    }
    if (type === 'vectorizer') {
      // Like the gRPC runtime: a vectorizer whose vectors are not the length the manifest
      // promises is refused, not served (clients size their indexes from the manifest).
      const expected = expectedDimensions(manifest, request.config);
      if (expected && probe.dimensions !== expected.value) {
        pool.retire(ref.id);
        throw refuse(`mg_dimensions() returns ${probe.dimensions} but the manifest expects ${expected.value} (${expected.from})`);
      }
    }

    let stopped = false;
    const coalescing = coalescingFor(manifest.spec.capabilities?.maxBatchSize, limits.cpuMillis, this.options.coalesceBatch);
    return {
      api: createApi(type, name, call, probe.dimensions, coalescing),
      health: async () => {
        try {
          await call({ op: 'probe' }, timeoutSignal(limits.timeoutMs, `plugin "${name}" did not answer its health check within ${limits.timeoutMs} ms`));
          return { healthy: true };
        } catch (err) {
          return { healthy: false, detail: messageOf(err) };
        }
      },
      stop: async () => {
        if (stopped) return;
        stopped = true;
        pool.retire(ref.id);
      },
      describe: () => ({
        module: manifest.spec.binary,
        moduleBytes: prepared.byteLength,
        memoryCap: formatBytes(prepared.memory.maximumPages * WASM_PAGE_BYTES),
        memoryCapBytes: prepared.memory.maximumPages * WASM_PAGE_BYTES,
        concurrency,
        wasiImports: prepared.wasiImports,
        workerRestarts: counters.workerRestarts,
        ...pool.describe(ref.id),
        ...(type === 'vectorizer' ? { coalescing: describeCoalescing(coalescing) } : {}),
      }),
    };
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.close();
  }
}

/** Aborts after ms with a MODGATE_PLUGIN_TIMEOUT reason (the timer does not keep the process alive). */
function timeoutSignal(ms: number, message: string): AbortSignal {
  const controller = new AbortController();
  setTimeout(() => controller.abort(new ModgateError('MODGATE_PLUGIN_TIMEOUT', message)), ms).unref();
  return controller.signal;
}
