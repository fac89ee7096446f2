import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import t from 'tap';
import { PluginManager } from '../../src/core/manager.js';
import { PluginOperations } from '../../src/core/operations.js';
import { NativeRuntime } from '../../src/runtimes/native/native-runtime.js';
import { FIXTURES, type Teardown } from '../helpers/app.js';

const ECHO = join(FIXTURES, 'native', 'echo-vectorizer');
const DISCOVERY = join(FIXTURES, 'discovery');

async function setup(t: Teardown, overrides: { loadTimeoutMs?: number; drainTimeoutMs?: number } = {}) {
  const manager = new PluginManager({
    runtimes: [new NativeRuntime()],
    logger: pino({ level: 'silent' }),
    dataDir: await mkdtemp(join(tmpdir(), 'modgate-manager-')),
    gatewayVersion: '0.1.0',
    loadTimeoutMs: overrides.loadTimeoutMs ?? 5_000,
    drainTimeoutMs: overrides.drainTimeoutMs ?? 5_000,
  });
  t.teardown(() => manager.close());
  const operations = new PluginOperations(manager, { maxBatchSize: 100, maxInputLength: 10_000 });
  return { manager, operations };
}

t.test('reload under concurrent calls: no call fails, each answer comes from one whole version', async (t) => {
  const { manager, operations } = await setup(t);
  await manager.load(ECHO, { config: { marker: 1, delayMs: 3 } });
  let running = true;
  const failures: unknown[] = [];
  const markers = new Set<number>();
  const worker = async () => {
    while (running) {
      try {
        const { vectors } = await operations.vectorize('echo-vectorizer', ['abc', 'de', 'f']);
        const batchMarkers = new Set(vectors.map((v) => v[1]));
        if (batchMarkers.size !== 1) failures.push(new Error(`mixed versions in one call: ${[...batchMarkers]}`));
        markers.add(vectors[0][1]);
      } catch (err) {
        failures.push(err);
      }
    }
  };
  const workers = Array.from({ length: 8 }, worker);
  for (let marker = 2; marker <= 11; marker++) {
    const previous = manager.registry.get('echo-vectorizer')!;
    await manager.reload('echo-vectorizer', undefined, { config: { marker, delayMs: 3 } });
    t.equal(previous.state, 'stopped', `version with marker ${marker - 1} stopped after the swap`);
    t.equal(previous.inFlight, 0, 'and only after its calls finished');
  }
  running = false;
  await Promise.all(workers);
  t.same(failures, [], 'zero failed calls');
  t.ok(markers.size >= 2, `answers came from several versions (${[...markers].join(',')})`);
  t.equal(manager.registry.get('echo-vectorizer')!.config.marker, 11);
});

t.test('a reload that fails keeps the old version serving and says why', async (t) => {
  const { manager, operations } = await setup(t);
  await manager.load(ECHO, { config: { marker: 7 } });
  await t.rejects(manager.reload('echo-vectorizer', undefined, { config: { marker: 'seven' } }), {
    code: 'MODGATE_CONFIG_INVALID',
    message: /config\.marker/,
  });
  const { vectors } = await operations.vectorize('echo-vectorizer', ['x']);
  t.equal(vectors[0][1], 7, 'the old version still answers');
  await t.rejects(manager.reload('echo-vectorizer', join(DISCOVERY, 'base-dep')), {
    code: 'MODGATE_VALIDATION',
    message: 'the manifest names plugin "base-dep", not "echo-vectorizer"',
  });
});

