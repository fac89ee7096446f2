// WASM queue depth / worker restarts and gRPC restarts come from LoadedPlugin.describe(), read
// at scrape time. Runtimes that report these facts are stood in for by small runtimes here, so
// the mapping is checked whatever the real runtimes are doing.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import t from 'tap';
import { PluginManager } from '../../src/core/manager.js';
import type { LoadRequest, LoadedPlugin, Runtime } from '../../src/core/runtime.js';
import type { RuntimeKind, Vectorizer } from '../../src/core/types.js';
import { BatchSizes } from '../../src/core/batch-sizes.js';
import { GatewayMetrics } from '../../src/http/metrics.js';
import type { Teardown } from '../helpers/app.js';
import { parseSamples, sampleValue } from './prometheus.js';

/** A runtime whose plugins report `facts` (mutable, so a test can change them between scrapes). */
class ReportingRuntime implements Runtime {
  constructor(
    readonly kind: RuntimeKind,
    readonly facts: Record<string, unknown>,
  ) {}

  async load(request: LoadRequest): Promise<LoadedPlugin> {
    const api: Vectorizer = {
      dimensions: 2,
      vectorize: async () => new Float32Array([1, 0]),
      vectorizeBatch: async (texts) => texts.map(() => new Float32Array([1, 0])),
    };
    return {
      api,
      health: async () => ({ healthy: true }),
      stop: async () => undefined,
      describe: () => ({ runtime: request.manifest.spec.runtime, ...this.facts }),
    };
  }
}

async function pluginFolder(root: string, name: string, runtime: RuntimeKind): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir);
  await writeFile(join(dir, 'artifact.bin'), 'x');
  await writeFile(
    join(dir, 'plugin.yaml'),
    `apiVersion: modgate.io/v1
kind: Plugin
metadata: { name: ${name}, version: 2.0.0 }
spec:
  type: vectorizer
  runtime: ${runtime}
  binary: ./artifact.bin
`,
  );
  return dir;
}

async function setup(t: Teardown) {
  const root = await mkdtemp(join(tmpdir(), 'modgate-facts-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  const wasm = new ReportingRuntime('wasm', { queueDepth: 3, workerRestarts: 2, threads: 4 });
  const grpc = new ReportingRuntime('grpc', { restarts: 5, pid: 1234 });
  const metrics = new GatewayMetrics();
  const manager = new PluginManager({
    runtimes: [wasm, grpc],
    logger: pino({ level: 'silent' }),
    dataDir: root,
    gatewayVersion: '0.1.0',
    loadTimeoutMs: 5_000,
    drainTimeoutMs: 5_000,
    observer: metrics,
  });
  metrics.attach(manager);
  t.teardown(() => manager.close());
  await manager.load(await pluginFolder(root, 'wasm-embedder', 'wasm'));
  await manager.load(await pluginFolder(root, 'grpc-embedder', 'grpc'));
  return { metrics, wasm, grpc };
}

t.test('runtime facts from describe() become WASM and gRPC series', async (t) => {
  const { metrics, wasm, grpc } = await setup(t);
  let samples = parseSamples(await metrics.render());
  const wasmPlugin = { plugin: 'wasm-embedder' };
  const grpcPlugin = { plugin: 'grpc-embedder' };
  t.equal(sampleValue(samples, 'modgate_wasm_queue_depth', wasmPlugin), 3);
  t.equal(sampleValue(samples, 'modgate_wasm_worker_restarts_total', wasmPlugin), 2);
  t.equal(sampleValue(samples, 'modgate_grpc_plugin_restarts_total', grpcPlugin), 5);
  t.equal(sampleValue(samples, 'modgate_wasm_queue_depth', grpcPlugin), undefined, 'a gRPC plugin has no WASM series');
  t.equal(sampleValue(samples, 'modgate_grpc_plugin_restarts_total', wasmPlugin), undefined, 'a WASM plugin has no gRPC series');
  t.equal(sampleValue(samples, 'modgate_plugin_info', { ...wasmPlugin, runtime: 'wasm', version: '2.0.0' }), 1);

  // Values are read afresh on every scrape.
  wasm.facts.queueDepth = 0;
  wasm.facts.workerRestarts = 7;
  grpc.facts.restarts = 6;
  samples = parseSamples(await metrics.render());
  t.equal(sampleValue(samples, 'modgate_wasm_queue_depth', wasmPlugin), 0);
  t.equal(sampleValue(samples, 'modgate_wasm_worker_restarts_total', wasmPlugin), 7);
  t.equal(sampleValue(samples, 'modgate_grpc_plugin_restarts_total', grpcPlugin), 6);

  // A fact that is missing or not a number gives no sample rather than a bogus one.
  delete wasm.facts.queueDepth;
  grpc.facts.restarts = 'many';
  samples = parseSamples(await metrics.render());
  t.equal(sampleValue(samples, 'modgate_wasm_queue_depth', wasmPlugin), undefined);
  t.equal(sampleValue(samples, 'modgate_grpc_plugin_restarts_total', grpcPlugin), undefined);
});

t.test('coalesced batch sizes from describe() become a histogram; a malformed report gives none', async (t) => {
  const { metrics, wasm, grpc } = await setup(t);
  const sizes = new BatchSizes();
  for (const size of [1, 3, 3, 8, 2000]) sizes.record(size);
  wasm.facts.coalescing = { maxBatch: 64, maxInFlight: 2, batchSizes: sizes };
  grpc.facts.coalescing = { batchSizes: { calls: 3, texts: 'lots', buckets: [] } };
  const samples = parseSamples(await metrics.render());
  const wasmPlugin = { plugin: 'wasm-embedder' };
  const bucket = (le: string) => sampleValue(samples, 'modgate_coalesced_batch_size_bucket', { ...wasmPlugin, le });
  t.same([bucket('1'), bucket('2'), bucket('4'), bucket('8'), bucket('1024'), bucket('+Inf')], [1, 1, 3, 4, 4, 5], 'cumulative; 2000 texts only in +Inf');
  t.equal(sampleValue(samples, 'modgate_coalesced_batch_size_count', wasmPlugin), 5);
  t.equal(sampleValue(samples, 'modgate_coalesced_batch_size_sum', wasmPlugin), 2015);
  t.equal(sampleValue(samples, 'modgate_coalesced_batch_size_count', { plugin: 'grpc-embedder' }), undefined, 'not a batch-size report: no series');
});

t.test('a describe() that throws does not break the scrape', async (t) => {
  const { metrics, wasm } = await setup(t);
  Object.defineProperty(wasm.facts, 'queueDepth', {
    enumerable: true,
    get() {
      throw new Error('pool is closing');
    },
  });
  const samples = parseSamples(await metrics.render());
  t.equal(sampleValue(samples, 'modgate_wasm_queue_depth', { plugin: 'wasm-embedder' }), undefined);
  t.equal(sampleValue(samples, 'modgate_plugin_state', { plugin: 'wasm-embedder', state: 'ready' }), 1);
});
