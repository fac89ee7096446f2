// A client that goes away mid-call aborts its WASM task: over a real socket, the worker
// running the (endless) call is terminated and replaced, and the gateway keeps serving.
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { buildTestApp } from '../helpers/app.js';
import { pluginsRoot } from './helpers.js';

interface RuntimeInfo {
  running: number;
  workerRestarts: number;
  pool: { workersStarted: number; workersStopped: number; liveWorkers: number };
}

t.test('closing the socket mid-call terminates the worker running it', async (t) => {
  const root = await pluginsRoot(t, [
    { name: 'infinite-loop', resources: { timeout: '60s' } },
    { name: 'counter-vectorizer' },
  ]);
  const { app } = await buildTestApp(t, { pluginsDirs: [root], wasmThreads: 2, wasmIdleTimeoutMs: 600_000 });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  const info = () => app.gateway.manager.registry.get('infinite-loop')!.loaded!.describe!() as unknown as RuntimeInfo;
  const before = info();

  const body = JSON.stringify({ text: 'spin forever' });
  const req = request({
    host: '127.0.0.1',
    port,
    method: 'POST',
    path: '/plugins/infinite-loop/vectorize',
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
  });
  req.on('error', () => undefined); // we destroy it on purpose
  req.end(body);

  await waitFor(() => info().running === 1, 'the call to be running in a worker');
  req.destroy();
  await waitFor(() => info().running === 0, 'the call to end after the client left');
  await waitFor(() => info().pool.workersStopped > before.pool.workersStopped, 'the worker to be terminated');
  const after = info();
  t.equal(after.workerRestarts, 1, 'the plugin’s call cost exactly one worker');
  t.ok(after.pool.workersStopped > before.pool.workersStopped, 'a worker was terminated');

  const stats = app.gateway.manager.statsFor('infinite-loop').snapshot();
  t.equal(stats.byOutcome.cancelled, 1, 'the call is recorded as cancelled, not as a timeout');

  const response = await fetch(`http://127.0.0.1:${port}/plugins/counter-vectorizer/vectorize`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text: 'still here' }),
  });
  t.equal(response.status, 200, 'the gateway keeps serving WASM calls');
  t.same(((await response.json()) as { vector: number[] }).vector.slice(0, 1), [10]);
  await waitFor(() => info().pool.liveWorkers >= 1, 'the pool to have a worker again');
});

async function waitFor(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
