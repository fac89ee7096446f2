// MODGATE_WASM_IDLE_TIMEOUT: a pool worker above the first that has been idle that long is
// stopped (piscina idleTimeout, minThreads 1), the next call still succeeds, and the pool grows
// again on demand. A gateway on the default (60s) keeps its workers over the same wait.
import t, { type Test } from 'tap';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config.js';
import { buildTestApp } from '../helpers/app.js';
import { pluginsRoot } from './helpers.js';

interface PoolInfo {
  threads: number;
  liveWorkers: number;
  running: number;
  workersStarted: number;
  workersStopped: number;
}

const TEXT = 'idle worker';

function pool(app: FastifyInstance): PoolInfo {
  const info = app.gateway.manager.registry.get('counter-vectorizer')!.loaded!.describe!() as { pool: PoolInfo };
  return info.pool;
}

/** A call that spins `ms` on the module's clock first (counter-vectorizer reads a leading number). */
function spin(app: FastifyInstance, ms: number) {
  return app.inject({ method: 'POST', url: '/plugins/counter-vectorizer/vectorize', payload: { text: `${ms}` } });
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const started = Date.now();
  while (!condition() && Date.now() - started < timeoutMs) await new Promise((resolve) => setTimeout(resolve, 10));
}

/**
 * Two calls overlapping in time, so the pool needs a second worker. The second is sent once the
 * first is running on a worker: single texts sent in the same turn may reach the plugin as one
 * coalesced batch call, which one worker would serve.
 */
async function busyBothWorkers(t: Test, app: FastifyInstance) {
  const first = spin(app, 800);
  await until(() => pool(app).running >= 1, 10_000);
  const second = spin(app, 200);
  const responses = await Promise.all([first, second]);
  t.same(
    responses.map((r) => r.statusCode),
    [200, 200],
    'two overlapping calls succeed',
  );
  t.ok(pool(app).workersStarted >= 2, `a second worker was started for them (started ${pool(app).workersStarted})`);
}

async function gateway(t: Test, wasmIdleTimeoutMs?: number) {
  const root = await pluginsRoot(t, [{ name: 'counter-vectorizer', resources: { cpu: '2' } }]);
  const { app } = await buildTestApp(t, { pluginsDirs: [root], wasmThreads: 2, ...(wasmIdleTimeoutMs !== undefined ? { wasmIdleTimeoutMs } : {}) });
  return app;
}

t.test('a short idle timeout stops idle workers above the first; the next call still succeeds', async (t) => {
  const idleTimeoutMs = loadConfig({ MODGATE_WASM_IDLE_TIMEOUT: '250ms' }).wasmIdleTimeoutMs;
  t.equal(idleTimeoutMs, 250, 'MODGATE_WASM_IDLE_TIMEOUT=250ms is 250 ms');
  const app = await gateway(t, idleTimeoutMs);
  await busyBothWorkers(t, app);

  // Poll, with a generous bound (a loaded machine), until the idle worker is gone.
  await until(() => pool(app).liveWorkers === 1 && pool(app).workersStopped >= 1, 15_000);
  const idle = pool(app);
  t.ok(idle.workersStopped >= 1, `the idle worker was stopped (stopped ${idle.workersStopped})`);
  t.equal(idle.liveWorkers, 1, 'one worker stays (minThreads)');

  const next = await app.inject({ method: 'POST', url: '/plugins/counter-vectorizer/vectorize', payload: { text: TEXT } });
  t.equal(next.statusCode, 200, 'the next call succeeds');
  t.equal(next.json().vector[0], new TextEncoder().encode(TEXT).length, 'and gets its own correct answer');

  const before = pool(app).workersStarted;
  await busyBothWorkers(t, app);
  t.ok(pool(app).workersStarted > before, 'the pool started a worker again on demand');
});

t.test('with the default idle timeout (60s) the same wait stops no worker', async (t) => {
  const app = await gateway(t);
  await busyBothWorkers(t, app);
  const stoppedBefore = pool(app).workersStopped;
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  t.equal(pool(app).workersStopped, stoppedBefore, 'no worker stopped');
  t.equal(pool(app).liveWorkers, 2, 'both workers are still live');
});
