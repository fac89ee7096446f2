// GET /health/ready is 503 while start-up discovery runs (buildApp starts it in onReady without
// waiting) and 200 once it is done. The plugins folder holds a native plugin whose create()
// waits on a gate this test opens (test/fixtures/native-gated-load/gated-vectorizer).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { ADMIN_TOKEN, FIXTURES, type Teardown } from '../helpers/app.js';

const GATE = Symbol.for('modgate.test.load-gate');
const PLUGINS = join(FIXTURES, 'native-gated-load');

interface Gate {
  entered(): void;
  opened: Promise<void>;
}

/** buildApp + ready(), without waiting for discovery (buildTestApp waits for it). */
async function startApp(t: Teardown) {
  const dataDir = await mkdtemp(join(tmpdir(), 'modgate-ready-'));
  const logStream = new Writable({ write: (_chunk, _encoding, done) => done() });
  const app = await buildApp({
    env: {},
    config: { logLevel: 'info', pluginsDirs: [PLUGINS], adminToken: ADMIN_TOKEN, dataDir, loadTimeoutMs: 20_000 },
    logStream,
  });
  t.teardown(async () => {
    await app.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  await app.ready();
  return app;
}

t.test('503 while a plugin is still loading, 200 once discovery is done', async (t) => {
  let entered!: () => void;
  const inCreate = new Promise<void>((resolve) => (entered = resolve));
  let open!: () => void;
  const gate: Gate = { entered, opened: new Promise<void>((resolve) => (open = resolve)) };
  (globalThis as Record<symbol, unknown>)[GATE] = gate;
  t.teardown(() => {
    open();
    delete (globalThis as Record<symbol, unknown>)[GATE];
  });

  const app = await startApp(t);
  await inCreate; // discovery has reached the plugin's create() and is blocked there
  t.equal(app.gateway.manager.ready, false);

  for (let i = 0; i < 3; i++) {
    const starting = await app.inject({ method: 'GET', url: '/health/ready' });
    t.equal(starting.statusCode, 503, 'not ready while discovery runs');
    t.equal(starting.headers['retry-after'], '1');
    t.match(starting.headers['content-type'], /^application\/json/);
    t.same(starting.json(), { status: 'starting', plugins: { ready: 0, failed: 0, total: 0 } });
  }
  const live = await app.inject({ method: 'GET', url: '/health/live' });
  t.equal(live.statusCode, 200, 'liveness does not wait for discovery');
  t.same(live.json(), { status: 'ok' });

  open();
  await app.gateway.started;
  const ready = await app.inject({ method: 'GET', url: '/health/ready' });
  t.equal(ready.statusCode, 200);
  t.equal(ready.headers['retry-after'], undefined);
  t.same(ready.json(), { status: 'ok', plugins: { ready: 1, failed: 0, total: 1 } });

  const call = await app.inject({ method: 'POST', url: '/plugins/gated-vectorizer/vectorize', payload: { text: 'abc' } });
  t.equal(call.statusCode, 200);
  t.same(call.json().vector, [3, 1], 'the plugin that held up discovery serves once loaded');
});
