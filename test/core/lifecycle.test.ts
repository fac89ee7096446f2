import t from 'tap';
import { PluginHandle } from '../../src/core/lifecycle.js';
import { parseManifest, resolveLimits } from '../../src/core/manifest.js';
import { Registry } from '../../src/core/registry.js';
import type { LoadedPlugin } from '../../src/core/runtime.js';

const manifest = parseManifest(`
apiVersion: modgate.io/v1
kind: Plugin
metadata: { name: demo, version: 1.0.0 }
spec: { type: reranker, runtime: native, binary: ./index.js }
`);

function loaded(overrides: Partial<LoadedPlugin> = {}): LoadedPlugin & { stops: number } {
  const plugin = {
    stops: 0,
    api: { rerank: async () => [] },
    health: async () => ({ healthy: true }),
    stop: async () => {
      plugin.stops++;
    },
    ...overrides,
  };
  return plugin;
}

function readyHandle(plugin = loaded()): PluginHandle {
  const handle = new PluginHandle({ manifest, dir: '/tmp/demo', limits: resolveLimits(manifest), config: {}, configValues: {}, source: 'directory' });
  handle.markReady(plugin);
  return handle;
}

t.test('leases count concurrent calls and release exactly once', async (t) => {
  const handle = readyHandle();
  const leases = Array.from({ length: 5 }, () => handle.acquire());
  t.equal(handle.inFlight, 5);
  leases[0].release();
  leases[0].release();
  t.equal(handle.inFlight, 4, 'a second release of the same lease is ignored');
  for (const lease of leases) lease.release();
  t.equal(handle.inFlight, 0);
});

t.test('drain waits for in-flight calls and refuses new ones', async (t) => {
  const handle = readyHandle();
  const lease = handle.acquire();
  let drained: boolean | undefined;
  const draining = handle.drain(10_000).then((ok) => (drained = ok));
  await new Promise((r) => setImmediate(r));
  t.equal(handle.state, 'draining');
  t.equal(drained, undefined, 'still waiting for the lease');
  t.throws(() => handle.acquire(), { code: 'MODGATE_PLUGIN_UNAVAILABLE', statusCode: 503, retryAfter: 1 });
  lease.release();
  await draining;
  t.equal(drained, true);
});

t.test('drain gives up after its timeout', async (t) => {
  const handle = readyHandle();
  handle.acquire();
  t.equal(await handle.drain(20), false);
  t.equal(handle.inFlight, 1);
});

t.test('stop stops the plugin once and moves to stopped', async (t) => {
  const plugin = loaded();
  const handle = readyHandle(plugin);
  await handle.stop();
  await handle.stop();
  t.equal(handle.state, 'stopped');
  t.equal(plugin.stops, 1);
});

t.test('a failed handle says why; an unavailable backend answers 503 with Retry-After', async (t) => {
  const failed = new PluginHandle({ manifest, dir: '/tmp/demo', limits: resolveLimits(manifest), config: {}, configValues: {}, source: 'directory' });
  const states: string[] = [];
  failed.onStateChange((_h, state) => states.push(state));
  failed.markFailed('crashed 5 times');
  t.throws(() => failed.acquire(), { code: 'MODGATE_PLUGIN_UNAVAILABLE', message: /failed: crashed 5 times/ });
  t.same(states, ['failed']);

  const down = readyHandle(loaded({ availability: () => ({ available: false, reason: 'process restarting', retryAfter: 4 }) }));
  t.throws(() => down.acquire(), { code: 'MODGATE_PLUGIN_UNAVAILABLE', retryAfter: 4, message: /process restarting/ });
  t.equal(down.inFlight, 0);
});

t.test('markReady is only valid while loading', async (t) => {
  const handle = readyHandle();
  t.throws(() => handle.markReady(loaded()), /cannot markReady plugin "demo" in state ready/);
});

t.test('registry: typed lease, wrong type, unknown name, swap returns the previous handle', async (t) => {
  const registry = new Registry();
  const first = readyHandle();
  t.equal(registry.swap(first), undefined);
  const lease = registry.lease('demo', 'reranker');
  t.equal(lease.handle, first);
  lease.release();
  t.throws(() => registry.lease('demo', 'vectorizer'), {
    code: 'MODGATE_UNSUPPORTED_OPERATION',
    statusCode: 400,
    message: 'plugin "demo" is a reranker; this operation needs a vectorizer',
  });
  t.throws(() => registry.lease('nope', 'reranker'), { code: 'MODGATE_PLUGIN_NOT_FOUND', statusCode: 404 });
  const second = readyHandle();
  t.equal(registry.swap(second), first);
  t.equal(registry.get('demo'), second);
  registry.recordBroken({ name: 'demo', dir: '/x', reason: 'ignored while a handle is active' });
  t.same(registry.listBroken(), []);
  registry.recordBroken({ name: 'bad', dir: '/x', reason: 'manifest invalid' });
  t.throws(() => registry.require('bad'), { code: 'MODGATE_PLUGIN_UNAVAILABLE', message: /failed to load: manifest invalid/ });
  t.equal(registry.remove('demo'), second);
  t.same(registry.list(), []);
});