t.test('discovery: broken folders are reported, hanging loads are given up, dependencies load first', async (t) => {
  const { manager, operations } = await setup(t, { loadTimeoutMs: 300 });
  await manager.discover([DISCOVERY, join(FIXTURES, 'does-not-exist')]);
  t.ok(manager.ready);
  const state = (name: string) => manager.registry.get(name)?.state;
  t.equal(state('base-dep'), 'ready');
  t.equal(state('needs-dep'), 'ready', 'loaded after base-dep, which it depends on');
  t.equal(state('hanging-load'), 'failed');
  t.match(manager.registry.get('hanging-load')!.failureReason, /did not finish loading within 300 ms/);
  t.equal(state('wrong-type-module'), 'failed');
  t.match(manager.registry.get('wrong-type-module')!.failureReason, /manifest says reranker but the module defines a transformer/);
  t.equal(state('unhealthy'), 'failed');
  t.match(manager.registry.get('unhealthy')!.failureReason, /not healthy: model file missing/);
  const broken = manager.registry.findBroken('broken-manifest');
  t.match(broken?.reason, /metadata\.version/);
  t.match(broken?.reason, /spec\.resources\.memory/);
  t.same(await operations.transform('needs-dep', ['hi']), [['HI']]);
});

t.test('unsatisfied dependencies refuse the load', async (t) => {
  const { manager } = await setup(t);
  await t.rejects(manager.load(join(DISCOVERY, 'needs-dep')), {
    code: 'MODGATE_DEPENDENCY_UNSATISFIED',
    statusCode: 422,
    message: 'plugin "needs-dep" has unsatisfied dependencies: base-dep ^1.4.0 is not installed',
  });
});

t.test('load refuses a name that is already loaded; unload drains and forgets', async (t) => {
  const { manager, operations } = await setup(t);
  await manager.load(ECHO);
  await t.rejects(manager.load(ECHO), { code: 'MODGATE_PLUGIN_EXISTS', statusCode: 409 });
  const handle = manager.registry.get('echo-vectorizer')!;
  await manager.unload('echo-vectorizer');
  t.equal(handle.state, 'stopped');
  await t.rejects(operations.vectorize('echo-vectorizer', ['x']), { code: 'MODGATE_PLUGIN_NOT_FOUND' });
});

t.test('operations: limits, time cap, plugin errors and bad output are clear errors', async (t) => {
  const { manager, operations } = await setup(t);
  await manager.load(ECHO);
  await t.rejects(operations.vectorize('echo-vectorizer', Array(9).fill('x')), {
    code: 'MODGATE_BATCH_TOO_LARGE',
    statusCode: 413,
    message: 'plugin "echo-vectorizer" accepts at most 8 inputs per call; got 9 (split the batch)',
  });
  await t.rejects(operations.vectorize('echo-vectorizer', ['x'.repeat(1001)]), { code: 'MODGATE_INPUT_TOO_LARGE', statusCode: 413 });
  await t.rejects(operations.vectorize('echo-vectorizer', ['throw']), {
    code: 'MODGATE_PLUGIN_ERROR',
    statusCode: 502,
    message: 'plugin "echo-vectorizer" failed: fixture exploded',
  });
  await t.rejects(operations.vectorize('echo-vectorizer', ['nan']), { code: 'MODGATE_PLUGIN_BAD_OUTPUT', message: /non-finite/ });
  await t.rejects(operations.vectorize('echo-vectorizer', ['short']), { code: 'MODGATE_PLUGIN_BAD_OUTPUT', message: /4 float32 values/ });
  const controller = new AbortController();
  const cancelled = operations.vectorize('echo-vectorizer', ['hang'], { signal: controller.signal });
  controller.abort();
  await t.rejects(cancelled, { code: 'MODGATE_CLIENT_CLOSED' });
  await t.rejects(operations.vectorize('echo-vectorizer', ['hang']), { code: 'MODGATE_PLUGIN_TIMEOUT', statusCode: 504 });
  const stats = manager.statsFor('echo-vectorizer').snapshot();
  t.same(stats.byOutcome, { client_error: 2, plugin_error: 3, cancelled: 1, timeout: 1 });
  const { vectors } = await operations.vectorize('echo-vectorizer', ['fine']);
  t.same(Array.from(vectors[0]), [4, 1, 0, 0], 'still serving after all of that');
});
